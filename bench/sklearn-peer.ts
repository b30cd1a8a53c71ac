/**
 * scikit-learn measured live on a data set the reference baseline does not cover (the
 * `--generated` sets): bench/tools/sklearn_fit.py under Debian's /usr/bin/python3 with
 * python3-sklearn, OpenBLAS forced to its AVX-512 kernel as in the reference baseline (the
 * fastest peer). Run one after the other with Prognos's child, never beside it: both use every core.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SklearnFigures } from './baseline.ts';

const SCRIPT = fileURLToPath(new URL('./tools/sklearn_fit.py', import.meta.url));
export const PYTHON = '/usr/bin/python3';

/** Why scikit-learn cannot run here, or undefined when it can. */
export function sklearnUnavailable(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found`;
  return probe.status === 0 ? undefined : `${PYTHON} has no scikit-learn (apt-get install python3-sklearn)`;
}

/**
 * Fits scikit-learn's GPC on `file` with the bench's protocol.
 * @param threads OpenBLAS threads; default every core
 * @param timeoutSeconds kill it after this long; 0 = never
 */
export function runSklearn(file: string, label: string, threads: number | undefined, timeoutSeconds: number): Promise<SklearnFigures> {
  const env = { ...process.env, OPENBLAS_CORETYPE: 'SkylakeX', ...(threads === undefined ? {} : { OPENBLAS_NUM_THREADS: String(threads) }) };
  const child = spawn(PYTHON, [SCRIPT, file, label], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = timeoutSeconds > 0 ? setTimeout(() => child.kill('SIGTERM'), timeoutSeconds * 1000) : undefined;
  return new Promise((resolve, reject) => {
    child.on('error', (error) => (clearTimeout(timer), reject(new Error(`scikit-learn: ${error.message}`))));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as SklearnFigures);
      else reject(new Error(`scikit-learn exited with ${signal ?? `code ${code}`}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
    });
  });
}
