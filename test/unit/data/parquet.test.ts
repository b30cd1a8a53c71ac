import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidDataError, ShapeError, UnusableFileError } from '../../../lambdas/core/errors.ts';
import { decodeParquet, encodeParquet } from '../../../lambdas/core/data/parquet.ts';
import type { TableColumn, TableRow } from '../../../lambdas/core/data/table-column.ts';

const COLUMNS: readonly TableColumn[] = [
  { name: 'udi', type: 'bigint', nullable: false },
  { name: 'product_id', type: 'string', nullable: false },
  { name: 'air_temperature_k', type: 'double', nullable: true },
  { name: 'tool_wear_min', type: 'bigint', nullable: true },
  { name: 'note', type: 'string', nullable: true },
  { name: 'read_at', type: 'timestamp', nullable: true },
];

const ROWS: TableRow[] = [
  { udi: 1, product_id: 'M14860', air_temperature_k: 298.1, tool_wear_min: 0, note: 'ok', read_at: new Date('2026-01-01T00:00:00.000Z') },
  { udi: 2, product_id: 'L47181', air_temperature_k: null, tool_wear_min: null, note: null, read_at: null },
  { udi: -3, product_id: '', air_temperature_k: -0.5, tool_wear_min: Number.MAX_SAFE_INTEGER, note: 'Grüße ✓ 🚀 "quoted", comma', read_at: new Date('1969-07-20T20:17:40.123Z') },
  { udi: Number.MIN_SAFE_INTEGER, product_id: 'H29424', air_temperature_k: 1e-300, tool_wear_min: -7, note: '', read_at: new Date('2026-06-30T23:59:59.999Z') },
];

/** Compares rows with Dates by their instant. */
function comparable(rows: readonly TableRow[]): unknown[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? `Date ${v.toISOString()}` : v])));
}

describe('encodeParquet / decodeParquet', () => {
  it('round-trips every column type, nulls included, in column order', async () => {
    const rows = await decodeParquet(encodeParquet(COLUMNS, ROWS));
    expect(comparable(rows)).toEqual(comparable(ROWS));
    for (const row of rows) expect(Object.keys(row)).toEqual(COLUMNS.map((c) => c.name));
    expect(rows[0].read_at).toBeInstanceOf(Date);
    expect(typeof rows[0].udi).toBe('number');
  });

  it('round-trips zero rows', async () => {
    expect(await decodeParquet(encodeParquet(COLUMNS, []))).toEqual([]);
  });

  it('round-trips more rows than one row group holds', async () => {
    const columns: TableColumn[] = [
      { name: 'i', type: 'bigint', nullable: false },
      { name: 'x', type: 'double', nullable: true },
    ];
    const rows = Array.from({ length: 2500 }, (_, i) => ({ i, x: i % 7 === 0 ? null : i / 3 }));
    expect(await decodeParquet(encodeParquet(columns, rows))).toEqual(rows);
  });

  it('writes snappy-compressed column chunks', () => {
    const bytes = encodeParquet(COLUMNS, ROWS);
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const codecs = metadata.row_groups.flatMap((group) => group.columns.map((chunk) => chunk.meta_data?.codec));
    expect(codecs).toEqual(COLUMNS.map(() => 'SNAPPY'));
    const repetitive = Array.from({ length: 5000 }, () => ({ note: 'the same long sentence, over and over again' }));
    expect(encodeParquet([{ name: 'note', type: 'string', nullable: false }], repetitive).byteLength).toBeLessThan(5000);
  });

  it('treats a missing key as null in a nullable column', async () => {
    const rows = await decodeParquet(encodeParquet(COLUMNS, [{ udi: 1, product_id: 'M1' }]));
    expect(rows).toEqual([{ udi: 1, product_id: 'M1', air_temperature_k: null, tool_wear_min: null, note: null, read_at: null }]);
  });

  it('decodes bytes that sit at an offset inside a larger buffer', async () => {
    const bytes = encodeParquet(COLUMNS, ROWS);
    const padded = new Uint8Array(bytes.byteLength + 24);
    padded.set(bytes, 11);
    expect(comparable(await decodeParquet(padded.subarray(11, 11 + bytes.byteLength)))).toEqual(comparable(ROWS));
  });

  describe('rejects values that do not fit the column, naming column and row', () => {
    const cases: [string, TableRow, RegExp][] = [
      ['a string in a double column', { udi: 1, product_id: 'M', air_temperature_k: '298.1' }, /column "air_temperature_k", row 1: expected a finite number, got string "298\.1"/],
      ['NaN in a double column', { udi: 1, product_id: 'M', air_temperature_k: Number.NaN }, /column "air_temperature_k", row 1: expected a finite number, got number NaN/],
      ['Infinity in a double column', { udi: 1, product_id: 'M', air_temperature_k: Infinity }, /"air_temperature_k", row 1/],
      ['a fraction in a bigint column', { udi: 1.5, product_id: 'M' }, /column "udi", row 1: expected a safe integer, got number 1\.5/],
      ['an unsafe integer in a bigint column', { udi: 2 ** 53, product_id: 'M' }, /column "udi", row 1: expected a safe integer/],
      ['a number in a string column', { udi: 1, product_id: 42 }, /column "product_id", row 1: expected a string, got number 42/],
      ['a string in a timestamp column', { udi: 1, product_id: 'M', read_at: '2026-01-01' }, /column "read_at", row 1: expected a valid Date/],
      ['an invalid Date', { udi: 1, product_id: 'M', read_at: new Date('nope') }, /column "read_at", row 1: expected a valid Date, got Date\(invalid\)/],
      ['null in a non-nullable column', { udi: 1, product_id: null }, /column "product_id", row 1: null in a non-nullable string column/],
      ['a missing value in a non-nullable column', { product_id: 'M' }, /column "udi", row 1: missing value in a non-nullable bigint column/],
      ['a key no column declares', { udi: 1, product_id: 'M', air_temp: 3 }, /column "air_temp", row 1: no such column/],
    ];

    it.each(cases)('%s', (_, bad, message) => {
      const rows = [ROWS[0], bad];
      let error: unknown;
      try {
        encodeParquet(COLUMNS, rows);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidDataError);
      expect((error as Error).name).toBe('InvalidDataError');
      expect((error as Error).message).toMatch(message);
    });
  });

  it('rejects a table without columns, or with a duplicate column, as ShapeError', () => {
    expect(() => encodeParquet([], [])).toThrow(ShapeError);
    expect(() => encodeParquet([COLUMNS[0], COLUMNS[0]], [])).toThrow(/declared twice/);
  });

  it('rejects an integer beyond ±2^53 when decoding, rather than rounding it', async () => {
    const bytes = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'big', data: [1n, 2n ** 60n], type: 'INT64', nullable: false }] }));
    await expect(decodeParquet(bytes)).rejects.toThrow(RangeError);
    await expect(decodeParquet(bytes)).rejects.toThrow(/column "big", row 1: integer 1152921504606846976/);
  });

  it('rejects a column type the lake does not use, and bytes that are not Parquet', async () => {
    const booleans = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'flag', data: [true, false], type: 'BOOLEAN' }] }));
    await expect(decodeParquet(booleans)).rejects.toThrow(UnusableFileError);
    await expect(decodeParquet(booleans)).rejects.toThrow(/column "flag", row 0: boolean/);
    await expect(decodeParquet(new TextEncoder().encode('udi,product_id\n1,M\n'))).rejects.toThrow(UnusableFileError);
  });
});

describe('encodeParquet files in DuckDB', () => {
  let dir: string;
  let instance: DuckDBInstance;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prognos-parquet-'));
    instance = await DuckDBInstance.create(':memory:');
  });
  afterAll(async () => {
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads with the declared SQL types and the same values', async () => {
    const file = join(dir, 'readings.parquet');
    await writeFile(file, encodeParquet(COLUMNS, ROWS));
    const connection = await instance.connect();
    try {
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
      expect(described.getRows().map((row) => [row[0], row[1]])).toEqual([
        ['udi', 'BIGINT'],
        ['product_id', 'VARCHAR'],
        ['air_temperature_k', 'DOUBLE'],
        ['tool_wear_min', 'BIGINT'],
        ['note', 'VARCHAR'],
        ['read_at', 'TIMESTAMP'],
      ]);
      const result = await connection.runAndReadAll(
        `SELECT udi::DOUBLE, product_id, air_temperature_k, tool_wear_min::DOUBLE, note, epoch_ms(read_at)::DOUBLE FROM read_parquet('${file}')`,
      );
      expect(result.getRows()).toEqual(
        ROWS.map((row) => [row.udi, row.product_id, row.air_temperature_k, row.tool_wear_min, row.note, row.read_at instanceof Date ? row.read_at.getTime() : null]),
      );
      // Timestamps mean UTC instants: DuckDB prints the same wall-clock time as toISOString.
      const text = await connection.runAndReadAll(`SELECT strftime(read_at, '%Y-%m-%dT%H:%M:%S.%g') FROM read_parquet('${file}') WHERE udi = -3`);
      expect(text.getRows()).toEqual([['1969-07-20T20:17:40.123']]);
    } finally {
      connection.closeSync();
    }
  });
});
