/**
 * The shared control block between parallel.ts (this thread) and linalg-worker.ts.
 *
 * A pass over rows [NextRow, End) is shared by dynamic claiming: each thread takes the next
 * ROWS_PER_CLAIM rows from NextRow with Atomics.add until none are left, so a worker that the
 * machine schedules late simply does fewer rows. JobState says whether the worker joined pass s:
 * s·3 + 0 pending, + 1 the worker joined (this thread waits for Done = s), + 2 this thread took
 * every row first and cancelled (no wait). Buffers reach the worker as MessagePort messages
 * posted before the pass starts; the worker drains them whenever it wakes.
 */
import { choleskyRowsLeftOfBlock, gramRows, triangularInverseRows } from './linalg.ts';

export const Control = {
  Sequence: 0,
  Done: 1,
  Op: 2,
  N: 3,
  End: 4,
  Extra: 5,
  NextRow: 6,
  JobState: 7,
  /** Set to 1 by the worker when its part of a pass threw. */
  Failed: 8,
  /** Set to 1 by the worker once it runs: a worker that cannot load never sets it. */
  Ready: 9,
  Length: 10,
} as const;

export const Operation = {
  CholeskyRows: 1,
  TriangularInverseRows: 2,
  GramRows: 3,
} as const;

/** Rows per claim: the kernels process rows in pairs. */
export const ROWS_PER_CLAIM = 2;

export const JobState = {
  pending: (sequence: number) => sequence * 3,
  joined: (sequence: number) => sequence * 3 + 1,
  cancelled: (sequence: number) => sequence * 3 + 2,
} as const;

/** Runs one claimed range [from, to) of the pass described in the control block. */
export function runRows(op: number, slots: readonly Float64Array[], n: number, from: number, to: number, extra: number): void {
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
  for (;;) {
    const from = Atomics.add(control, Control.NextRow, ROWS_PER_CLAIM);
    if (from >= end) return;
    run(from, Math.min(from + ROWS_PER_CLAIM, end));
  }
}
