import { availableParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import { choleskyRowsLeftOfBlock, gramRows, type ParallelInverse, type ParallelRows, triangularInverseRows } from './linalg.ts';
import { claimRows, Control, JobState, Operation, runRows } from './parallel-protocol.ts';

/**
 * Uses the second core for the O(n³) passes of the GP: the rows of a Cholesky block, of L⁻ᵀ and
 * of U Uᵀ are independent, so one worker thread and this one claim pairs of them from a shared
 * counter until none are left, both on the same SharedArrayBuffer (parallel-protocol.ts). A worker
 * the machine schedules late does fewer rows instead of holding this thread up.
 *
 * Only worth it for large matrices: below MIN_PARALLEL_N the hand-off costs more than it saves.
 * Disabled with PROGNOS_THREADS=1, on one-core machines, and wherever the worker cannot start
 * (the caller then gets undefined and runs single-threaded).
 */
export const MIN_PARALLEL_N = 384;

/** How long the first use waits for the worker thread to load before going single-threaded. */
const WORKER_START_TIMEOUT_MS = 10_000;

export class LinalgPool implements ParallelRows, ParallelInverse {
  readonly #control = new Int32Array(new SharedArrayBuffer(Control.Length * 4));
  readonly #worker: Worker;
  readonly #port: MessageChannel['port1'];
  readonly #sent: Array<SharedArrayBuffer | undefined> = [];
  #sequence = 0;
  readonly #scratch = new Map<string, Float64Array>();

  constructor() {
    const channel = new MessageChannel();
    this.#port = channel.port1;
    this.#worker = new Worker(new URL('./linalg-worker.ts', import.meta.url), {
      workerData: { control: this.#control.buffer, port: channel.port2 },
      transferList: [channel.port2],
    });
    // A blocked compute thread must not keep the process alive.
    this.#worker.unref();
    this.#port.unref();
    // Wait (once per process) until the worker runs; one that cannot load its module, e.g. in a
    // bundle without linalg-worker, would otherwise leave the first pass waiting for ever.
    Atomics.wait(this.#control, Control.Ready, 0, WORKER_START_TIMEOUT_MS);
    if (Atomics.load(this.#control, Control.Ready) !== 1) {
      void this.#worker.terminate();
      throw new Error(`the linear-algebra worker did not start within ${WORKER_START_TIMEOUT_MS} ms`);
    }
  }

  allocate(length: number): Float64Array {
    return new Float64Array(new SharedArrayBuffer(length * 8));
  }

  /**
   * A shared buffer reused across calls for temporaries of the same name. Shared memory lives
   * outside the JavaScript heap, and the collector frees it late: at 2,800 rows a fresh 63 MB
   * buffer per temporary per optimiser step drove the resident size past 2 GB.
   */
  scratch(name: string, length: number): Float64Array {
    const cached = this.#scratch.get(name);
    if (cached && cached.length >= length) return cached.subarray(0, length);
    const fresh = this.allocate(length);
    this.#scratch.set(name, fresh);
    return fresh;
  }

  choleskyRowsLeftOfBlock(a: Float64Array, n: number, i0: number, i1: number): void {
    if (!isShared(a) || i1 - i0 < 4) choleskyRowsLeftOfBlock(a, n, i0, i1, i0);
    else this.#pass(Operation.CholeskyRows, n, i0, i1, i0, [a]);
  }

  triangularInverse(l: Float64Array, u: Float64Array, n: number): void {
    // The worker sees only shared memory: anything else would reach it as a copy.
    if (!isShared(l) || !isShared(u)) triangularInverseRows(l, u, n, 0, n);
    else this.#pass(Operation.TriangularInverseRows, n, 0, n, 0, [l, u]);
  }

  inverseRows(l: Float64Array, u: Float64Array, inverse: Float64Array, n: number): void {
    this.triangularInverse(l, u, n);
    if (!isShared(u) || !isShared(inverse)) gramRows(u, inverse, n, 0, n);
    else this.#pass(Operation.GramRows, n, 0, n, 0, [l, u, inverse]);
  }

  /**
   * One row-parallel pass over [start, end): announce it, claim rows alongside the worker, and
   * wait for the worker only if it joined. Rows differ in cost (row i of L⁻ᵀ costs ~(n − i)²),
   * and the worker may be scheduled late; claiming a pair at a time balances both.
   */
  #pass(op: number, n: number, start: number, end: number, extra: number, buffers: Float64Array[]): void {
    buffers.forEach((view, slot) => {
      const buffer = view.buffer as SharedArrayBuffer;
      if (this.#sent[slot] !== buffer) {
        this.#port.postMessage({ slot, buffer });
        this.#sent[slot] = buffer;
      }
    });
    const c = this.#control;
    const sequence = ++this.#sequence;
    c[Control.Op] = op;
    c[Control.N] = n;
    c[Control.End] = end;
    c[Control.Extra] = extra;
    Atomics.store(c, Control.NextRow, start);
    Atomics.store(c, Control.JobState, JobState.pending(sequence));
    Atomics.store(c, Control.Sequence, sequence);
    Atomics.notify(c, Control.Sequence);

    claimRows(c, (from, to) => runRows(op, buffers, n, from, to, extra));

    // Every row is claimed. If the worker never joined, it must not start now.
    const state = Atomics.compareExchange(c, Control.JobState, JobState.pending(sequence), JobState.cancelled(sequence));
    if (state === JobState.pending(sequence)) return;
    // Wait on the very value just compared: loading it again for the wait could read the
    // worker's final store and then sleep through its notify.
    for (let done = Atomics.load(c, Control.Done); done !== sequence; done = Atomics.load(c, Control.Done)) {
      Atomics.wait(c, Control.Done, done);
    }
    if (c[Control.Failed] !== 0) {
      c[Control.Failed] = 0;
      throw new Error('the linear-algebra worker thread failed; rerun with PROGNOS_THREADS=1');
    }
  }
}

function isShared(a: Float64Array): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

let pool: LinalgPool | null | undefined;

/** The process-wide pool for a matrix of order n, or undefined when one thread is better. */
export function linalgPool(n: number): LinalgPool | undefined {
  if (n < MIN_PARALLEL_N) return undefined;
  if (pool === undefined) {
    const threads = Number(process.env.PROGNOS_THREADS ?? availableParallelism());
    try {
      pool = threads >= 2 ? new LinalgPool() : null;
    } catch {
      pool = null;
    }
  }
  return pool ?? undefined;
}
