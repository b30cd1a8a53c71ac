import type { QueryEngine, SqlRow } from '../ports/query-engine.ts';

/**
 * A QueryEngine that records the bytes each query scanned, for the cost estimate. The bytes come
 * from `bytesScanned`: in AWS, Athena's own `Statistics.DataScannedInBytes`; locally an estimate
 * (DuckDB reports no such number), see {@link MeteredQueryEngine.scanned}.
 */
export class MeteredQueryEngine implements QueryEngine {
  readonly #scanned: number[] = [];

  /**
   * @param bytesScanned the bytes the query just run scanned (called after it succeeded; a
   *   failed query is recorded with 0 bytes, which Athena bills at its 10 MB minimum)
   */
  constructor(
    private readonly inner: QueryEngine,
    private readonly bytesScanned: (sql: string) => Promise<number>,
  ) {}

  /** Bytes scanned by each query so far, in order. */
  scanned(): number[] {
    return [...this.#scanned];
  }

  async query(sql: string): Promise<SqlRow[]> {
    let rows: SqlRow[];
    try {
      rows = await this.inner.query(sql);
    } catch (error) {
      this.#scanned.push(0);
      throw error;
    }
    this.#scanned.push(await this.bytesScanned(sql));
    return rows;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
