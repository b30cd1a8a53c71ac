import { join } from 'node:path';

/**
 * The local data layout (DESIGN.md, "Data layout") under one home folder, `.prognos/` in the
 * working directory unless `--home` says otherwise. The same relative keys are the S3 keys in AWS.
 */

/** Home folder used when `--home` is not given. */
export const DEFAULT_HOME = '.prognos';

/** Where an uploaded (or generated) training CSV lands: `<home>/landing/training/<fileName>`. */
export function landingTrainingPath(home: string, fileName: string): string {
  return join(home, 'landing', 'training', fileName);
}

/** The folder of one model version: `<home>/models/<version>`. */
export function modelDir(home: string, version: string): string {
  return join(home, 'models', version);
}

/**
 * A model version: UTC time to the second, then the first 8 hex digits of a fingerprint of what
 * was trained (data and options), e.g. `20261126T190501Z-1a2b3c4d`. Sorts by time as text, and
 * the suffix tells two runs of the same second apart unless they trained the very same thing.
 */
export function modelVersion(createdAt: Date, fingerprintHex: string): string {
  if (!/^[0-9a-f]{8,}$/.test(fingerprintHex)) throw new RangeError(`fingerprint must be at least 8 lower-case hex digits, got "${fingerprintHex}"`);
  return `${compactUtc(createdAt)}-${fingerprintHex.slice(0, 8)}`;
}

/**
 * `2026-11-26T19:05:01.123Z` → `20261126T190501.123Z` (basic ISO 8601: sorts by time, safe in
 * paths and S3 keys; milliseconds so two runs in the same second get two versions).
 */
export function compactUtc(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '');
}
