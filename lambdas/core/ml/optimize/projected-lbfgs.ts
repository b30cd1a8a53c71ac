/**
 * The parts of projected L-BFGS on a box (Kim, Sra & Dhillon 2010) that both of its drivers run:
 * minimizeBounded (lbfgsb.ts: to the end in one call, the gradient only at accepted points) and
 * the sparse GP's stepper (sparse/lbfgs-stepper.ts: one iteration per call, its state
 * serialisable between processes). One implementation, so the two cannot drift apart; every
 * value is computed in the same order as before they shared it, so iterates are bit-for-bit
 * what they were.
 */

/** The box: lower[i] ≤ x[i] ≤ upper[i]. */
export interface Box {
  readonly lower: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
}

/** Sufficient decrease of the Armijo condition. */
const ARMIJO = 1e-4;

/** `v` clipped into the box, in place. */
export function projectOnto(v: Float64Array, box: Box): Float64Array {
  for (let i = 0; i < v.length; i++) v[i] = Math.min(box.upper[i], Math.max(box.lower[i], v[i]));
  return v;
}

/** The gradient with components zeroed where a bound is active and the gradient points out. */
export function projectedGradient(x: Float64Array, g: Float64Array, box: Box): Float64Array {
  return g.map((gi, i) => {
    if (x[i] <= box.lower[i] && gi > 0) return 0;
    if (x[i] >= box.upper[i] && gi < 0) return 0;
    return gi;
  });
}

/**
 * The step direction: −H g by the two-loop recursion on the free variables (those not held at a
 * bound with the gradient pushing outwards), or steepest descent along the projected gradient
 * when that is not a descent direction (stale curvature at a bound). `restart` says the caller
 * must then forget its curvature pairs.
 */
export function searchDirection(g: Float64Array, pg: Float64Array, sHistory: readonly Float64Array[], yHistory: readonly Float64Array[]): { direction: Float64Array; restart: boolean } {
  const free = pg.map((v) => (v === 0 ? 0 : 1));
  const d = twoLoop(g, free, sHistory, yHistory);
  if (dotProduct(g, d) < 0) return { direction: d, restart: false };
  return { direction: pg.map((v) => -v), restart: true };
}

/**
 * Backtracking along the projected path x + step·d until f decreases by the Armijo condition:
 * halve the step after a finite value, cut it tenfold after a non-finite one; stop when the
 * projection no longer moves. Without curvature the first step is scaled to a unit move, as
 * L-BFGS-B does.
 * @returns the accepted point and its evaluation (undefined when none was found), and how many evaluations it took
 */
export function projectedLineSearch<E extends { readonly value: number }>(
  objective: (x: Float64Array) => E,
  x: Float64Array,
  value: number,
  g: Float64Array,
  d: Float64Array,
  hasCurvature: boolean,
  box: Box,
  maxSteps: number,
): { accepted: { x: Float64Array; evaluation: E } | undefined; evaluations: number } {
  let step = hasCurvature ? 1 : Math.min(1, 1 / maxAbs(d));
  let evaluations = 0;
  for (let ls = 0; ls < maxSteps; ls++) {
    const trial = projectOnto(
      x.map((xi, i) => xi + step * d[i]),
      box,
    );
    const moved = trial.map((ti, i) => ti - x[i]);
    if (maxAbs(moved) === 0) break;
    const evaluation = objective(trial);
    evaluations++;
    if (Number.isFinite(evaluation.value) && evaluation.value <= value + ARMIJO * dotProduct(g, moved)) return { accepted: { x: trial, evaluation }, evaluations };
    step *= Number.isFinite(evaluation.value) ? 0.5 : 0.1;
  }
  return { accepted: undefined, evaluations };
}

/**
 * Remembers the pair s = x' − x, y = g' − g, only with positive curvature (sᵀy > 1e-10 yᵀy) so
 * that the implicit Hessian stays positive definite, and at most `memory` pairs (oldest dropped).
 */
export function rememberCurvature(sHistory: Float64Array[], yHistory: Float64Array[], x: Float64Array, xNext: Float64Array, g: Float64Array, gNext: Float64Array, memory: number): void {
  const s = xNext.map((v, i) => v - x[i]);
  const y = gNext.map((v, i) => v - g[i]);
  if (!(dotProduct(s, y) > 1e-10 * dotProduct(y, y))) return;
  sHistory.push(s);
  yHistory.push(y);
  if (sHistory.length > memory) {
    sHistory.shift();
    yHistory.shift();
  }
}

/** (f − f') / max(|f|, |f'|, 1): the relative-reduction stopping rule (scipy's factr). */
export function relativeReduction(previous: number, next: number): number {
  return (previous - next) / Math.max(Math.abs(previous), Math.abs(next), 1);
}

/** d = −H g on the free variables (Nocedal & Wright, Algorithm 7.4), zero elsewhere. */
function twoLoop(g: Float64Array, free: Float64Array, sHistory: readonly Float64Array[], yHistory: readonly Float64Array[]): Float64Array {
  const q = g.map((v, i) => v * free[i]);
  const m = sHistory.length;
  const alpha = new Float64Array(m);
  const rho = new Float64Array(m);
  const masked = (v: Float64Array): Float64Array => v.map((vi, i) => vi * free[i]);
  const s = sHistory.map(masked);
  const y = yHistory.map(masked);
  for (let k = m - 1; k >= 0; k--) {
    const sy = dotProduct(s[k], y[k]);
    rho[k] = sy > 0 ? 1 / sy : 0;
    alpha[k] = rho[k] * dotProduct(s[k], q);
    for (let i = 0; i < q.length; i++) q[i] -= alpha[k] * y[k][i];
  }
  if (m > 0) {
    const yy = dotProduct(y[m - 1], y[m - 1]);
    const gamma = yy > 0 ? dotProduct(s[m - 1], y[m - 1]) / yy : 1;
    for (let i = 0; i < q.length; i++) q[i] *= gamma > 0 ? gamma : 1;
  }
  for (let k = 0; k < m; k++) {
    const beta = rho[k] * dotProduct(y[k], q);
    for (let i = 0; i < q.length; i++) q[i] += s[k][i] * (alpha[k] - beta);
  }
  return q.map((v, i) => -v * free[i]);
}

export function dotProduct(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}
