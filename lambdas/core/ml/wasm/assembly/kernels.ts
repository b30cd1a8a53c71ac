// AssemblyScript, compiled by `npm run build:wasm` into ../kernels-module.ts (not TypeScript:
// excluded from tsc and eslint). The O(n³) passes of linalg.ts with 128-bit SIMD (f64x2).
//
// Every routine keeps, for each element, the summation order of its twin in linalg.ts: the JS
// kernels already keep two partial sums per element, one for even and one for odd k, which are
// exactly the two lanes of an f64x2 accumulator; wasm has no fused multiply-add and no
// reassociation, so the results are bitwise those of the JS kernels. The speed comes from the
// lanes and from register blocking across independent rows (and, in the Cholesky, columns):
// each load of L serves four rows instead of two.
//
// Matrices are row-major n×n f64 at byte offsets into the imported (shared) memory.

let lastPivot: f64 = 0;

/** The pivot that made the last `choleskyDiagonalBlock` fail. */
export function failedPivot(): f64 {
  return lastPivot;
}

@inline function at(base: usize, stride: usize, row: i32, col: i32): usize {
  return base + <usize>row * stride + (<usize>col << 3);
}

@inline function lanes(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** linalg.ts `dot`: four partial sums by k mod 4, the tail into the first, s0 + s1 + (s2 + s3). */
function dot(a: usize, b: usize, len: i32): f64 {
  let v01 = f64x2.splat(0);
  let v23 = f64x2.splat(0);
  let k = 0;
  for (; k + 3 < len; k += 4) {
    const o = <usize>k << 3;
    v01 = f64x2.add(v01, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    v23 = f64x2.add(v23, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  let s0 = f64x2.extract_lane(v01, 0);
  for (; k < len; k++) s0 += load<f64>(a + (<usize>k << 3)) * load<f64>(b + (<usize>k << 3));
  return s0 + f64x2.extract_lane(v01, 1) + (f64x2.extract_lane(v23, 0) + f64x2.extract_lane(v23, 1));
}

/**
 * Pair-lane sum Σ_k x[k]·y[k] over [0, len) as linalg.ts's paired kernels form it: lane 0 the
 * even k, lane 1 the odd k, an odd last k added to lane 0; returns the two lanes (not yet added).
 */
@inline function pairSum(x: usize, y: usize, len: i32): v128 {
  let acc = f64x2.splat(0);
  let k = 0;
  for (; k + 1 < len; k += 2) {
    const o = <usize>k << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  if (k < len) {
    const o = <usize>k << 3;
    acc = f64x2.replace_lane(acc, 0, f64x2.extract_lane(acc, 0) + load<f64>(x + o) * load<f64>(y + o));
  }
  return acc;
}

// ---------------------------------------------------------------------------------------------
// Cholesky (linalg.ts choleskyRowsLeftOfBlock and choleskyDiagonalBlock)

/** L[i][j] for rows [rowStart, rowEnd), columns j < colEnd, given finished rows < colEnd. */
export function choleskyRowsLeftOfBlock(a: usize, n: i32, rowStart: i32, rowEnd: i32, colEnd: i32): void {
  const stride = <usize>n << 3;
  let i = rowStart;
  for (; i + 7 < rowEnd; i += 8) choleskyEightRows(a, stride, i, colEnd);
  for (; i + 3 < rowEnd; i += 4) choleskyFourRows(a, stride, i, colEnd);
  // Rows the JS kernel treats as pairs get the pair-lane order, a lone last row the dot order.
  for (; i + 1 < rowEnd; i += 2) {
    choleskyPairLaneRow(a, stride, i, colEnd);
    choleskyPairLaneRow(a, stride, i + 1, colEnd);
  }
  if (i < rowEnd) {
    for (let j = 0; j < colEnd; j++) {
      const p = at(a, stride, i, j);
      store<f64>(p, (load<f64>(p) - dot(at(a, stride, i, 0), at(a, stride, j, 0), j)) / load<f64>(at(a, stride, j, j)));
    }
  }
}

function choleskyPairLaneRow(a: usize, stride: usize, i: i32, colEnd: i32): void {
  const ri = at(a, stride, i, 0);
  for (let j = 0; j < colEnd; j++) {
    const s = pairSum(ri, at(a, stride, j, 0), j);
    const p = ri + (<usize>j << 3);
    store<f64>(p, (load<f64>(p) - lanes(s)) / load<f64>(at(a, stride, j, j)));
  }
}

/**
 * Four rows × two columns per pass: for an even j, columns j and j+1 share the pair sums over
 * [0, j); column j+1 then adds its last term L[i][j]·L[j+1][j] to lane 0, as the JS tail does.
 */
function choleskyFourRows(a: usize, stride: usize, i: i32, colEnd: i32): void {
  const r0 = at(a, stride, i, 0);
  let j = 0;
  for (; j + 1 < colEnd; j += 2) choleskyFourByTwo(a, stride, r0, j);
  if (j < colEnd) choleskyFourByOne(a, stride, r0, j);
}

/**
 * Eight rows as two groups of four sharing each pair of columns: the second group finds rows j
 * and j+1 of L still in the first-level cache, which halves the traffic from memory at large n.
 */
function choleskyEightRows(a: usize, stride: usize, i: i32, colEnd: i32): void {
  const r0 = at(a, stride, i, 0);
  const r4 = r0 + (stride << 2);
  let j = 0;
  for (; j + 1 < colEnd; j += 2) {
    choleskyFourByTwo(a, stride, r0, j);
    choleskyFourByTwo(a, stride, r4, j);
  }
  if (j < colEnd) {
    choleskyFourByOne(a, stride, r0, j);
    choleskyFourByOne(a, stride, r4, j);
  }
}

@inline function choleskyFourByTwo(a: usize, stride: usize, r0: usize, j: i32): void {
  const r1 = r0 + stride;
  const r2 = r1 + stride;
  const r3 = r2 + stride;
  const c0 = at(a, stride, j, 0);
  const c1 = c0 + stride;
  let a00 = f64x2.splat(0), a01 = f64x2.splat(0), a10 = f64x2.splat(0), a11 = f64x2.splat(0);
  let a20 = f64x2.splat(0), a21 = f64x2.splat(0), a30 = f64x2.splat(0), a31 = f64x2.splat(0);
  const end = <usize>j << 3;
  for (let o: usize = 0; o < end; o += 16) {
    const l0 = v128.load(c0 + o);
    const l1 = v128.load(c1 + o);
    const x0 = v128.load(r0 + o);
    const x1 = v128.load(r1 + o);
    const x2 = v128.load(r2 + o);
    const x3 = v128.load(r3 + o);
    a00 = f64x2.add(a00, f64x2.mul(x0, l0));
    a01 = f64x2.add(a01, f64x2.mul(x0, l1));
    a10 = f64x2.add(a10, f64x2.mul(x1, l0));
    a11 = f64x2.add(a11, f64x2.mul(x1, l1));
    a20 = f64x2.add(a20, f64x2.mul(x2, l0));
    a21 = f64x2.add(a21, f64x2.mul(x2, l1));
    a30 = f64x2.add(a30, f64x2.mul(x3, l0));
    a31 = f64x2.add(a31, f64x2.mul(x3, l1));
  }
  const ljj = load<f64>(c0 + end);
  const lj1j = load<f64>(c1 + end);
  const lj1j1 = load<f64>(c1 + end + 8);
  finishTwoColumns(r0 + end, a00, a01, ljj, lj1j, lj1j1);
  finishTwoColumns(r1 + end, a10, a11, ljj, lj1j, lj1j1);
  finishTwoColumns(r2 + end, a20, a21, ljj, lj1j, lj1j1);
  finishTwoColumns(r3 + end, a30, a31, ljj, lj1j, lj1j1);
}

/** The last column when the count is odd (j even: pair sums over [0, j), no tail). */
function choleskyFourByOne(a: usize, stride: usize, r0: usize, j: i32): void {
  const c0 = at(a, stride, j, 0);
  const ljj = load<f64>(at(a, stride, j, j));
  for (let r = 0; r < 4; r++) {
    const ri = r0 + <usize>r * stride;
    const p = ri + (<usize>j << 3);
    store<f64>(p, (load<f64>(p) - lanes(pairSum(ri, c0, j))) / ljj);
  }
}

@inline function finishTwoColumns(p: usize, s0: v128, s1: v128, ljj: f64, lj1j: f64, lj1j1: f64): void {
  const lij = (load<f64>(p) - lanes(s0)) / ljj;
  store<f64>(p, lij);
  const even = f64x2.extract_lane(s1, 0) + lij * lj1j;
  store<f64>(p + 8, (load<f64>(p + 8) - (even + f64x2.extract_lane(s1, 1))) / lj1j1);
}

/**
 * The triangle of a block, [i0, i1) × [i0, i], in order. Returns the row of the first pivot
 * that is not positive (its value in `failedPivot()`), or −1.
 */
export function choleskyDiagonalBlock(a: usize, n: i32, i0: i32, i1: i32): i32 {
  const stride = <usize>n << 3;
  for (let i = i0; i < i1; i++) {
    const ri = at(a, stride, i, 0);
    for (let j = i0; j < i; j++) {
      const p = ri + (<usize>j << 3);
      store<f64>(p, (load<f64>(p) - dot(ri, at(a, stride, j, 0), j)) / load<f64>(at(a, stride, j, j)));
    }
    const p = ri + (<usize>i << 3);
    const d = load<f64>(p) - dot(ri, ri, i);
    if (!(d > 0)) {
      lastPivot = d;
      return i;
    }
    store<f64>(p, sqrt<f64>(d));
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// U = L⁻ᵀ (linalg.ts triangularInverseRows)

/** Rows [rowStart, rowEnd) of U = L⁻ᵀ; `rowStart` even. */
export function triangularInverseRows(l: usize, u: usize, n: i32, rowStart: i32, rowEnd: i32): void {
  const stride = <usize>n << 3;
  let i = rowStart;
  for (; i + 7 < rowEnd; i += 8) triangularInverseEight(l, u, stride, n, i);
  for (; i + 3 < rowEnd; i += 4) triangularInverseFour(l, u, stride, n, i);
  for (; i + 1 < rowEnd; i += 2) {
    triangularInversePairStart(l, u, stride, i);
    for (let k = i + 2; k < n; k++) triangularInversePairEntry(l, u, stride, i, k);
  }
  if (i < rowEnd) {
    const ui = at(u, stride, i, 0);
    store<f64>(ui + (<usize>i << 3), 1 / load<f64>(at(l, stride, i, i)));
    for (let k = i + 1; k < n; k++) {
      const s = dot(at(l, stride, k, i), ui + (<usize>i << 3), k - i);
      store<f64>(ui + (<usize>k << 3), -s / load<f64>(at(l, stride, k, k)));
    }
  }
}

/** The first entries of rows i and i+1 of U: u[i][i], u[i][i+1], u[i+1][i+1]. */
function triangularInversePairStart(l: usize, u: usize, stride: usize, i: i32): void {
  const ui = at(u, stride, i, 0);
  const uj = ui + stride;
  const oi = <usize>i << 3;
  const uii = 1 / load<f64>(at(l, stride, i, i));
  store<f64>(ui + oi, uii);
  const lj = at(l, stride, i + 1, 0);
  const ljj = load<f64>(lj + oi + 8);
  store<f64>(ui + oi + 8, -(load<f64>(lj + oi) * uii) / ljj);
  store<f64>(uj + oi + 8, 1 / ljj);
}

/**
 * u[i][k] and u[i+1][k] as the JS pair kernel forms them: lanes by m − (i+1) even/odd from
 * m = i+1, row i's first term l[k][i]·u[i][i] in lane 0.
 */
function triangularInversePairEntry(l: usize, u: usize, stride: usize, i: i32, k: i32): void {
  const ui = at(u, stride, i, 0);
  const uj = ui + stride;
  const oi = <usize>i << 3;
  const rk = at(l, stride, k, 0);
  let si = f64x2.replace_lane(f64x2.splat(0), 0, load<f64>(rk + oi) * load<f64>(ui + oi));
  let sj = f64x2.splat(0);
  const end = <usize>k << 3;
  let o: usize = oi + 8;
  for (; o + 8 < end; o += 16) {
    const lv = v128.load(rk + o);
    si = f64x2.add(si, f64x2.mul(lv, v128.load(ui + o)));
    sj = f64x2.add(sj, f64x2.mul(lv, v128.load(uj + o)));
  }
  if (o < end) {
    const lm = load<f64>(rk + o);
    si = f64x2.replace_lane(si, 0, f64x2.extract_lane(si, 0) + lm * load<f64>(ui + o));
    sj = f64x2.replace_lane(sj, 0, f64x2.extract_lane(sj, 0) + lm * load<f64>(uj + o));
  }
  const lkk = load<f64>(rk + end);
  store<f64>(ui + end, -lanes(si) / lkk);
  store<f64>(uj + end, -lanes(sj) / lkk);
}

/**
 * Rows i … i+3 of U (two JS pairs) sharing each load of row k of L. Both pairs' lanes start at
 * an odd offset from i (i+1 and i+3), so from m = i+3 on they coincide; the first pair's terms
 * before that are added first, as in the JS order.
 */
function triangularInverseFour(l: usize, u: usize, stride: usize, n: i32, i: i32): void {
  triangularInverseFourStart(l, u, stride, i);
  // k = i+4 alone, then pairs (k, k+1) from i+5: there the lanes of entry k cover [i+1, k)
  // exactly, and entry k+1 adds its last term (m = k, just computed) to lane 0 afterwards.
  let k = i + 4;
  if (k < n) triangularInverseFourEntries(l, u, stride, i, k, false);
  for (k = i + 5; k < n; k += 2) triangularInverseFourEntries(l, u, stride, i, k, k + 1 < n);
}

/** Entries of rows i … i+3 before k = i+4: the two pairs' own starts. */
function triangularInverseFourStart(l: usize, u: usize, stride: usize, i: i32): void {
  triangularInversePairStart(l, u, stride, i);
  triangularInversePairEntry(l, u, stride, i, i + 2);
  triangularInversePairEntry(l, u, stride, i, i + 3);
  triangularInversePairStart(l, u, stride, i + 2);
}

/**
 * Rows i … i+7 as two groups of four: once both groups are past their starts (k ≥ i+9, where
 * their pairs of k coincide), each pair of rows k, k+1 of L serves the second group while it is
 * still in the first-level cache. Each entry is computed exactly as in the four-row pass.
 */
function triangularInverseEight(l: usize, u: usize, stride: usize, n: i32, i: i32): void {
  triangularInverseFourStart(l, u, stride, i);
  triangularInverseFourEntries(l, u, stride, i, i + 4, false);
  for (let k = i + 5; k < i + 9 && k < n; k += 2) triangularInverseFourEntries(l, u, stride, i, k, k + 1 < n);
  const g = i + 4;
  triangularInverseFourStart(l, u, stride, g);
  if (g + 4 < n) triangularInverseFourEntries(l, u, stride, g, g + 4, false);
  for (let k = i + 9; k < n; k += 2) {
    const two = k + 1 < n;
    triangularInverseFourEntries(l, u, stride, i, k, two);
    triangularInverseFourEntries(l, u, stride, g, k, two);
  }
}

/** u[i … i+3][k] (and [k+1] when `two`), sharing each load of U between rows k and k+1 of L. */
function triangularInverseFourEntries(l: usize, u: usize, stride: usize, i: i32, k: i32, two: bool): void {
  const u0 = at(u, stride, i, 0);
  const u1 = u0 + stride;
  const u2 = u1 + stride;
  const u3 = u2 + stride;
  const oi = <usize>i << 3;
  const o2 = oi + 16;
  const rk = at(l, stride, k, 0);
  const rl = two ? rk + stride : rk;
  const uii = load<f64>(u0 + oi);
  const u22 = load<f64>(u2 + o2);
  const h0 = v128.load(u0 + oi + 8);
  const h1 = v128.load(u1 + oi + 8);
  const zero = f64x2.splat(0);
  const hk = v128.load(rk + oi + 8);
  const hl = v128.load(rl + oi + 8);
  let s0 = f64x2.add(f64x2.replace_lane(zero, 0, load<f64>(rk + oi) * uii), f64x2.mul(hk, h0));
  let s1 = f64x2.add(zero, f64x2.mul(hk, h1));
  let s2 = f64x2.replace_lane(zero, 0, load<f64>(rk + o2) * u22);
  let s3 = zero;
  let t0 = f64x2.add(f64x2.replace_lane(zero, 0, load<f64>(rl + oi) * uii), f64x2.mul(hl, h0));
  let t1 = f64x2.add(zero, f64x2.mul(hl, h1));
  let t2 = f64x2.replace_lane(zero, 0, load<f64>(rl + o2) * u22);
  let t3 = zero;
  const end = <usize>k << 3;
  let o: usize = oi + 24;
  for (; o + 8 < end; o += 16) {
    const a = v128.load(rk + o);
    const b = v128.load(rl + o);
    const x0 = v128.load(u0 + o);
    const x1 = v128.load(u1 + o);
    const x2 = v128.load(u2 + o);
    const x3 = v128.load(u3 + o);
    s0 = f64x2.add(s0, f64x2.mul(a, x0));
    s1 = f64x2.add(s1, f64x2.mul(a, x1));
    s2 = f64x2.add(s2, f64x2.mul(a, x2));
    s3 = f64x2.add(s3, f64x2.mul(a, x3));
    t0 = f64x2.add(t0, f64x2.mul(b, x0));
    t1 = f64x2.add(t1, f64x2.mul(b, x1));
    t2 = f64x2.add(t2, f64x2.mul(b, x2));
    t3 = f64x2.add(t3, f64x2.mul(b, x3));
  }
  if (o < end) {
    // Only for the lone k = i+4 (an odd count of terms from i+1): no second row then.
    const lm = load<f64>(rk + o);
    s0 = f64x2.replace_lane(s0, 0, f64x2.extract_lane(s0, 0) + lm * load<f64>(u0 + o));
    s1 = f64x2.replace_lane(s1, 0, f64x2.extract_lane(s1, 0) + lm * load<f64>(u1 + o));
    s2 = f64x2.replace_lane(s2, 0, f64x2.extract_lane(s2, 0) + lm * load<f64>(u2 + o));
    s3 = f64x2.replace_lane(s3, 0, f64x2.extract_lane(s3, 0) + lm * load<f64>(u3 + o));
  }
  const lkk = load<f64>(rk + end);
  const v0 = -lanes(s0) / lkk;
  const v1 = -lanes(s1) / lkk;
  const v2 = -lanes(s2) / lkk;
  const v3 = -lanes(s3) / lkk;
  store<f64>(u0 + end, v0);
  store<f64>(u1 + end, v1);
  store<f64>(u2 + end, v2);
  store<f64>(u3 + end, v3);
  if (!two) return;
  const llk = load<f64>(rl + end);
  const lll = load<f64>(rl + end + 8);
  store<f64>(u0 + end + 8, -(f64x2.extract_lane(t0, 0) + llk * v0 + f64x2.extract_lane(t0, 1)) / lll);
  store<f64>(u1 + end + 8, -(f64x2.extract_lane(t1, 0) + llk * v1 + f64x2.extract_lane(t1, 1)) / lll);
  store<f64>(u2 + end + 8, -(f64x2.extract_lane(t2, 0) + llk * v2 + f64x2.extract_lane(t2, 1)) / lll);
  store<f64>(u3 + end + 8, -(f64x2.extract_lane(t3, 0) + llk * v3 + f64x2.extract_lane(t3, 1)) / lll);
}

// ---------------------------------------------------------------------------------------------
// A⁻¹ = U Uᵀ (linalg.ts gramRows)

/** Rows [rowStart, rowEnd) of U Uᵀ into `inverse`, mirrored; `rowStart` even. */
export function gramRows(u: usize, inverse: usize, n: i32, rowStart: i32, rowEnd: i32): void {
  const stride = <usize>n << 3;
  let r = rowStart;
  for (; r + 7 < rowEnd; r += 8) {
    gramEight(u, inverse, stride, n, r);
    for (let g = r; g < r + 8; g += 4) {
      gramPairColumns(u, inverse, stride, n, g + 2, g + 1, g + 2);
      gramPairDiagonal(u, inverse, stride, n, g);
      gramPairDiagonal(u, inverse, stride, n, g + 2);
    }
  }
  for (; r + 3 < rowEnd; r += 4) {
    gramFour(u, inverse, stride, n, r);
    gramPairColumns(u, inverse, stride, n, r + 2, r + 1, r + 2);
    gramPairDiagonal(u, inverse, stride, n, r);
    gramPairDiagonal(u, inverse, stride, n, r + 2);
  }
  for (; r + 1 < rowEnd; r += 2) {
    gramPairColumns(u, inverse, stride, n, r, 0, r);
    gramPairDiagonal(u, inverse, stride, n, r);
  }
  if (r < rowEnd) {
    const ur = at(u, stride, r, 0);
    const or = <usize>r << 3;
    for (let j = 0; j <= r; j++) put(inverse, stride, r, j, dot(ur + or, at(u, stride, j, r), n - r));
  }
}

/** Entries (r, j) and (r+1, j) for j in [j0, j1] as the JS pair kernel forms them: lanes from k = r+1. */
function gramPairColumns(u: usize, inverse: usize, stride: usize, n: i32, r: i32, j0: i32, j1: i32): void {
  const ur = at(u, stride, r, 0);
  const us = ur + stride;
  const start = <usize>(r + 1) << 3;
  const end = <usize>n << 3;
  const or = <usize>r << 3;
  for (let j = j0; j <= j1; j++) {
    const uj = at(u, stride, j, 0);
    let sa = f64x2.splat(0);
    let sb = f64x2.splat(0);
    let o = start;
    for (; o + 8 < end; o += 16) {
      const v = v128.load(uj + o);
      sa = f64x2.add(sa, f64x2.mul(v128.load(ur + o), v));
      sb = f64x2.add(sb, f64x2.mul(v128.load(us + o), v));
    }
    if (o < end) {
      const v = load<f64>(uj + o);
      sa = f64x2.replace_lane(sa, 0, f64x2.extract_lane(sa, 0) + load<f64>(ur + o) * v);
      sb = f64x2.replace_lane(sb, 0, f64x2.extract_lane(sb, 0) + load<f64>(us + o) * v);
    }
    put(inverse, stride, r, j, load<f64>(ur + or) * load<f64>(uj + or) + f64x2.extract_lane(sa, 0) + f64x2.extract_lane(sa, 1));
    put(inverse, stride, r + 1, j, lanes(sb));
  }
}

function gramPairDiagonal(u: usize, inverse: usize, stride: usize, n: i32, r: i32): void {
  const p = at(u, stride, r + 1, r + 1);
  put(inverse, stride, r + 1, r + 1, dot(p, p, n - r - 1));
}

/**
 * Rows r … r+3 (two JS pairs) for the columns j ≤ r they share, two columns at a time: each
 * load of U serves eight entries. The first pair's lanes start at k = r+1, the second's at r+3,
 * the same parity, so from r+3 on all four rows share the loop.
 */
function gramFour(u: usize, inverse: usize, stride: usize, n: i32, r: i32): void {
  let j = 0;
  for (; j + 1 <= r; j += 2) gramFourColumns(u, inverse, stride, n, r, j, true);
  if (j <= r) gramFourColumns(u, inverse, stride, n, r, j, false);
}

/**
 * Rows r … r+7 as two groups of four over their columns j ≤ r+4 (first group j ≤ r): for the
 * columns both need, the second group reads rows j, j+1 of U while they are in the first-level
 * cache. Which columns share a pass never changes an entry's sum.
 */
function gramEight(u: usize, inverse: usize, stride: usize, n: i32, r: i32): void {
  let j = 0;
  for (; j + 1 <= r; j += 2) {
    gramFourColumns(u, inverse, stride, n, r, j, true);
    gramFourColumns(u, inverse, stride, n, r + 4, j, true);
  }
  gramFourColumns(u, inverse, stride, n, r, r, false);
  for (; j + 1 <= r + 4; j += 2) gramFourColumns(u, inverse, stride, n, r + 4, j, true);
  gramFourColumns(u, inverse, stride, n, r + 4, r + 4, false);
}

function gramFourColumns(u: usize, inverse: usize, stride: usize, n: i32, r: i32, j: i32, two: bool): void {
  const u0 = at(u, stride, r, 0);
  const u1 = u0 + stride;
  const u2 = u1 + stride;
  const u3 = u2 + stride;
  const or = <usize>r << 3;
  const o1 = or + 8;
  const o2 = or + 16;
  const end = <usize>n << 3;
  const zero = f64x2.splat(0);
  const uj = at(u, stride, j, 0);
  const uk = two ? uj + stride : uj;
  const h0 = v128.load(u0 + o1);
  const h1 = v128.load(u1 + o1);
  const hj = v128.load(uj + o1);
  const hk = v128.load(uk + o1);
  let s0 = f64x2.add(zero, f64x2.mul(h0, hj));
  let s1 = f64x2.add(zero, f64x2.mul(h1, hj));
  let s2 = zero;
  let s3 = zero;
  let t0 = f64x2.add(zero, f64x2.mul(h0, hk));
  let t1 = f64x2.add(zero, f64x2.mul(h1, hk));
  let t2 = zero;
  let t3 = zero;
  let o = or + 24;
  for (; o + 8 < end; o += 16) {
    const v = v128.load(uj + o);
    const w = v128.load(uk + o);
    const x0 = v128.load(u0 + o);
    const x1 = v128.load(u1 + o);
    const x2 = v128.load(u2 + o);
    const x3 = v128.load(u3 + o);
    s0 = f64x2.add(s0, f64x2.mul(x0, v));
    s1 = f64x2.add(s1, f64x2.mul(x1, v));
    s2 = f64x2.add(s2, f64x2.mul(x2, v));
    s3 = f64x2.add(s3, f64x2.mul(x3, v));
    t0 = f64x2.add(t0, f64x2.mul(x0, w));
    t1 = f64x2.add(t1, f64x2.mul(x1, w));
    t2 = f64x2.add(t2, f64x2.mul(x2, w));
    t3 = f64x2.add(t3, f64x2.mul(x3, w));
  }
  if (o < end) {
    const v = load<f64>(uj + o);
    const w = load<f64>(uk + o);
    const x0 = load<f64>(u0 + o);
    const x1 = load<f64>(u1 + o);
    const x2 = load<f64>(u2 + o);
    const x3 = load<f64>(u3 + o);
    s0 = f64x2.replace_lane(s0, 0, f64x2.extract_lane(s0, 0) + x0 * v);
    s1 = f64x2.replace_lane(s1, 0, f64x2.extract_lane(s1, 0) + x1 * v);
    s2 = f64x2.replace_lane(s2, 0, f64x2.extract_lane(s2, 0) + x2 * v);
    s3 = f64x2.replace_lane(s3, 0, f64x2.extract_lane(s3, 0) + x3 * v);
    t0 = f64x2.replace_lane(t0, 0, f64x2.extract_lane(t0, 0) + x0 * w);
    t1 = f64x2.replace_lane(t1, 0, f64x2.extract_lane(t1, 0) + x1 * w);
    t2 = f64x2.replace_lane(t2, 0, f64x2.extract_lane(t2, 0) + x2 * w);
    t3 = f64x2.replace_lane(t3, 0, f64x2.extract_lane(t3, 0) + x3 * w);
  }
  const d0 = load<f64>(u0 + or);
  const d2 = load<f64>(u2 + o2);
  put(inverse, stride, r, j, d0 * load<f64>(uj + or) + f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1));
  put(inverse, stride, r + 1, j, lanes(s1));
  put(inverse, stride, r + 2, j, d2 * load<f64>(uj + o2) + f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1));
  put(inverse, stride, r + 3, j, lanes(s3));
  if (!two) return;
  put(inverse, stride, r, j + 1, d0 * load<f64>(uk + or) + f64x2.extract_lane(t0, 0) + f64x2.extract_lane(t0, 1));
  put(inverse, stride, r + 1, j + 1, lanes(t1));
  put(inverse, stride, r + 2, j + 1, d2 * load<f64>(uk + o2) + f64x2.extract_lane(t2, 0) + f64x2.extract_lane(t2, 1));
  put(inverse, stride, r + 3, j + 1, lanes(t3));
}

@inline function put(inverse: usize, stride: usize, r: i32, c: i32, v: f64): void {
  store<f64>(at(inverse, stride, r, c), v);
  store<f64>(at(inverse, stride, c, r), v);
}

/** diag(U Uᵀ) into `out` (n values): the squared row norms of U from the diagonal on. */
export function rowNormsFromDiagonal(u: usize, n: i32, out: usize): void {
  const stride = <usize>n << 3;
  for (let i = 0; i < n; i++) {
    const p = at(u, stride, i, i);
    store<f64>(out + (<usize>i << 3), dot(p, p, n - i));
  }
}
