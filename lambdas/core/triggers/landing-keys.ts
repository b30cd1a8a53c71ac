/**
 * Which landing keys a starter acts on. The console's "Create folder" puts an empty object whose
 * key ends in `/`, and people drop README files or archives beside their CSVs: neither is a file
 * of readings, so a starter skips it with the reason (logged and counted) instead of starting a
 * run that can only fail.
 */

/** Why `key` is not a file to ingest or score, or undefined when it is one (a `.csv`, any case). */
export function ignoredLandingKey(key: string): string | undefined {
  if (key.endsWith('/')) return `${key} is a folder marker, not a file`;
  if (!/\.csv$/i.test(key)) return `${key} is not a .csv file`;
  return undefined;
}
