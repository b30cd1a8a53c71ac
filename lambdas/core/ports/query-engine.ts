/**
 * The query port: Athena in AWS, DuckDB locally, over the same Parquet layout. Both run the same
 * SQL text (docs/sql.md lists the constructs that mean the same in DuckDB and Athena/Trino).
 */

/** One value of a result row: numbers as numbers (never bigint), dates and timestamps as ISO strings. */
export type SqlValue = string | number | boolean | null;

export type SqlRow = Record<string, SqlValue>;

export interface QueryEngine {
  /** Runs one SELECT over the tables of the lake (`sensor_readings`, …) and returns every row. */
  query(sql: string): Promise<SqlRow[]>;
  /** Releases connections; the engine is unusable afterwards. */
  close(): Promise<void>;
}

/** The query was rejected or failed; the message says why (engine's own words, plus the SQL's first line). */
export class QueryError extends Error {
  override readonly name = 'QueryError';
}
