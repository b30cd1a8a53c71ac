/** Layout of the shared control block between parallel.ts and linalg-worker.ts. */
export const Control = {
  Sequence: 0,
  Done: 1,
  Op: 2,
  N: 3,
  Start: 4,
  End: 5,
  Extra: 6,
  NewBuffers: 7,
  /** Set to 1 by the worker when its half of a pass threw. */
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
