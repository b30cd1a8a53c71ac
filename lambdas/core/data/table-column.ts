/**
 * One column of a lake table, as the data contract declares it. The same description drives the
 * Parquet writer, the DuckDB views and the Glue columns, so it has only the types all of them
 * share.
 */

/** Column types of the lake: Parquet DOUBLE / INT64 / UTF8 / INT64 timestamp (ms, UTC). */
export type TableColumnType = 'double' | 'bigint' | 'string' | 'timestamp';

export interface TableColumn {
  readonly name: string;
  readonly type: TableColumnType;
  readonly nullable: boolean;
}

/** A value of a table cell in memory: `bigint` columns hold safe-integer numbers, `timestamp` columns Dates. */
export type TableValue = number | string | Date | null;

/** One row of a table: column name → value. */
export type TableRow = Record<string, TableValue>;

