import { createHash } from 'node:crypto';

/**
 * Deterministic execution names: the same input gives the same name, and Step Functions (or the
 * local runner) refuses a second execution with a name it has seen, so duplicate events and
 * repeated commands start one run.
 */

/** One input file: its key and a fingerprint of its content (content hash, or S3 version id / ETag). */
export interface InputFile {
  readonly key: string;
  readonly fingerprint: string;
}

/** `train-<24 hex>` from the set of input files (order does not matter). */
export function trainingExecutionName(files: readonly InputFile[]): string {
  const lines = files.map((file) => `${file.key}\u0000${file.fingerprint}`).sort();
  return `train-${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 24)}`;
}

/** `daily-YYYY-MM-DD`: the scheduled full retrain of one day. */
export function dailyExecutionName(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`expected a date as YYYY-MM-DD, got "${date}"`);
  return `daily-${date}`;
}
