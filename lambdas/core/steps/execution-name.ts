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

/** 24 hex digits of the hash of the set of files (order does not matter). */
function filesDigest(files: readonly InputFile[]): string {
  const lines = files.map((file) => `${file.key}\u0000${file.fingerprint}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 24);
}

/** `train-<24 hex>` from the set of input files (order does not matter). */
export function trainingExecutionName(files: readonly InputFile[]): string {
  return `train-${filesDigest(files)}`;
}

/** `infer-<24 hex>`: the batch inference over this set of `landing/inference/` files (order does not matter). */
export function inferenceExecutionName(files: readonly InputFile[]): string {
  return `infer-${filesDigest(files)}`;
}

/** `drift-<batch name>`: the full retrain that drift in one batch asks for, started at most once. */
export function driftRetrainExecutionName(batchName: string): string {
  const name = `drift-${batchName}`;
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new RangeError(`"${batchName}" gives no valid execution name (1–80 of A–Z, a–z, 0–9, - and _)`);
  return name;
}

/** `daily-YYYY-MM-DD`: the scheduled full retrain of one day. */
export function dailyExecutionName(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`expected a date as YYYY-MM-DD, got "${date}"`);
  return `daily-${date}`;
}
