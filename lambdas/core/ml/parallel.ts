import { availableParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import { choleskyRowsLeftOfBlock, gramRows, type ParallelInverse, type ParallelRows, triangularInverseRows } from './linalg.ts';
import { claimRows, Control, JobState, MAX_WORKERS, Operation, rowsPerClaim, runRows } from './parallel-protocol.ts';
import type { WasmKernels } from './wasm/wasm-kernels.ts';
import type { KernelPass } from './wasm/wasm-linalg.ts';

const KERNEL_OPERATIONS: Record<KernelPass, number> = {
  'cholesky-rows': Operation.WasmCholeskyRows,
  'triangular-inverse-rows': Operation.WasmTriangularInverseRows,
  'gram-rows': Operation.WasmGramRows,
};

/**
 * Uses every core for the O(n³) passes of the GP: the rows of a Cholesky block, of L⁻ᵀ and of
 * U Uᵀ are independent, so N − 1 worker threads and this one claim pairs of them from a shared
 * counter until none are left, all on the same SharedArrayBuffer (parallel-protocol.ts). A worker
 * the machine schedules late does fewer rows instead of holding this thread up, and who computes
 * a row never changes its arithmetic: the results are bitwise those of one thread. The same holds
 * for the WebAssembly kernels (wasm/), whose shared memory the workers instantiate them on.
 *
 * N is `os.availableParallelism()` (6 in a Lambda at 10,240 MB), or PROGNOS_THREADS when set.
 * Only worth it for large matrices: below MIN_PARALLEL_N the hand-off costs more than it saves.
 * One thread with PROGNOS_THREADS=1, on one-core machines, and wherever the workers cannot start
 * (the caller then gets undefined and runs single-threaded).
 */
export const MIN_PARALLEL_N = 384;

/** How long the first use waits for the worker threads to load before going single-threaded. */
const WORKER_START_TIMEOUT_MS = 10_000;

export class LinalgPool implements ParallelRows, ParallelInverse {
  /** Threads that work on a pass: the workers and the caller. */
  readonly threads: number;
  readonly #control = new Int32Array(new SharedArrayBuffer(Control.Length * 4));
  readonly #workers: Worker[] = [];
  readonly #ports: Array<MessageChannel['port1']> = [];
  readonly #sent: Array<SharedArrayBuffer | undefined> = [];
  #sequence = 0;
  #kernelsSent: WasmKernels | undefined;
  readonly #scratch = new Map<string, Float64Array>();

  /** @param threads threads per pass including the caller's, 2 … MAX_WORKERS + 1 */
  constructor(threads = 2) {
    if (!(Number.isInteger(threads) && threads >= 2 && threads <= MAX_WORKERS + 1)) {
      throw new RangeError(`linear-algebra pool: threads must be an integer from 2 to ${MAX_WORKERS + 1}, got ${threads}`);
    }
    this.threads = threads;
    for (let w = 0; w < threads - 1; w++) {
      const channel = new MessageChannel();
      const worker = new Worker(new URL('./linalg-worker.ts', import.meta.url), {
        workerData: { control: this.#control.buffer, port: channel.port2 },
        transferList: [channel.port2],
      });
      // A blocked compute thread must not keep the process alive.
      worker.unref();
      channel.port1.unref();
      this.#workers.push(worker);
      this.#ports.push(channel.port1);
    }
    // Wait (once per process) until every worker runs; one that cannot load its module, e.g. in
    // a bundle without linalg-worker, would otherwise leave the first pass waiting for ever.
    const deadline = performance.now() + WORKER_START_TIMEOUT_MS;
    for (let ready = Atomics.load(this.#control, Control.Ready); ready < threads - 1; ready = Atomics.load(this.#control, Control.Ready)) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(this.#control, Control.Ready, ready, left);
    }
    if (Atomics.load(this.#control, Control.Ready) < threads - 1) {
      this.close();
      throw new Error(`the linear-algebra workers did not start within ${WORKER_START_TIMEOUT_MS} ms`);
    }
  }

  /** Stops the worker threads; the pool must not be used afterwards. */
  close(): void {
    for (const worker of this.#workers) void worker.terminate();
    for (const port of this.#ports) port.close();
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

  /** Runs the chunks of a pass over the sparse GP's rows held in `arena` (sparse/row-pass-arena.ts) and `whitened` (its A), shared memory only. */
  rowChunks(arena: Float64Array, chunks: number, whitened?: Float64Array): void {
    if (!isShared(arena) || (whitened && !isShared(whitened))) throw new TypeError('linear-algebra pool: a row pass needs its arena and A in shared memory');
    this.#pass(Operation.SparseRowChunks, chunks, 0, chunks, 0, whitened ? [arena, whitened] : [arena]);
  }

  kernelRows(kernels: WasmKernels, pass: KernelPass, n: number, start: number, end: number, extra: number, pointers: readonly number[]): void {
    if (this.#kernelsSent !== kernels) {
      for (const port of this.#ports) port.postMessage({ module: kernels.module, memory: kernels.memory });
      this.#kernelsSent = kernels;
    }
    const c = this.#control;
    c[Control.Pointer0] = pointers[0] ?? 0;
    c[Control.Pointer1] = pointers[1] ?? 0;
    c[Control.Pointer2] = pointers[2] ?? 0;
    this.#pass(KERNEL_OPERATIONS[pass], n, start, end, extra, [], kernels);
  }

  /**
   * One row-parallel pass over [start, end): announce it, claim rows alongside the workers, close
   * it, and wait for the workers that joined. Rows differ in cost (row i of L⁻ᵀ costs ~(n − i)²),
   * and a worker may be scheduled late; claiming a pair at a time balances them.
   */
  #pass(op: number, n: number, start: number, end: number, extra: number, buffers: Float64Array[], kernels?: WasmKernels): void {
    buffers.forEach((view, slot) => {
      const buffer = view.buffer as SharedArrayBuffer;
      if (this.#sent[slot] !== buffer) {
        for (const port of this.#ports) port.postMessage({ slot, buffer });
        this.#sent[slot] = buffer;
      }
    });
    const c = this.#control;
    const sequence = ++this.#sequence;
    c[Control.Op] = op;
    c[Control.N] = n;
    c[Control.End] = end;
    c[Control.Extra] = extra;
    c[Control.RowsPerClaim] = rowsPerClaim(op, this.threads);
    // Every worker of the last pass has counted itself done, so Done can start again at 0.
    Atomics.store(c, Control.Done, 0);
    Atomics.store(c, Control.NextRow, start);
    Atomics.store(c, Control.JobState, JobState.open(sequence));
    Atomics.store(c, Control.Sequence, sequence);
    Atomics.notify(c, Control.Sequence);

    claimRows(c, (from, to) => runRows(op, buffers, n, from, to, extra, c, kernels?.exports));

    // Every row is claimed: no worker may join from now on; wait for those that did.
    const joined = JobState.close(c);
    for (let done = Atomics.load(c, Control.Done); done < joined; done = Atomics.load(c, Control.Done)) {
      Atomics.wait(c, Control.Done, done);
    }
    if (c[Control.Failed] !== 0) {
      c[Control.Failed] = 0;
      throw new Error('a linear-algebra worker thread failed; rerun with PROGNOS_THREADS=1');
    }
  }
}

/** Whether a worker thread sees this array itself (shared memory) rather than a copy. */
export function isShared(a: Float64Array): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

let pool: LinalgPool | null | undefined;

/**
 * Threads the pool uses: PROGNOS_THREADS when set (a positive integer), else every core
 * `os.availableParallelism()` reports; at most MAX_WORKERS + 1.
 */
export function poolThreads(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.PROGNOS_THREADS;
  if (given !== undefined && given !== '') {
    const threads = Number(given);
    if (!(Number.isInteger(threads) && threads >= 1)) throw new RangeError(`PROGNOS_THREADS must be a positive integer, got "${given}"`);
    return Math.min(threads, MAX_WORKERS + 1);
  }
  return Math.min(availableParallelism(), MAX_WORKERS + 1);
}

/** The process-wide pool for a matrix of order n, or undefined when one thread is better. */
export function linalgPool(n: number): LinalgPool | undefined {
  if (n < MIN_PARALLEL_N) return undefined;
  if (pool === undefined) {
    const threads = poolThreads();
    try {
      pool = threads >= 2 ? new LinalgPool(threads) : null;
    } catch {
      pool = null;
    }
  }
  return pool ?? undefined;
}
