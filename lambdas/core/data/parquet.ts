import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer, type BasicType, type ColumnSource } from 'hyparquet-writer';
import { InvalidDataError, ShapeError, UnusableFileError } from '../errors.ts';
import type { TableColumn, TableColumnType, TableRow, TableValue } from './table-column.ts';

/**
 * Parquet files of the lake, in memory: rows in, bytes out, and back. Snappy-compressed (the
 * codec hyparquet-writer writes by itself and every reader — DuckDB, Athena, hyparquet — reads),
 * timestamps as INT64 milliseconds (`TIMESTAMP_MILLIS`, read as TIMESTAMP by DuckDB and Athena).
 */

const PARQUET_TYPE: Readonly<Record<TableColumnType, BasicType>> = {
  double: 'DOUBLE',
  bigint: 'INT64',
  string: 'STRING',
  timestamp: 'TIMESTAMP',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function invalid(column: string, row: number, message: string): InvalidDataError {
  return new InvalidDataError(`column "${column}", row ${row}: ${message}`);
}

/** The value as hyparquet-writer wants it for this column type; throws naming column and row. */
function toParquetValue(column: TableColumn, row: number, value: unknown): number | bigint | string | Date | null {
  if (value === null || value === undefined) {
    if (column.nullable) return null;
    throw invalid(column.name, row, `${value === null ? 'null' : 'missing value'} in a non-nullable ${column.type} column`);
  }
  switch (column.type) {
    case 'double':
      // NaN and ±Infinity are numbers to JavaScript but not measurements: refuse them here too.
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw invalid(column.name, row, `expected a finite number, got ${describeValue(value)}`);
    case 'bigint':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
      throw invalid(column.name, row, `expected a safe integer, got ${describeValue(value)}`);
    case 'string':
      if (typeof value === 'string') return value;
      throw invalid(column.name, row, `expected a string, got ${describeValue(value)}`);
    case 'timestamp':
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
      throw invalid(column.name, row, `expected a valid Date, got ${describeValue(value)}`);
  }
}

function checkColumns(columns: readonly TableColumn[]): void {
  if (columns.length === 0) throw new ShapeError('a Parquet table needs at least one column');
  const seen = new Set<string>();
  for (const { name } of columns) {
    if (name.length === 0) throw new ShapeError('a column name must not be empty');
    if (seen.has(name)) throw new ShapeError(`column "${name}" is declared twice`);
    seen.add(name);
  }
}

/**
 * Encodes `rows` as one Parquet file with exactly `columns` (names, order, types, nullability).
 * @throws InvalidDataError naming column and row for a value of the wrong type, NaN/±Infinity,
 *   an unsafe integer, null or a missing value in a non-nullable column, or a key no column declares
 * @throws ShapeError for no columns, an empty or duplicate column name
 */
export function encodeParquet(columns: readonly TableColumn[], rows: readonly TableRow[]): Uint8Array {
  checkColumns(columns);
  const declared = new Set(columns.map((c) => c.name));
  const data = columns.map(() => new Array<number | bigint | string | Date | null>(rows.length));
  rows.forEach((row, r) => {
    // A misspelt key would otherwise vanish silently (and leave its column null).
    for (const key of Object.keys(row)) {
      if (!declared.has(key)) throw invalid(key, r, `no such column; the table has ${[...declared].join(', ')}`);
    }
    columns.forEach((column, c) => {
      data[c][r] = toParquetValue(column, r, row[column.name]);
    });
  });
  const columnData: ColumnSource[] = columns.map((column, c) => ({
    name: column.name,
    data: data[c],
    type: PARQUET_TYPE[column.type],
    nullable: column.nullable,
  }));
  return new Uint8Array(parquetWriteBuffer({ columnData, codec: 'SNAPPY', createdBy: 'prognos' }));
}

function fromParquetValue(column: string, row: number, value: unknown): TableValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || value instanceof Date) return value;
  if (typeof value === 'bigint') {
    if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
    throw new RangeError(`column "${column}", row ${row}: integer ${value} is beyond ±2^53 and cannot be a number without losing digits`);
  }
  throw new UnusableFileError(`column "${column}", row ${row}: ${typeof value} values are not a lake column type (double, bigint, string, timestamp)`);
}

/**
 * Decodes a whole Parquet file into rows (column name → value). INT64 becomes a number,
 * timestamps become Dates, strings stay strings.
 * @throws UnusableFileError when the bytes are not Parquet, or a column has a type the lake does not use
 * @throws RangeError for an integer beyond Number.MAX_SAFE_INTEGER in magnitude
 */
export async function decodeParquet(bytes: Uint8Array): Promise<TableRow[]> {
  // hyparquet reads an ArrayBuffer; a Node Buffer may be a view into a larger shared one.
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let records: Record<string, unknown>[];
  try {
    records = await parquetReadObjects({ file });
  } catch (error) {
    throw new UnusableFileError(`not a readable Parquet file: ${(error as Error).message}`, { cause: error });
  }
  return records.map((record, r) => {
    const row: TableRow = {};
    for (const [name, value] of Object.entries(record)) row[name] = fromParquetValue(name, r, value);
    return row;
  });
}
