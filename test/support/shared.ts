/**
 * Locates the reference material that lives beside the repository (`<repo>/../shared`, or the
 * folder named by PROGNOS_SHARED_DIR) and lets tests that need it skip, with a message, when it is
 * absent — it is never committed into the repo. Only the large data needs it (the real AI4I 2020
 * file, the larger reference sets): the scikit-learn golden cases are committed (golden.ts).
 *
 * Only call the path/loader helpers inside tests or hooks: vitest still runs the body of a skipped
 * `describe` to collect its tests, and the helpers throw when the folder is missing.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Where the shared folder is looked for: PROGNOS_SHARED_DIR (resolved from the cwd) or `<repo>/../shared`. */
export const sharedDirCandidate: string = process.env.PROGNOS_SHARED_DIR
  ? resolve(process.env.PROGNOS_SHARED_DIR)
  : resolve(repoRoot, '..', 'shared');

/** The shared folder, or undefined when it does not exist. */
export const sharedDir: string | undefined = isDirectory(sharedDirCandidate) ? sharedDirCandidate : undefined;

/** Absolute path of `parts` inside the shared folder. @throws Error when the folder is absent */
export function sharedPath(...parts: string[]): string {
  if (sharedDir === undefined) {
    throw new Error(`shared reference folder not found at ${sharedDirCandidate} (set PROGNOS_SHARED_DIR)`);
  }
  return join(sharedDir, ...parts);
}

/** Absolute path inside `shared/datasets/` (ai4i2020.csv). */
export function datasetPath(...parts: string[]): string {
  return sharedPath('datasets', ...parts);
}

/** Options of {@link describeWithShared}. */
export interface DescribeWithSharedOptions {
  /** Paths relative to the shared folder that must exist; default `['reference']`. */
  readonly requires?: readonly string[];
}

/**
 * `describe` that runs only when the shared folder (and every `requires` path in it) exists;
 * otherwise the suite is skipped, its title says why, and a warning names the missing path.
 */
export function describeWithShared(name: string, fn: () => void, options: DescribeWithSharedOptions = {}): void {
  const missing = missingSharedPath(options.requires ?? ['reference']);
  if (missing !== undefined) {
    console.warn(`[prognos tests] skipping "${name}": ${missing} not found (set PROGNOS_SHARED_DIR to override)`);
    describe.skip(`${name} (skipped: ${missing} not found)`, fn);
    return;
  }
  describe(name, fn);
}

function missingSharedPath(requires: readonly string[]): string | undefined {
  const dir = sharedDir;
  if (dir === undefined) return sharedDirCandidate;
  return requires.map((part) => join(dir, part)).find((path) => !existsSync(path));
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
