/**
 * A content hash of the code under measurement. Each child loads the sources afresh, so if they
 * are edited during a long run, the data sets are measured on different code; comparing the hash
 * before and after the run makes that visible instead of silently mixing versions in one table.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './datasets.ts';

/** The folder whose sources the benchmark measures. */
const MEASURED = join(repoRoot, 'lambdas', 'core');

/** SHA-256 (first 12 hex digits) over the paths and contents of every .ts file under lambdas/core. */
export function sourceFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of tsFiles(MEASURED)) {
    hash.update(relative(MEASURED, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
