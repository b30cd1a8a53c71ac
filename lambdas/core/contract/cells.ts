/**
 * Reading one CSV cell as a typed value, strictly: what is not clearly a number or a timestamp is
 * refused rather than guessed (`Number('')` is 0, `Number('0x10')` is 16, `Date.parse` of a date
 * without a zone depends on the machine's time zone).
 */

/** A decimal number as written by spreadsheets and pandas: `12`, `-3.5`, `.5`, `1e-3`. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

export type ParsedNumber = { ok: true; value: number } | { ok: false; problem: 'not-a-number' | 'not-finite' };

/** Parses a trimmed cell as a finite decimal number. */
export function parseDecimal(text: string): ParsedNumber {
  if (NOT_FINITE.test(text)) return { ok: false, problem: 'not-finite' };
  if (!DECIMAL.test(text)) return { ok: false, problem: 'not-a-number' };
  const value = Number(text);
  // 1e999 passes the pattern but overflows.
  return Number.isFinite(value) ? { ok: true, value } : { ok: false, problem: 'not-finite' };
}

/**
 * ISO 8601 / RFC 3339 date-time: `2024-05-01T13:45:00Z`, `2024-05-01 13:45:00.250+02:00`,
 * `2024-05-01T13:45`, or a date alone. Without a zone the time is taken as UTC (the lake stores
 * UTC); fractions beyond milliseconds are truncated.
 */
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** Parses a trimmed cell as an ISO 8601 timestamp, or returns undefined (including for 2024-02-30). */
export function parseIsoTimestamp(text: string): Date | undefined {
  const m = ISO_TIMESTAMP.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((p) => Number(p ?? 0));
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 2024-02-30 over into March; a real date comes back unchanged.
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const offset = zoneOffsetMinutes(m[8]);
  if (offset === undefined) return undefined;
  return new Date(local - offset * 60_000);
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}
