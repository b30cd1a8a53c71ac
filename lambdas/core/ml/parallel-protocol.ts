/**
 * The shared control block between parallel.ts (this thread) and its linalg-worker.ts threads.
 *
 * A pass over rows [NextRow, End) is shared by dynamic claiming: each thread takes the next
 * RowsPerClaim rows (the caller's choice per pass) from NextRow with Atomics.add until none are
 * left, so a worker that the machine schedules late simply does fewer rows. Which thread computes a row never changes how
 * it is computed, so the result is bitwise the same for any number of threads.
 *
 * Joining: JobState packs the pass's tag (its sequence number modulo 2²⁴), a CLOSED bit and the
 * number of workers that joined. A worker joins pass s with a compare-and-swap that adds one
 * only while the tag is s and the pass is open; this thread, once every row is claimed, closes
 * the pass with the same kind of swap and then waits until Done counts every worker that joined.
 * A worker that wakes after the close (or after a newer pass began) does not join. Buffers reach
 * each worker as MessagePort messages posted before the pass starts; a worker drains them
 * whenever it wakes. The WebAssembly passes (wasm/) work on the kernels' own shared memory
 * instead: its module and memory reach each worker once the same way, and the control block
 * carries the byte offsets of the pass's matrices.
 */
import { choleskyRowsLeftOfBlock, gramRows, triangularInverseRows } from './linalg.ts';
import { accumulateChunks } from './sparse/elbo-rows.ts';
import { arenaPass } from './sparse/row-pass-arena.ts';
import type { KernelExports } from './wasm/wasm-kernels.ts';

export const Control = {
  Sequence: 0,
  /** Workers of the current pass that have finished their part. */
  Done: 1,
  Op: 2,
  N: 3,
  End: 4,
  Extra: 5,
  NextRow: 6,
  JobState: 7,
  /** Set to 1 by a worker whose part of a pass threw. */
  Failed: 8,
  /** Counts workers that run: a worker that cannot load never adds itself. */
  Ready: 9,
  /** Byte offsets of a WebAssembly pass's matrices in the kernels' memory (read unsigned). */
  Pointer0: 10,
  Pointer1: 11,
  Pointer2: 12,
  /** Rows per claim of the current pass (the caller's choice: any grouping gives the same results). */
  RowsPerClaim: 13,
  Length: 14,
} as const;

export const Operation = {
  CholeskyRows: 1,
  TriangularInverseRows: 2,
  GramRows: 3,
  WasmCholeskyRows: 4,
  WasmTriangularInverseRows: 5,
  WasmGramRows: 6,
  /** Chunks of a pass over the sparse GP's rows (sparse/elbo-rows.ts), one per claim. */
  SparseRowChunks: 7,
} as const;

/** Rows per claim: the JavaScript kernels process rows in pairs. */
export const ROWS_PER_CLAIM = 2;

/**
 * Rows per claim for a pass with `threads` threads. The WebAssembly kernels work on eight rows
 * where they can (two groups of four share each load of L or U); a Cholesky block has 32 rows,
 * so there eight-row claims would leave threads idle beyond four.
 */
export function rowsPerClaim(op: number, threads: number): number {
  if (op === Operation.SparseRowChunks) return 1;
  if (op === Operation.WasmCholeskyRows) return threads <= 4 ? 8 : 4;
  return op >= Operation.WasmCholeskyRows ? 8 : ROWS_PER_CLAIM;
}

/** Bits of JobState below the tag: 6 for the joined count (at most 63 workers), 1 for CLOSED. */
const COUNT_BITS = 6;
const CLOSED = 1 << COUNT_BITS;
const TAG_SHIFT = COUNT_BITS + 1;
const TAG_MASK = (1 << 24) - 1;

/** The most worker threads one pool may have (the joined count must fit its bits). */
export const MAX_WORKERS = (1 << COUNT_BITS) - 1;

export const JobState = {
  /** An open pass with no worker in it yet. */
  open: (sequence: number): number => (sequence & TAG_MASK) << TAG_SHIFT,
  /** Joins pass `sequence` if it is still open; true when this worker is in. */
  tryJoin(control: Int32Array, sequence: number): boolean {
    const tag = (sequence & TAG_MASK) << TAG_SHIFT;
    for (;;) {
      const state = Atomics.load(control, Control.JobState);
      if ((state & ~(CLOSED | (CLOSED - 1))) !== tag || (state & CLOSED) !== 0) return false;
      if (Atomics.compareExchange(control, Control.JobState, state, state + 1) === state) return true;
    }
  },
  /** Closes the current pass to late joiners; returns how many workers joined it. */
  close(control: Int32Array): number {
    for (;;) {
      const state = Atomics.load(control, Control.JobState);
      if (Atomics.compareExchange(control, Control.JobState, state, state | CLOSED) === state) return state & (CLOSED - 1);
    }
  },
} as const;

/**
 * Runs one claimed range [from, to) of the pass described in the control block; `kernels` is
 * this thread's instance of the WebAssembly kernels, needed by the Wasm operations only.
 */
export function runRows(
  op: number, slots: readonly Float64Array[], n: number, from: number, to: number, extra: number,
  control?: Int32Array, kernels?: KernelExports,
): void {
  if (op === Operation.SparseRowChunks) {
    accumulateChunks(arenaPass(slots[0], slots[1]), from, to);
    return;
  }
  if (op >= Operation.WasmCholeskyRows) {
    if (!kernels || !control) throw new Error('a WebAssembly pass reached a thread without the kernels');
    const [p0, p1, p2] = [control[Control.Pointer0] >>> 0, control[Control.Pointer1] >>> 0, control[Control.Pointer2] >>> 0];
    if (op === Operation.WasmCholeskyRows) kernels.choleskyRowsLeftOfBlock(p0, n, from, to, extra);
    else if (op === Operation.WasmTriangularInverseRows) kernels.triangularInverseRows(p0, p1, n, from, to);
    else if (op === Operation.WasmGramRows) kernels.gramRows(p1, p2, n, from, to);
    else throw new Error(`unknown operation ${op}`);
    return;
  }
  switch (op) {
    case Operation.CholeskyRows:
      choleskyRowsLeftOfBlock(slots[0], n, from, to, extra);
      return;
    case Operation.TriangularInverseRows:
      triangularInverseRows(slots[0], slots[1], n, from, to);
      return;
    case Operation.GramRows:
      gramRows(slots[1], slots[2], n, from, to);
      return;
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

/** Claims and runs rows of the current pass until none are left. */
export function claimRows(control: Int32Array, run: (from: number, to: number) => void): void {
  const end = control[Control.End];
  const rows = control[Control.RowsPerClaim];
  for (;;) {
    const from = Atomics.add(control, Control.NextRow, rows);
    if (from >= end) return;
    run(from, Math.min(from + rows, end));
  }
}
