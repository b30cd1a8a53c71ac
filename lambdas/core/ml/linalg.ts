import { NotPositiveDefiniteError, ShapeError } from '../errors.ts';
import { wasmKernels } from './wasm/wasm-kernels.ts';
import { type ParallelKernels, wasmCholesky, wasmInverse, wasmInverseDiagonal } from './wasm/wasm-linalg.ts';

/**
 * Dense linear algebra on row-major Float64Array, the few kernels the GP needs.
 *
 * The O(n³) routines (Cholesky, inverse, diagonal of the inverse) run on the WebAssembly SIMD
 * twins of the kernels below (wasm/) where the engine has them, unless PROGNOS_WASM=0: bitwise
 * the same results, three to five times the speed. The JavaScript kernels stay the reference.
 *
 * Why not ml-matrix: its CholeskyDecomposition copies into arrays of rows and runs at about
 * 3.3 GFLOP/s here; the dot-product form below, walking two rows at once over contiguous memory,
 * reaches about 4.5 GFLOP/s on one core, and its row-independent passes can use every core
 * (parallel.ts; `npm run bench:linalg` measures both, docs/ml.md has the table). Every routine works on
 * the lower triangle only and never forms an inverse of K.
 */

/** Dot product of a[ia … ia+len) and b[ib … ib+len), four accumulators for the FPU pipeline. */
export function dot(a: Float64Array, ia: number, b: Float64Array, ib: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ia + k] * b[ib + k];
    s1 += a[ia + k + 1] * b[ib + k + 1];
    s2 += a[ia + k + 2] * b[ib + k + 2];
    s3 += a[ia + k + 3] * b[ib + k + 3];
  }
  for (; k < len; k++) s0 += a[ia + k] * b[ib + k];
  return s0 + s1 + (s2 + s3);
}

/** Rows per block of the Cholesky: the unit of work shared among the pool's threads. */
const CHOLESKY_BLOCK = 32;

/** Below this order the WebAssembly call and copies are not worth it (the results are the same). */
const WASM_MIN_N = 32;

/**
 * In-place Cholesky factorisation A = L Lᵀ of a symmetric positive definite n×n matrix.
 * Reads only the lower triangle; on return the lower triangle holds L and the strict upper
 * triangle is zero. Throws NotPositiveDefiniteError at the first non-positive pivot, never NaN.
 *
 * Crout (dot-product) order by blocks of rows: for a block [i0, i1), the entries left of the
 * block, L[i][j] = (A[i][j] − L[i,:j]·L[j,:j]) / L[j][j] with j < i0, depend only on finished rows,
 * so each row of the block is independent (`choleskyRowsLeftOfBlock`, split across threads when
 * `parallel` is given); the small triangle inside the block is then done in order.
 */
export function choleskyInPlace(a: Float64Array, n: number, parallel?: ParallelRows): void {
  if (a.length < n * n) throw new ShapeError(`cholesky: expected ${n}×${n} values, got ${a.length}`);
  const kernels = n >= WASM_MIN_N ? wasmKernels() : undefined;
  if (kernels) {
    const failed = wasmCholesky(kernels, a, n, CHOLESKY_BLOCK, parallel);
    if (failed) throw notPositiveDefinite(failed.index, failed.pivot);
  } else choleskyByBlocks(a, n, parallel);
  for (let r = 0; r < n; r++) a.fill(0, r * n + r + 1, (r + 1) * n);
}

function choleskyByBlocks(a: Float64Array, n: number, parallel?: ParallelRows): void {
  for (let i0 = 0; i0 < n; i0 += CHOLESKY_BLOCK) {
    const i1 = Math.min(n, i0 + CHOLESKY_BLOCK);
    if (parallel && i0 > 0) parallel.choleskyRowsLeftOfBlock(a, n, i0, i1);
    else choleskyRowsLeftOfBlock(a, n, i0, i1, i0);
    choleskyDiagonalBlock(a, n, i0, i1);
  }
}

/** Splits row-independent work across threads (see parallel.ts); absent means one thread. */
export interface ParallelRows extends ParallelKernels {
  choleskyRowsLeftOfBlock(a: Float64Array, n: number, i0: number, i1: number): void;
}

/**
 * L[i][j] for rows i in [rowStart, rowEnd) and columns j < colEnd, given finished rows < colEnd.
 * Rows go in pairs so every row j of L is read once for both (half the memory traffic).
 */
export function choleskyRowsLeftOfBlock(a: Float64Array, n: number, rowStart: number, rowEnd: number, colEnd: number): void {
  let i = rowStart;
  for (; i + 1 < rowEnd; i += 2) {
    const ri = i * n;
    const rk = ri + n; // row i+1
    for (let j = 0; j < colEnd; j++) {
      const rj = j * n;
      let si0 = 0, si1 = 0, sk0 = 0, sk1 = 0;
      let k = 0;
      for (; k + 1 < j; k += 2) {
        const lj0 = a[rj + k];
        const lj1 = a[rj + k + 1];
        si0 += a[ri + k] * lj0;
        si1 += a[ri + k + 1] * lj1;
        sk0 += a[rk + k] * lj0;
        sk1 += a[rk + k + 1] * lj1;
      }
      if (k < j) {
        const lj = a[rj + k];
        si0 += a[ri + k] * lj;
        sk0 += a[rk + k] * lj;
      }
      const ljj = a[rj + j];
      a[ri + j] = (a[ri + j] - (si0 + si1)) / ljj;
      a[rk + j] = (a[rk + j] - (sk0 + sk1)) / ljj;
    }
  }
  if (i < rowEnd) {
    const ri = i * n;
    for (let j = 0; j < colEnd; j++) a[ri + j] = (a[ri + j] - dot(a, ri, a, j * n, j)) / a[j * n + j];
  }
}

/** The triangle of a block, [i0, i1) × [i0, i], in order: it depends on its own earlier rows. */
function choleskyDiagonalBlock(a: Float64Array, n: number, i0: number, i1: number): void {
  for (let i = i0; i < i1; i++) {
    const ri = i * n;
    for (let j = i0; j < i; j++) a[ri + j] = (a[ri + j] - dot(a, ri, a, j * n, j)) / a[j * n + j];
    const d = a[ri + i] - dot(a, ri, a, ri, i);
    if (!(d > 0)) throw notPositiveDefinite(i, d);
    a[ri + i] = Math.sqrt(d);
  }
}

function notPositiveDefinite(index: number, pivot: number): NotPositiveDefiniteError {
  return new NotPositiveDefiniteError(
    `matrix is not positive definite: pivot ${index} is ${pivot} (the kernel matrix is singular ` +
      'to working precision; check for duplicated rows or an extreme length scale)',
  );
}

/** Solves L x = b in place (forward substitution), L lower triangular n×n row-major. */
export function solveLowerInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    b[i] = (b[i] - dot(l, ri, b, 0, i)) / l[ri + i];
  }
}

/**
 * Solves L x = b in place for `m` right-hand sides at once, stored as the rows of `b` (m×n,
 * row-major): the predictive variances of many rows. Forward substitution four rows of L at a
 * time, against two right-hand sides at a time: each entry of b read serves four rows of L and
 * each entry of L two right-hand sides, which halves the time of a dot product per row and
 * right-hand side (that loop is bound by reading b). A right-hand side gets the same arithmetic
 * whatever `m` and its place among them, so a row's result does not depend on its batch; it
 * differs from {@link solveLowerInPlace} only in the order of the sums (to about 1e-12).
 */
export function solveLowerManyInPlace(l: Float64Array, n: number, b: Float64Array, m: number): void {
  let i0 = 0;
  for (; i0 + 3 < n; i0 += 4) {
    const r0 = i0 * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let j = 0;
    for (; j + 1 < m; j += 2) {
      const x = j * n;
      const y = x + n;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let k = 0; k < i0; k++) {
        const bx = b[x + k];
        const by = b[y + k];
        const l0 = l[r0 + k];
        const l1 = l[r1 + k];
        const l2 = l[r2 + k];
        const l3 = l[r3 + k];
        a0 += l0 * bx;
        a1 += l1 * bx;
        a2 += l2 * bx;
        a3 += l3 * bx;
        c0 += l0 * by;
        c1 += l1 * by;
        c2 += l2 * by;
        c3 += l3 * by;
      }
      solveCorner(l, n, b, x, i0, a0, a1, a2, a3);
      solveCorner(l, n, b, y, i0, c0, c1, c2, c3);
    }
    for (; j < m; j++) {
      const x = j * n;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let k = 0; k < i0; k++) {
        const bx = b[x + k];
        a0 += l[r0 + k] * bx;
        a1 += l[r1 + k] * bx;
        a2 += l[r2 + k] * bx;
        a3 += l[r3 + k] * bx;
      }
      solveCorner(l, n, b, x, i0, a0, a1, a2, a3);
    }
  }
  // The last n mod 4 rows, one at a time.
  for (; i0 < n; i0++) {
    const ri = i0 * n;
    for (let j = 0; j < m; j++) {
      const x = j * n;
      let s = 0;
      for (let k = 0; k < i0; k++) s += l[ri + k] * b[x + k];
      b[x + i0] = (b[x + i0] - s) / l[ri + i0];
    }
  }
}

/** Rows i0 … i0+3 of one right-hand side at offset x, given each row's sum over the columns left of i0: the 4×4 triangle on the diagonal. */
function solveCorner(l: Float64Array, n: number, b: Float64Array, x: number, i0: number, s0: number, s1: number, s2: number, s3: number): void {
  const r0 = i0 * n;
  const r1 = r0 + n;
  const r2 = r1 + n;
  const r3 = r2 + n;
  const x0 = (b[x + i0] - s0) / l[r0 + i0];
  b[x + i0] = x0;
  const x1 = (b[x + i0 + 1] - s1 - l[r1 + i0] * x0) / l[r1 + i0 + 1];
  b[x + i0 + 1] = x1;
  const x2 = (b[x + i0 + 2] - s2 - l[r2 + i0] * x0 - l[r2 + i0 + 1] * x1) / l[r2 + i0 + 2];
  b[x + i0 + 2] = x2;
  b[x + i0 + 3] = (b[x + i0 + 3] - s3 - l[r3 + i0] * x0 - l[r3 + i0 + 1] * x1 - l[r3 + i0 + 2] * x2) / l[r3 + i0 + 3];
}

/** Solves Lᵀ x = b in place (back substitution) using the rows of L, never forming Lᵀ. */
export function solveLowerTransposedInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    const xi = b[i] / l[i * n + i];
    b[i] = xi;
    // Subtract column i of Lᵀ (= row i of L) from the entries above: an axpy on row i.
    const ri = i * n;
    for (let k = 0; k < i; k++) b[k] -= l[ri + k] * xi;
  }
}

/** Solves (L Lᵀ) x = b in place, given the Cholesky factor L. */
export function choSolveInPlace(l: Float64Array, n: number, b: Float64Array): void {
  solveLowerInPlace(l, n, b);
  solveLowerTransposedInPlace(l, n, b);
}

/**
 * The inverse of A = L Lᵀ, A⁻¹ = L⁻ᵀ L⁻¹, as a full symmetric n×n matrix.
 *
 * First U = L⁻ᵀ row by row (row i of U is column i of L⁻¹, found by forward substitution from
 * e_i, so only entries k ≥ i are non-zero), then A⁻¹[i][j] = U[i, i:]·U[j, i:] for j ≤ i — two
 * passes of n³/6 multiply-adds over contiguous memory, the same work as LAPACK's potri.
 * Also returns diag(A⁻¹), which the GP gradient needs on its own. With `parallel`, the inverse
 * lives in a reused buffer: valid until the next call.
 */
export function inverseFromCholesky(l: Float64Array, n: number, parallel?: ParallelInverse): { inverse: Float64Array; diagonal: Float64Array } {
  const inverse = parallel ? parallel.scratch('inverse', n * n) : new Float64Array(n * n);
  const kernels = n >= WASM_MIN_N ? wasmKernels() : undefined;
  if (kernels) {
    wasmInverse(kernels, l, n, inverse, parallel);
    return { inverse, diagonal: diagonalOf(inverse, n) };
  }
  const u = parallel ? parallel.scratch('inverse-u', n * n) : new Float64Array(n * n);
  if (parallel) parallel.inverseRows(l, u, inverse, n);
  else {
    triangularInverseRows(l, u, n, 0, n);
    gramRows(u, inverse, n, 0, n);
  }
  return { inverse, diagonal: diagonalOf(inverse, n) };
}

function diagonalOf(a: Float64Array, n: number): Float64Array {
  const diagonal = new Float64Array(n);
  for (let d = 0; d < n; d++) diagonal[d] = a[d * n + d];
  return diagonal;
}

/**
 * diag(A⁻¹) alone, from A = L Lᵀ: the squared row norms of U = L⁻ᵀ — one pass of n³/6
 * multiply-adds instead of n forward substitutions (n³/2).
 */
export function inverseDiagonalFromCholesky(l: Float64Array, n: number, parallel?: ParallelInverse): Float64Array {
  const kernels = n >= WASM_MIN_N ? wasmKernels() : undefined;
  if (kernels) return wasmInverseDiagonal(kernels, l, n, parallel);
  const u = parallel ? parallel.scratch('inverse-u', n * n) : new Float64Array(n * n);
  if (parallel) parallel.triangularInverse(l, u, n);
  else triangularInverseRows(l, u, n, 0, n);
  return Float64Array.from({ length: n }, (_, i) => dot(u, i * n + i, u, i * n + i, n - i));
}

/** Shared-memory buffers and the row-parallel passes of `inverseFromCholesky`. */
export interface ParallelInverse extends ParallelKernels {
  /** A reused buffer: the result is only valid until the next call with the same name. */
  scratch(name: string, length: number): Float64Array;
  triangularInverse(l: Float64Array, u: Float64Array, n: number): void;
  inverseRows(l: Float64Array, u: Float64Array, inverse: Float64Array, n: number): void;
}

/**
 * Rows [rowStart, rowEnd) of U = L⁻ᵀ: row i of U is column i of L⁻¹, found by forward
 * substitution from e_i: x_k = (δ_ik − Σ_{m=i}^{k-1} L_km x_m) / L_kk for k ≥ i. Rows are
 * independent; pairs of columns share each row of L. `rowStart` must be even.
 */
export function triangularInverseRows(l: Float64Array, u: Float64Array, n: number, rowStart: number, rowEnd: number): void {
  let i = rowStart;
  for (; i + 1 < rowEnd; i += 2) {
    const ui = i * n;
    const uj = ui + n;
    u[ui + i] = 1 / l[ui + i];
    u[ui + i + 1] = -(l[uj + i] * u[ui + i]) / l[uj + i + 1];
    u[uj + i + 1] = 1 / l[uj + i + 1];
    for (let k = i + 2; k < n; k++) {
      const rk = k * n;
      // Row k of L against both columns; column i+1 has no entry at index i.
      let si0 = l[rk + i] * u[ui + i];
      let si1 = 0;
      let sj0 = 0;
      let sj1 = 0;
      let m = i + 1;
      for (; m + 1 < k; m += 2) {
        const l0 = l[rk + m];
        const l1 = l[rk + m + 1];
        si0 += l0 * u[ui + m];
        si1 += l1 * u[ui + m + 1];
        sj0 += l0 * u[uj + m];
        sj1 += l1 * u[uj + m + 1];
      }
      if (m < k) {
        si0 += l[rk + m] * u[ui + m];
        sj0 += l[rk + m] * u[uj + m];
      }
      const lkk = l[rk + k];
      u[ui + k] = -(si0 + si1) / lkk;
      u[uj + k] = -(sj0 + sj1) / lkk;
    }
  }
  if (i < rowEnd) {
    const ui = i * n;
    u[ui + i] = 1 / l[ui + i];
    for (let k = i + 1; k < n; k++) u[ui + k] = -dot(l, k * n + i, u, ui + i, k - i) / l[k * n + k];
  }
}

/**
 * Rows [rowStart, rowEnd) of A⁻¹ = U Uᵀ: A⁻¹[r][j] = U[r, r:]·U[j, r:] for j ≤ r, mirrored to
 * [j][r]. Rows r and r+1 share the loads of row j. `rowStart` must be even.
 */
export function gramRows(u: Float64Array, inverse: Float64Array, n: number, rowStart: number, rowEnd: number): void {
  const put = (r: number, c: number, v: number): void => {
    inverse[r * n + c] = v;
    inverse[c * n + r] = v;
  };
  let r = rowStart;
  for (; r + 1 < rowEnd; r += 2) {
    const ur = r * n;
    const us = ur + n;
    for (let j = 0; j <= r; j++) {
      const uj = j * n;
      // U[r, k] and U[r+1, k] vanish below their diagonals, so the common range starts at r+1.
      let a0 = 0, a1 = 0, b0 = 0, b1 = 0;
      let k = r + 1;
      for (; k + 1 < n; k += 2) {
        const v0 = u[uj + k];
        const v1 = u[uj + k + 1];
        a0 += u[ur + k] * v0;
        a1 += u[ur + k + 1] * v1;
        b0 += u[us + k] * v0;
        b1 += u[us + k + 1] * v1;
      }
      if (k < n) {
        a0 += u[ur + k] * u[uj + k];
        b0 += u[us + k] * u[uj + k];
      }
      put(r, j, u[ur + r] * u[uj + r] + a0 + a1);
      put(r + 1, j, b0 + b1);
    }
    put(r + 1, r + 1, dot(u, us + r + 1, u, us + r + 1, n - r - 1));
  }
  if (r < rowEnd) {
    const ur = r * n;
    for (let j = 0; j <= r; j++) put(r, j, dot(u, ur + r, u, j * n + r, n - r));
  }
}

/** y = A x for a full n×n row-major A (symmetric or not). */
export function matVec(a: Float64Array, n: number, x: Float64Array, out = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) out[i] = dot(a, i * n, x, 0, n);
  return out;
}

/** log det(L Lᵀ) / 2 = Σ log L_ii. */
export function sumLogDiagonal(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return s;
}
