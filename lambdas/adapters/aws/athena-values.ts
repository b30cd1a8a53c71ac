import type { SqlValue } from '../../core/ports/query-engine.ts';

/**
 * Athena's result cells (always text, `VarCharValue`) as the port's values, by the column's type
 * in ResultSetMetadata, matching what the DuckDB adapter gives for the same SQL: numbers (never
 * bigint), dates 'YYYY-MM-DD', timestamps ISO 8601 in UTC ('2026-01-01T10:00:00.000Z').
 */

/** How the text of one column's cells becomes values. */
export type CellReader = (text: string, column: string, row: number) => SqlValue;

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/;
const ZONED = /^(.*\d)\s*(UTC|Z|[+-]\d{2}:?\d{2})$/;

/** Text Athena would not write for the column's type: a corrupt result, not a wrong query. */
function unreadable(text: string, type: string, column: string, row: number): TypeError {
  return new TypeError(`column ${column}, row ${row}: ${JSON.stringify(text)} is not a ${type}`);
}

function integer(text: string, column: string, row: number): number {
  if (!INTEGER.test(text)) throw unreadable(text, 'integer', column, row);
  const value = BigInt(text);
  if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  throw new RangeError(`column ${column}, row ${row}: integer ${text} is beyond ±2^53 and cannot be a number without losing digits; cast it to VARCHAR or DOUBLE in the query`);
}

function real(text: string, column: string, row: number): number {
  // Number('') is 0 and Number(' 1') is 1: check the text first. Athena spells the specials as below.
  if (text === 'NaN') return Number.NaN;
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (!DECIMAL.test(text)) throw unreadable(text, 'number', column, row);
  return Number(text);
}

function boolean(text: string, column: string, row: number): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw unreadable(text, 'boolean', column, row);
}

/**
 * 'YYYY-MM-DD HH:MM:SS[.f…]' (UTC) → ISO 8601 with milliseconds and 'Z', plus micro- or
 * nanoseconds when they are not zero, exactly as the DuckDB adapter writes TIMESTAMP values.
 * Text of another shape (a year beyond 9999) is returned as Athena wrote it, as DuckDB does.
 */
export function isoTimestamp(text: string): string {
  const match = TIMESTAMP.exec(text);
  if (match === null) return text;
  const [, date, time, digits = ''] = match;
  const millis = digits.slice(0, 3).padEnd(3, '0');
  const rest = digits.slice(3, 9);
  const finer = /^0*$/.test(rest) ? '' : rest.padEnd(rest.length <= 3 ? 3 : 6, '0');
  return `${date}T${time}.${millis}${finer}Z`;
}

/** 'timestamp with time zone' text ('… UTC', '… +02:00') → the UTC instant, as isoTimestamp writes it. */
function zonedTimestamp(text: string, column: string, row: number): string {
  const match = ZONED.exec(text);
  if (match === null) {
    throw new RangeError(`column ${column}, row ${row}: timestamp ${JSON.stringify(text)} has a named time zone; convert it in the query (AT TIME ZONE 'UTC')`);
  }
  const [, local, zone] = match;
  const iso = isoTimestamp(local);
  if (zone === 'UTC' || zone === 'Z' || /^[+-]00:?00$/.test(zone)) return iso;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const instant = Date.parse(`${iso.slice(0, 23)}Z`) - offsetMinutes * 60_000;
  if (Number.isNaN(instant)) throw unreadable(text, 'timestamp', column, row);
  return `${new Date(instant).toISOString().slice(0, 23)}${iso.slice(23)}`;
}

const READERS: Readonly<Record<string, CellReader>> = {
  varchar: (text) => text,
  char: (text) => text,
  json: (text) => text,
  uuid: (text) => text,
  ipaddress: (text) => text,
  time: (text) => text,
  'time with time zone': (text) => text,
  'interval year to month': (text) => text,
  'interval day to second': (text) => text,
  tinyint: integer,
  smallint: integer,
  integer,
  int: integer,
  bigint: integer,
  double: real,
  float: real,
  real,
  decimal: real,
  boolean,
  date: (text) => text,
  timestamp: (text) => isoTimestamp(text),
  'timestamp with time zone': zonedTimestamp,
};

/** 'varchar(10)' → 'varchar', 'timestamp(3) with time zone' → 'timestamp with time zone'. */
export function baseType(type: string): string {
  return type
    .toLowerCase()
    .replace(/\([^)]*\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The reader for a column of this Athena type, or undefined when the type has no plain value. */
export function cellReader(type: string): CellReader | undefined {
  return READERS[baseType(type)];
}
