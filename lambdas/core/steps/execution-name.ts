import { createHash } from 'node:crypto';
import { EXECUTION_NAME_RULE, InvalidExecutionNameError, isExecutionName } from '../ports/orchestrator.ts';

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

/**
 * 24 hex digits of the hash of the set of files (order does not matter) and, when given, the
 * run's settings: other settings on the same files are another run.
 */
function filesDigest(files: readonly InputFile[], settings?: unknown): string {
  const lines = files.map((file) => `${file.key}\u0000${file.fingerprint}`).sort();
  // A key cannot contain U+0001 (nor can a fingerprint), so the settings line cannot pose as a file.
  if (settings !== undefined) lines.push(`\u0001settings\u0000${canonicalJson(settings)}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 24);
}

/** JSON with object keys sorted at every level, so equal settings give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * `train-<24 hex>` from the set of input files (order does not matter) and the run's settings
 * (mode and pipeline configuration as the user asked for them), so the same files with other
 * settings start another run. The upload trigger passes none: a deployment has one configuration.
 */
export function trainingExecutionName(files: readonly InputFile[], settings?: unknown): string {
  return `train-${filesDigest(files, settings)}`;
}

/** `infer-<24 hex>`: the batch inference over this set of `landing/inference/` files (order does not matter). */
export function inferenceExecutionName(files: readonly InputFile[]): string {
  return `infer-${filesDigest(files)}`;
}

/** `drift-<batch name>`: the full retrain that drift in one batch asks for, started at most once. */
export function driftRetrainExecutionName(batchName: string): string {
  const name = `drift-${batchName}`;
  if (!isExecutionName(name)) throw new InvalidExecutionNameError(`"${batchName}" gives no valid execution name (${EXECUTION_NAME_RULE})`);
  return name;
}

/** `daily-YYYY-MM-DD`: the scheduled full retrain of one day. */
export function dailyExecutionName(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`expected a date as YYYY-MM-DD, got "${date}"`);
  return `daily-${date}`;
}
