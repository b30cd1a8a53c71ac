import type { TableColumn, TableRow } from '../data/table-column.ts';
import { encodeParquet } from '../data/parquet.ts';
import type { ObjectStore } from '../ports/object-store.ts';

/**
 * Writes a stream of rows as part files of bounded size, so ingest's memory does not grow with
 * the landing file. hyparquet-writer can append row groups to one file, but the ObjectStore port
 * writes whole objects (atomic puts, the same in S3 and locally), so one large file would still
 * be held whole before its put: parts of at most `rowsPerPart` rows are held instead. Part names
 * are `<name>-<nnnn>.<ext>` numbered per folder in arrival order, so the same input always gives
 * the same keys (a retry overwrites what a crashed attempt wrote).
 */

/** Rows per part: about 20 MB of row objects for the AI4I contract, a few MB of Parquet. */
export const ROWS_PER_PART = 50_000;

abstract class PartWriter<T> {
  readonly #buffers = new Map<string, T[]>();
  readonly #parts = new Map<string, number>();
  #held = 0;
  readonly keys: string[] = [];

  constructor(
    protected readonly store: ObjectStore,
    private readonly name: string,
    private readonly extension: string,
    private readonly rowsPerPart: number,
  ) {}

  protected abstract encode(rows: readonly T[]): Uint8Array | string;
  protected abstract readonly contentType: string | undefined;

  /** Adds one row to the folder `folder` (ending in '/'); writes a part when too many rows are held. */
  async add(folder: string, row: T): Promise<void> {
    let buffer = this.#buffers.get(folder);
    if (buffer === undefined) this.#buffers.set(folder, (buffer = []));
    buffer.push(row);
    this.#held++;
    if (this.#held < this.rowsPerPart) return;
    // Many folders (partitions) at once: write the fullest, so what is held stays bounded in total.
    const [fullest] = [...this.#buffers].sort(([, a], [, b]) => b.length - a.length)[0];
    await this.#flush(fullest);
  }

  async #flush(folder: string): Promise<void> {
    const rows = this.#buffers.get(folder);
    if (rows === undefined || rows.length === 0) return;
    this.#buffers.delete(folder);
    this.#held -= rows.length;
    const part = this.#parts.get(folder) ?? 0;
    this.#parts.set(folder, part + 1);
    const key = `${folder}${this.name}-${String(part).padStart(4, '0')}.${this.extension}`;
    await this.store.put(key, this.encode(rows), this.contentType === undefined ? {} : { contentType: this.contentType });
    this.keys.push(key);
  }

  /** Writes what is still held; returns every key written, sorted. */
  async finish(): Promise<string[]> {
    for (const folder of [...this.#buffers.keys()].sort()) await this.#flush(folder);
    return [...this.keys].sort();
  }
}

/** Parquet parts of one table (the feature table). */
export class ParquetPartWriter extends PartWriter<TableRow> {
  protected readonly contentType = undefined;
  constructor(
    store: ObjectStore,
    name: string,
    private readonly columns: readonly TableColumn[],
    rowsPerPart = ROWS_PER_PART,
  ) {
    super(store, name, 'parquet', rowsPerPart);
  }
  protected encode(rows: readonly TableRow[]): Uint8Array {
    return encodeParquet(this.columns, rows);
  }
}

/** JSON Lines parts (quarantined rows). */
export class JsonLinesPartWriter<T> extends PartWriter<T> {
  protected readonly contentType = 'application/x-ndjson';
  constructor(store: ObjectStore, name: string, rowsPerPart = ROWS_PER_PART) {
    super(store, name, 'jsonl', rowsPerPart);
  }
  protected encode(rows: readonly T[]): string {
    return rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
  }
}
