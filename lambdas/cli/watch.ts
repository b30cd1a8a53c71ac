import { mkdir } from 'node:fs/promises';
import { basename, relative, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { DataContract } from '../core/contract/contract.ts';
import { LANDING_INFERENCE_PREFIX, LANDING_TRAINING_PREFIX } from '../core/storage-keys.ts';
import { describeError } from './errors.ts';
import { displayPath } from './format.ts';
import { runInference } from './infer.ts';
import type { CliIo } from './io.ts';
import { runTraining } from './run.ts';
import { openWorkspace } from './workspace.ts';

/**
 * `prognos watch`: the local stand-in for the upload triggers (S3 → EventBridge → SQS → starter).
 * A file that appears under `<home>/landing/training/` starts the training workflow as
 * `prognos run` does; one under `<home>/landing/inference/` starts batch inference as
 * `prognos infer` does. Uploads coalesce as the SQS batching window makes them in AWS: the first
 * file of a kind opens a window, and when it closes one run starts over everything that landed.
 * Runs go one at a time; a window that closes while a run of its kind is waiting joins it, so
 * files landing during a run start one more run after it, not one each.
 *
 * The runs are named as `prognos run` and `prognos infer` name theirs (from every landing file of
 * the prefix and the settings), not as the AWS training starter does (from the window's files):
 * a duplicate event still starts nothing new. See docs/cli.md.
 */

/**
 * The default window, in seconds: the upload queue's batching window in AWS
 * (`UPLOAD_BATCHING_WINDOW` in lib/upload-queue.ts; a test keeps the two equal).
 */
export const DEFAULT_WATCH_WINDOW_SECONDS = 60;
/** The longest window: SQS's largest batching window. */
export const MAX_WATCH_WINDOW_SECONDS = 300;

export type WatchKind = 'training' | 'inference';

export interface WatchOptions {
  readonly home: string;
  readonly contract: DataContract;
  /** Pipeline settings for training runs (as `prognos run --config`). */
  readonly trainingConfigFile?: string;
  /** Batch settings for inference runs (as `prognos infer --config`). */
  readonly inferenceConfigFile?: string;
  /** How long a new file must stay unchanged before it counts as landed (a copy in progress is not). @default 1000 */
  readonly settleMs?: number;
  /** How long the first landed file of a kind waits for more before its run is queued. @default DEFAULT_WATCH_WINDOW_SECONDS × 1000 */
  readonly windowMs?: number;
}

/** How one triggered run ended. */
export interface WatchRun {
  readonly kind: WatchKind;
  /** The execution name; undefined when the run could not start (e.g. no champion to score with). */
  readonly name?: string;
  /** False when the execution existed already: a duplicate event. */
  readonly started: boolean;
  /** The one-line error, when the run failed or could not start. */
  readonly error?: string;
}

export interface WatchHandle {
  /** Queues a run at once, as a window that closes does (a duplicate event in tests). */
  enqueue(kind: WatchKind): void;
  /** The next run to finish. */
  next(): Promise<WatchRun>;
  /** Stops watching and waits for the run in progress. */
  close(): Promise<void>;
}

/** Which workflow a path under the landing folder belongs to; undefined for anything else (store housekeeping files included). */
export function kindOf(landing: string, path: string): WatchKind | undefined {
  const [zone, ...rest] = relative(landing, path).split(sep);
  if (rest.length === 0 || basename(path).startsWith('.')) return undefined;
  return zone === 'training' || zone === 'inference' ? zone : undefined;
}

/** Starts watching `<home>/landing/`; resolves once the watcher is ready. */
export async function startWatch(options: WatchOptions, io: CliIo): Promise<WatchHandle> {
  const workspace = openWorkspace(options.home, options.contract);
  const landing = workspace.pathOf('landing');
  // Watch folders that may not exist yet: create them, as an upload would.
  await Promise.all([mkdir(workspace.pathOf(LANDING_TRAINING_PREFIX), { recursive: true }), mkdir(workspace.pathOf(LANDING_INFERENCE_PREFIX), { recursive: true })]);
  await workspace.close();

  const pending: WatchKind[] = [];
  const waiting: ((run: WatchRun) => void)[] = [];
  let draining: Promise<void> | undefined;
  let closed = false;

  const run = async (kind: WatchKind): Promise<WatchRun> => {
    try {
      if (kind === 'training') {
        const summary = await runTraining({ home: options.home, contract: options.contract, configFile: options.trainingConfigFile }, io);
        return { kind, name: summary.name, started: summary.started };
      }
      const summary = await runInference({ home: options.home, contract: options.contract, configFile: options.inferenceConfigFile }, io);
      return { kind, name: summary.name, started: summary.started };
    } catch (error) {
      // A failed run is reported and the watch goes on, as the next upload would in AWS.
      const report = describeError(error);
      io.err(`prognos: ${report.message}\n`);
      return { kind, started: false, error: report.message };
    }
  };
  const drain = async (): Promise<void> => {
    while (pending.length > 0 && !closed) {
      const outcome = await run(pending.shift()!);
      waiting.splice(0).forEach((resolve) => resolve(outcome));
    }
    draining = undefined;
  };
  const enqueue = (kind: WatchKind): void => {
    if (closed || pending.includes(kind)) return;
    pending.push(kind);
    draining ??= drain();
  };
  // One open window per kind; files that land while it is open join it. It does not stretch:
  // a steady trickle still starts a run every window, as SQS delivers a batch every window.
  const windowMs = options.windowMs ?? DEFAULT_WATCH_WINDOW_SECONDS * 1000;
  const windows = new Map<WatchKind, NodeJS.Timeout>();
  const landed = (kind: WatchKind): void => {
    if (closed || windows.has(kind)) return;
    windows.set(
      kind,
      setTimeout(() => {
        windows.delete(kind);
        enqueue(kind);
      }, windowMs),
    );
  };

  const watcher: FSWatcher = watch(landing, {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: options.settleMs ?? 1000, pollInterval: Math.min(100, options.settleMs ?? 1000) },
    ignored: (path: string) => basename(path).startsWith('.'),
  });
  watcher.on('add', (path: string) => {
    const kind = kindOf(landing, path);
    if (kind === undefined) return;
    const joins = windows.has(kind) ? 'joins the open window' : `its run starts in ${formatSeconds(windowMs)} with any others that land`;
    io.err(`new ${kind} file: ${displayPath(path)} (${joins})\n`);
    landed(kind);
  });
  watcher.on('error', (error: unknown) => io.err(`prognos: watching ${displayPath(landing)}: ${(error as Error).message}\n`));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    enqueue,
    next: () => new Promise<WatchRun>((resolve) => waiting.push(resolve)),
    async close() {
      closed = true;
      pending.length = 0;
      windows.forEach((timer) => clearTimeout(timer));
      windows.clear();
      await watcher.close();
      await draining;
    },
  };
}

/** `prognos watch` until `signal` aborts (Ctrl-C): prints what it watches, then one run per event. */
export async function runWatch(options: WatchOptions, io: CliIo, signal: AbortSignal): Promise<void> {
  const handle = await startWatch(options, io);
  const home = displayPath(options.home);
  const window = formatSeconds(options.windowMs ?? DEFAULT_WATCH_WINDOW_SECONDS * 1000);
  io.err(`watching ${home}/landing/training/ (→ training) and ${home}/landing/inference/ (→ batch inference), uploads within ${window} coalescing into one run; Ctrl-C stops\n`);
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  io.err('stopping: waiting for the run in progress\n');
  await handle.close();
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
