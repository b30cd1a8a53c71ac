import type { Reason } from './local-explanation.ts';

/** A reference or value as a person reads it: a level, or a number to 4 significant digits (training means have many). */
function shown(value: number | string): string {
  return typeof value === 'string' ? value : String(Number(value.toPrecision(4)));
}

/**
 * One reason as text for a CSV cell or a table: `torque_nm = 76 (reference 39.9): +0.260`, the
 * change in probability signed (+ raises the risk).
 */
export function reasonText(reason: Reason): string {
  const sign = reason.change >= 0 ? '+' : '−';
  const size = Math.abs(reason.change);
  // Three decimals, or two significant digits for a change too small for them (never "−0.000").
  return `${reason.feature} = ${shown(reason.value)} (reference ${shown(reason.reference)}): ${sign}${size >= 0.001 ? size.toFixed(3) : size.toPrecision(2)}`;
}

/** Column names of the reasons in a CSV: `reason_1` … `reason_k`. */
export function reasonColumns(k: number): string[] {
  return Array.from({ length: k }, (_, i) => `reason_${i + 1}`);
}
