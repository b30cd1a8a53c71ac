import { HEAP_START, type WasmKernels } from './wasm-kernels.ts';

/**
 * linalg.ts's O(n³) routines on the WebAssembly kernels: copy the matrix into the kernels'
 * shared memory, run the same passes in the same order (row-parallel ones through the pool when
 * given), copy the result out. The arithmetic per element is that of the JavaScript kernels, so
 * the results are bitwise equal; only the speed differs.
 */

/** The row-parallel passes of the kernels, as the pool runs them (parallel.ts). */
export type KernelPass = 'cholesky-rows' | 'triangular-inverse-rows' | 'gram-rows';

export interface ParallelKernels {
  /** Rows [start, end) of `pass` on the kernels' memory; `pointers` are byte offsets of its matrices. */
  kernelRows(kernels: WasmKernels, pass: KernelPass, n: number, start: number, end: number, extra: number, pointers: readonly number[]): void;
}

/** Where a factorisation stopped: the row of the first pivot that was not positive, and its value. */
export interface FailedPivot {
  readonly index: number;
  readonly pivot: number;
}

/**
 * In-place Cholesky by blocks of `block` rows, as linalg.ts `choleskyInPlace`, except the strict
 * upper triangle (left to the caller). Returns the failed pivot instead of throwing; `a` is then
 * unchanged.
 */
export function wasmCholesky(kernels: WasmKernels, a: Float64Array, n: number, block: number, parallel?: ParallelKernels): FailedPivot | undefined {
  const heap = kernels.heap(n * n);
  const p = HEAP_START;
  const base = p / 8;
  heap.set(a.subarray(0, n * n), base);
  const x = kernels.exports;
  for (let i0 = 0; i0 < n; i0 += block) {
    const i1 = Math.min(n, i0 + block);
    if (i0 > 0) {
      if (parallel && i1 - i0 >= 4) parallel.kernelRows(kernels, 'cholesky-rows', n, i0, i1, i0, [p]);
      else x.choleskyRowsLeftOfBlock(p, n, i0, i1, i0);
    }
    const failed = x.choleskyDiagonalBlock(p, n, i0, i1);
    if (failed >= 0) return { index: failed, pivot: x.failedPivot() };
  }
  a.set(heap.subarray(base, base + n * n));
  return undefined;
}

/** U = L⁻ᵀ into the kernels' memory; returns the byte offsets of L and U. */
function triangularInverse(kernels: WasmKernels, l: Float64Array, n: number, extra: number, parallel?: ParallelKernels): { heap: Float64Array; pl: number; pu: number } {
  const heap = kernels.heap(2 * n * n + extra);
  const pl = HEAP_START;
  const pu = pl + 8 * n * n;
  heap.set(l.subarray(0, n * n), pl / 8);
  if (parallel) parallel.kernelRows(kernels, 'triangular-inverse-rows', n, 0, n, 0, [pl, pu]);
  else kernels.exports.triangularInverseRows(pl, pu, n, 0, n);
  return { heap, pl, pu };
}

/** A⁻¹ = U Uᵀ from A = L Lᵀ into `out` (n×n), as linalg.ts `inverseFromCholesky`. */
export function wasmInverse(kernels: WasmKernels, l: Float64Array, n: number, out: Float64Array, parallel?: ParallelKernels): void {
  const { heap, pl, pu } = triangularInverse(kernels, l, n, n * n, parallel);
  const pi = pu + 8 * n * n;
  if (parallel) parallel.kernelRows(kernels, 'gram-rows', n, 0, n, 0, [pl, pu, pi]);
  else kernels.exports.gramRows(pu, pi, n, 0, n);
  out.set(heap.subarray(pi / 8, pi / 8 + n * n));
}

/** diag(A⁻¹) from A = L Lᵀ, as linalg.ts `inverseDiagonalFromCholesky`. */
export function wasmInverseDiagonal(kernels: WasmKernels, l: Float64Array, n: number, parallel?: ParallelKernels): Float64Array {
  const { heap, pu } = triangularInverse(kernels, l, n, n, parallel);
  const po = pu + 8 * n * n;
  kernels.exports.rowNormsFromDiagonal(pu, n, po);
  return heap.slice(po / 8, po / 8 + n);
}
