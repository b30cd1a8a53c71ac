/**
 * Number and date formatting for the report: fixed decimals where values are compared side by
 * side (metrics), significant digits where magnitudes vary (hyperparameters), and a dash for a
 * value that is missing or undefined instead of "NaN".
 */

const MISSING = '—';

function special(x: number): string | null {
  if (Number.isNaN(x)) return MISSING;
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '−∞';
  return null;
}

/** `x` with `digits` decimals, e.g. 0.912. */
export function fixed(x: number, digits = 3): string {
  return special(x) ?? x.toFixed(digits);
}

/** `x` with `digits` significant digits, without trailing zeros, e.g. 151.9 or 0.00213. */
export function significant(x: number, digits = 4): string {
  return special(x) ?? String(Number(x.toPrecision(digits)));
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Counts with thousands separators, e.g. 10,000. */
export function integer(n: number): string {
  return special(n) ?? INTEGER.format(n);
}

/** A fraction as a percentage, e.g. 0.0339 → 3.4%. */
export function percent(fraction: number, digits = 1): string {
  return special(fraction) ?? `${(fraction * 100).toFixed(digits)}%`;
}

/** A duration: 0.84 s, 12.3 s, 2 min 05 s. */
export function seconds(s: number): string {
  const bad = special(s);
  if (bad !== null) return bad;
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 120) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** An ISO timestamp as `YYYY-MM-DD HH:MM:SS UTC`; anything unparseable is shown as given. */
export function timestamp(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
