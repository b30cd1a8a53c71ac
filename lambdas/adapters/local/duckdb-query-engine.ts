import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  StatementType,
  type DuckDBConnection,
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { TableColumn, TableColumnType } from '../../core/data/table-column.ts';
import { QueryError, type QueryEngine, type SqlRow, type SqlValue } from '../../core/ports/query-engine.ts';

/**
 * The query port on DuckDB, in memory, over the lake's Parquet folders: the local stand-in for
 * Athena + Glue. Each table is a view that is brought up to date before every query, so files
 * written since the last query are seen, and that has exactly the declared columns and types
 * whatever the files hold — as a Glue table would: a column missing from older files reads as
 * NULL, a table without files is empty, not an error.
 *
 * Like Athena it reads every `*.parquet` file under the table's folder, at any depth, except in
 * files and folders whose names start with `.` or `_` (temporary files, `_SUCCESS` markers).
 * The files are passed to DuckDB as a list of paths, not a glob, so no character of a path is
 * taken as a wildcard.
 */

/** One lake table: a folder of Parquet files, optionally partitioned Hive-style (`dt=2026-01-01/`). */
export interface LakeTable {
  /** SQL name of the table (`sensor_readings`): a letter or `_`, then letters, digits, `_`. */
  readonly name: string;
  /** Absolute folder holding the table's files, e.g. `<home>/lake/features`. */
  readonly root: string;
  readonly columns: readonly TableColumn[];
  /** Hive partition key in the folder names (`dt`); a VARCHAR column of the table. */
  readonly partitionColumn?: string;
}

export interface DuckDbQueryEngineOptions {
  readonly tables: readonly LakeTable[];
}

const SQL_TYPE: Readonly<Record<TableColumnType, string>> = {
  double: 'DOUBLE',
  bigint: 'BIGINT',
  string: 'VARCHAR',
  timestamp: 'TIMESTAMP',
};

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal: the only special character inside '…' is the quote itself. */
function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new TypeError(`a SQL string cannot hold a NUL character: ${JSON.stringify(text)}`);
  return `'${text.replaceAll("'", "''")}'`;
}

function firstLine(sql: string): string {
  return sql.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}

function queryError(message: string, sql: string, cause?: unknown): QueryError {
  return new QueryError(`${message}\n  in query: ${firstLine(sql)}`, cause === undefined ? undefined : { cause });
}

function checkTables(tables: readonly LakeTable[]): void {
  const names = new Set<string>();
  for (const table of tables) {
    if (!TABLE_NAME.test(table.name)) throw new TypeError(`table name ${JSON.stringify(table.name)} is not a plain SQL identifier (letters, digits, _)`);
    if (names.has(table.name.toLowerCase())) throw new TypeError(`table ${table.name} is declared twice`);
    names.add(table.name.toLowerCase());
    if (!isAbsolute(table.root)) throw new TypeError(`table ${table.name}: root must be an absolute folder, got ${JSON.stringify(table.root)}`);
    if (table.columns.length === 0) throw new TypeError(`table ${table.name} has no columns`);
    const columns = new Set<string>();
    for (const { name } of table.columns) {
      if (name.length === 0) throw new TypeError(`table ${table.name} has a column with an empty name`);
      if (columns.has(name.toLowerCase())) throw new TypeError(`table ${table.name}: column ${name} is declared twice (SQL names ignore case)`);
      columns.add(name.toLowerCase());
    }
    const partition = table.partitionColumn;
    if (partition !== undefined && (partition.length === 0 || columns.has(partition.toLowerCase()))) {
      throw new TypeError(`table ${table.name}: partition column ${JSON.stringify(partition)} must be a new, non-empty name`);
    }
  }
}

/** The table's Parquet files, sorted, with a signature that changes when any is added, removed or rewritten. */
async function parquetFiles(root: string): Promise<{ files: string[]; signature: string }> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name.endsWith('.parquet')) files.push(path);
    }
  };
  await walk(root);
  files.sort();
  const stamps = await Promise.all(
    files.map(async (file) => {
      const info = await stat(file).catch(() => undefined);
      return info === undefined ? 'gone' : `${info.size}:${info.mtimeMs}:${info.ino}`;
    }),
  );
  return { files, signature: files.map((file, i) => `${file}\t${stamps[i]}`).join('\n') };
}

// ---------------------------------------------------------------------------------------------
// Result values

function safeNumber(value: bigint, column: string, row: number): number {
  if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  throw new RangeError(`column ${column}, row ${row}: integer ${value} is beyond ±2^53 and cannot be a number without losing digits; cast it to VARCHAR or DOUBLE in the query`);
}

const MAX_DATE_MS = 8.64e15;

/** ISO 8601 in UTC (`2026-01-01T10:00:00.123Z`), with micro- or nanoseconds when present. */
function isoTimestamp(wholeMs: bigint, subMsDigits: string, fallback: string): string {
  const ms = Number(wholeMs);
  if (Math.abs(ms) > MAX_DATE_MS) return fallback; // beyond JavaScript dates: DuckDB's own text
  const iso = new Date(ms).toISOString();
  const fraction = subMsDigits.replace(/0+$/, '');
  return fraction === '' ? iso : `${iso.slice(0, -1)}${subMsDigits}Z`;
}

function floorDiv(a: bigint, b: bigint): [bigint, bigint] {
  const q = a / b;
  const r = a % b;
  return r < 0n ? [q - 1n, r + b] : [q, r];
}

function timestampText(value: DuckDBValue): string {
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    if (!value.isFinite) return value.toString();
    const [ms, us] = floorDiv(value.micros, 1000n);
    return isoTimestamp(ms, us.toString().padStart(3, '0'), value.toString());
  }
  if (value instanceof DuckDBTimestampNanosecondsValue) {
    if (!value.isFinite) return value.toString();
    const [ms, ns] = floorDiv(value.nanos, 1_000_000n);
    return isoTimestamp(ms, ns.toString().padStart(6, '0'), value.toString());
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) {
    return value.isFinite ? isoTimestamp(value.millis, '', value.toString()) : value.toString();
  }
  if (value instanceof DuckDBTimestampSecondsValue) {
    return value.isFinite ? isoTimestamp(value.seconds * 1000n, '', value.toString()) : value.toString();
  }
  throw new TypeError(`not a timestamp: ${String(value)}`);
}

/** One DuckDB value as the port wants it; undefined when the type has no SqlValue form. */
function toSqlValue(value: DuckDBValue, typeId: DuckDBTypeId, column: string, row: number): SqlValue | undefined {
  if (value === null) return null;
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.VARCHAR:
      return value as SqlValue;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return safeNumber(value as bigint, column, row);
    case DuckDBTypeId.DECIMAL:
      return (value as DuckDBDecimalValue).toDouble();
    case DuckDBTypeId.DATE:
      return (value as DuckDBDateValue).toString();
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return timestampText(value);
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.INTERVAL:
      return String(value);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------

interface ViewState {
  readonly signature: string;
}

export class DuckDbQueryEngine implements QueryEngine {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #tables: readonly LakeTable[];
  /** What each view was last built from, so an unchanged folder costs one directory walk. */
  readonly #views = new Map<string, ViewState>();
  /** Queries run one at a time: each rebuilds the shared views before it runs. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection, tables: readonly LakeTable[]) {
    this.#instance = instance;
    this.#connection = connection;
    this.#tables = tables;
  }

  /**
   * An in-memory DuckDB with one view per table.
   * @throws TypeError for a table name that is not a plain identifier, a relative root, no or
   *   duplicate columns, or a partition column that repeats a column
   */
  static async open(options: DuckDbQueryEngineOptions): Promise<DuckDbQueryEngine> {
    checkTables(options.tables);
    const instance = await DuckDBInstance.create(':memory:');
    try {
      const connection = await instance.connect();
      return new DuckDbQueryEngine(instance, connection, options.tables.map((t) => ({ ...t, columns: [...t.columns] })));
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  /**
   * Runs one SELECT (a `WITH … SELECT` too) after bringing every table's view up to date.
   * Values: BIGINT and DECIMAL as numbers, DATE as `YYYY-MM-DD`, TIMESTAMP as ISO 8601 in UTC.
   * @throws QueryError with DuckDB's message and the query's first line, for any SQL DuckDB
   *   rejects, more than one statement, a statement other than SELECT, or an unreadable file
   * @throws RangeError for an integer result beyond ±2^53
   */
  query(sql: string): Promise<SqlRow[]> {
    const run = this.#queue.then(() => this.#query(sql));
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #query(sql: string): Promise<SqlRow[]> {
    if (this.#closed) throw queryError('the query engine is closed', sql);
    if (sql.trim() === '') throw queryError('empty query', sql);
    for (const table of this.#tables) await this.#refreshView(table);
    let reader;
    try {
      const statements = await this.#connection.extractStatements(sql);
      if (statements.count !== 1) throw queryError(`expected one statement, got ${statements.count}`, sql);
      const prepared = await statements.prepare(0);
      try {
        if (prepared.statementType !== StatementType.SELECT) {
          throw queryError(`only SELECT queries run here, got a ${StatementType[prepared.statementType]} statement`, sql);
        }
        reader = await prepared.runAndReadAll();
      } finally {
        prepared.destroySync();
      }
    } catch (error) {
      if (error instanceof QueryError) throw error;
      throw queryError((error as Error).message, sql, error);
    }
    const names = reader.deduplicatedColumnNames();
    const typeIds = names.map((_, c) => reader.columnTypeId(c));
    return reader.getRows().map((values, r) => {
      const row: SqlRow = {};
      names.forEach((name, c) => {
        const value = toSqlValue(values[c], typeIds[c], name, r);
        if (value === undefined) {
          throw queryError(`column ${name} has type ${reader.columnType(c).toString()}, which has no plain value; cast it to VARCHAR in the query`, sql);
        }
        row[name] = value;
      });
      return row;
    });
  }

  /** (Re)creates the table's view when its files changed since the last query. */
  async #refreshView(table: LakeTable): Promise<void> {
    const { files, signature } = await parquetFiles(table.root);
    if (this.#views.get(table.name)?.signature === signature) return;
    const select = files.length === 0 ? emptySelect(table) : await this.#parquetSelect(table, files);
    try {
      await this.#connection.run(`CREATE OR REPLACE VIEW ${quoteIdentifier(table.name)} AS ${select}`);
    } catch (error) {
      throw new QueryError(`cannot build the view of table ${table.name} over ${table.root}: ${(error as Error).message}`, { cause: error });
    }
    this.#views.set(table.name, { signature });
  }

  /** SELECT over the files that casts each declared column to its type; NULL for a column no file has. */
  async #parquetSelect(table: LakeTable, files: readonly string[]): Promise<string> {
    const partition = table.partitionColumn;
    // DuckDB refuses hive_types for a key no path has, so type the partition only when it is there.
    const partitioned = partition !== undefined && files.some((file) => relative(table.root, file).split(sep).some((part) => part.startsWith(`${partition}=`)));
    const options = [
      `hive_partitioning = ${partition !== undefined}`,
      ...(partitioned ? [`hive_types = {${quoteLiteral(partition)}: VARCHAR}`] : []),
      'union_by_name = true',
    ];
    const source = `read_parquet([${files.map(quoteLiteral).join(', ')}], ${options.join(', ')})`;
    let present: Set<string>;
    try {
      const described = await this.#connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
      present = new Set(described.getRows().map((row) => String(row[0]).toLowerCase()));
    } catch (error) {
      throw new QueryError(`cannot read the Parquet files of table ${table.name} under ${table.root}: ${(error as Error).message}`, { cause: error });
    }
    const column = (name: string, type: string): string =>
      `CAST(${present.has(name.toLowerCase()) ? quoteIdentifier(name) : 'NULL'} AS ${type}) AS ${quoteIdentifier(name)}`;
    const list = table.columns.map((c) => column(c.name, SQL_TYPE[c.type]));
    if (partition !== undefined) list.push(column(partition, 'VARCHAR'));
    return `SELECT ${list.join(', ')} FROM ${source}`;
  }

  /** Releases the connection and the database; later queries fail with QueryError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}

/** A relation with the table's columns and types and no rows. */
function emptySelect(table: LakeTable): string {
  const list = table.columns.map((c) => `CAST(NULL AS ${SQL_TYPE[c.type]}) AS ${quoteIdentifier(c.name)}`);
  if (table.partitionColumn !== undefined) list.push(`CAST(NULL AS VARCHAR) AS ${quoteIdentifier(table.partitionColumn)}`);
  return `SELECT ${list.join(', ')} WHERE false`;
}
