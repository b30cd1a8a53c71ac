/**
 * Runs one data set in a child process (bench/run-one.ts under the same tsx loader), so its
 * peak memory is its own, and collects the child's result line.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type BenchJob, type ChildResult, ERROR_MARKER, RESULT_MARKER } from './protocol.ts';

/** How a child ended: its result, or why there is none; and how long it took, wall clock. */
export interface JobOutcome {
  readonly result?: ChildResult;
  readonly error?: string;
  readonly wallSeconds: number;
}

const WORKER = fileURLToPath(new URL('./run-one.ts', import.meta.url));

/**
 * The tsx loader as an absolute URL: `--import tsx` would be resolved from the child's cwd,
 * this works from anywhere.
 */
const TSX_LOADER = import.meta.resolve('tsx');

/**
 * Runs `job` in a fresh node process and waits for it.
 * @param timeoutSeconds kill the child (SIGTERM) after this long; 0 = never
 */
export function runJob(job: BenchJob, timeoutSeconds = 0): Promise<JobOutcome> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const child = spawn(process.execPath, ['--import', TSX_LOADER, WORKER, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: job.threads === undefined ? process.env : { ...process.env, PROGNOS_THREADS: String(job.threads) },
  });
  let result: ChildResult | undefined;
  let childError: string | undefined;
  // Our stdout is the table; anything else the child prints is passed on to stderr.
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith(RESULT_MARKER)) result = JSON.parse(line.slice(RESULT_MARKER.length)) as ChildResult;
    else if (line.startsWith(ERROR_MARKER)) childError = JSON.parse(line.slice(ERROR_MARKER.length)) as string;
    else process.stderr.write(line + '\n');
  });
  let timedOut = false;
  const timer = timeoutSeconds > 0 ? setTimeout(() => ((timedOut = true), child.kill('SIGTERM')), timeoutSeconds * 1000) : undefined;

  return new Promise((resolvePromise) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      resolvePromise({ error: `could not start the worker: ${error.message}`, wallSeconds: elapsed() });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = elapsed();
      if (timedOut) resolvePromise({ error: `stopped after the ${timeoutSeconds} s timeout`, wallSeconds });
      else if (code === 0 && result) resolvePromise({ result, wallSeconds });
      else resolvePromise({ error: childError ?? `worker exited with ${signal ?? `code ${code}`}${result ? '' : ' and no result'}`, wallSeconds });
    });
  });
}
