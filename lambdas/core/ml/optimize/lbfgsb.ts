import { InvalidDataError } from '../../errors.ts';

/**
 * Limited-memory BFGS for a smooth function on a box (projected L-BFGS).
 *
 * Why not a package: no maintained JavaScript L-BFGS-B exists. This is the projected variant
 * (Kim, Sra & Dhillon 2010): the two-loop recursion acts on the variables that are not held at
 * a bound, steps are projected onto the box, and a backtracking line search enforces the Armijo
 * condition along the projected path. Each accepted step decreases f, so the result is never
 * worse than the start. The gradient is requested only at accepted points: a rejected trial
 * costs one function value, not a gradient.
 */

export interface Evaluation {
  readonly value: number;
  /** The gradient at the same point; called at most once, only for accepted points, and before the next evaluation. */
  readonly gradient: () => Float64Array;
}

export interface IterationReport {
  readonly iteration: number;
  readonly x: Float64Array;
  readonly value: number;
  /** ‖projected gradient‖∞ */
  readonly projectedGradient: number;
  readonly evaluations: number;
}

export interface MinimizeOptions {
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  /** Stop when ‖projected gradient‖∞ ≤ this. @default 1e-5 (scipy's pgtol) */
  readonly gradientTolerance?: number;
  /** Stop when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ this. @default 2.2e-9 (scipy's factr·ε) */
  readonly relativeTolerance?: number;
  /** @default 200 */
  readonly maxIterations?: number;
  /** Number of stored curvature pairs. @default 10 */
  readonly memory?: number;
  /** Backtracking steps per line search. @default 30 */
  readonly maxLineSearchSteps?: number;
  readonly onIteration?: (report: IterationReport) => void;
  /**
   * Curvature pairs from an earlier run on a related problem (e.g. the same model on a subsample,
   * with y scaled to the full size): the first steps then use curvature instead of steepest descent.
   */
  readonly initialHistory?: CurvatureHistory;
  /**
   * Ask for the gradient at the point where the relative-reduction rule stops the run. False
   * saves that gradient when nothing needs it (no later run continues from this one's curvature):
   * `gradient` is then the previous point's and `history` lacks the last pair. @default true
   */
  readonly gradientAtStop?: boolean;
}

/** Stored L-BFGS curvature pairs: steps s_k and gradient changes y_k. */
export interface CurvatureHistory {
  readonly s: readonly Float64Array[];
  readonly y: readonly Float64Array[];
}

export type StopReason = 'gradient' | 'relative-reduction' | 'max-iterations' | 'line-search';

export interface MinimizeResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly gradient: Float64Array;
  readonly iterations: number;
  readonly evaluations: number;
  readonly gradientEvaluations: number;
  readonly reason: StopReason;
  /** f after each accepted iterate, starting with f(x0). */
  readonly trace: number[];
  readonly history: CurvatureHistory;
}

const ARMIJO = 1e-4;

export function minimizeBounded(
  objective: (x: Float64Array) => Evaluation,
  x0: ArrayLike<number>,
  options: MinimizeOptions,
): MinimizeResult {
  const n = x0.length;
  const { bounds } = options;
  if (bounds.length !== n) throw new InvalidDataError(`optimizer: ${n} variables but ${bounds.length} bounds`);
  const gtol = options.gradientTolerance ?? 1e-5;
  const ftol = options.relativeTolerance ?? 2.2e-9;
  const maxIterations = options.maxIterations ?? 200;
  const memory = options.memory ?? 10;
  const maxLineSearchSteps = options.maxLineSearchSteps ?? 30;

  const project = (v: Float64Array): Float64Array => {
    for (let i = 0; i < n; i++) v[i] = Math.min(bounds[i][1], Math.max(bounds[i][0], v[i]));
    return v;
  };
  let x = project(Float64Array.from(x0));
  let evaluations = 1;
  let gradientEvaluations = 1;
  const first = objective(x);
  let f = first.value;
  if (!Number.isFinite(f)) throw new InvalidDataError(`optimizer: the objective is ${f} at the start point`);
  let g = first.gradient();
  const trace = [f];
  const sHistory: Float64Array[] = (options.initialHistory?.s ?? []).slice(-memory).map((v) => v.slice());
  const yHistory: Float64Array[] = (options.initialHistory?.y ?? []).slice(-memory).map((v) => v.slice());
  let reason: StopReason = 'max-iterations';
  let iteration = 0;

  for (; iteration < maxIterations; iteration++) {
    const pg = projectedGradient(x, g, bounds);
    const pgNorm = maxAbs(pg);
    options.onIteration?.({ iteration, x: x.slice(), value: f, projectedGradient: pgNorm, evaluations });
    if (pgNorm <= gtol) {
      reason = 'gradient';
      break;
    }
    // Variables held at a bound with the gradient pushing outwards do not move this step.
    const free = pg.map((v) => (v === 0 ? 0 : 1));
    let d = twoLoop(g, free, sHistory, yHistory);
    if (!(dotProduct(g, d) < 0)) {
      // Not a descent direction (stale curvature at a bound): restart from steepest descent.
      sHistory.length = 0;
      yHistory.length = 0;
      d = pg.map((v) => -v);
    }
    // The first step has no curvature information: scale it to a unit move, as L-BFGS-B does.
    let step = sHistory.length === 0 ? Math.min(1, 1 / maxAbs(d)) : 1;
    let accepted: { x: Float64Array; eval: Evaluation } | undefined;
    for (let ls = 0; ls < maxLineSearchSteps; ls++) {
      const trial = project(x.map((xi, i) => xi + step * d[i]));
      const moved = trial.map((ti, i) => ti - x[i]);
      if (maxAbs(moved) === 0) break;
      const ev = objective(trial);
      evaluations++;
      if (Number.isFinite(ev.value) && ev.value <= f + ARMIJO * dotProduct(g, moved)) {
        accepted = { x: trial, eval: ev };
        break;
      }
      step *= Number.isFinite(ev.value) ? 0.5 : 0.1;
    }
    if (!accepted) {
      if (sHistory.length > 0) {
        // Try once more from steepest descent before giving up.
        sHistory.length = 0;
        yHistory.length = 0;
        continue;
      }
      reason = 'line-search';
      break;
    }
    const fOld = f;
    const stops = (fOld - accepted.eval.value) / Math.max(Math.abs(fOld), Math.abs(accepted.eval.value), 1) <= ftol;
    if (stops && options.gradientAtStop === false) {
      x = accepted.x;
      f = accepted.eval.value;
      trace.push(f);
      reason = 'relative-reduction';
      iteration++;
      break;
    }
    const gNew = accepted.eval.gradient();
    gradientEvaluations++;
    const s = accepted.x.map((v, i) => v - x[i]);
    const yv = gNew.map((v, i) => v - g[i]);
    const sy = dotProduct(s, yv);
    // Keep the pair only with positive curvature, so the implicit Hessian stays positive definite.
    if (sy > 1e-10 * dotProduct(yv, yv)) {
      sHistory.push(s);
      yHistory.push(yv);
      if (sHistory.length > memory) {
        sHistory.shift();
        yHistory.shift();
      }
    }
    x = accepted.x;
    f = accepted.eval.value;
    g = gNew;
    trace.push(f);
    if (stops) {
      reason = 'relative-reduction';
      iteration++;
      break;
    }
  }
  return { x, value: f, gradient: g, iterations: iteration, evaluations, gradientEvaluations, reason, trace, history: { s: sHistory, y: yHistory } };
}

/** The gradient with components zeroed where a bound is active and the gradient points out. */
function projectedGradient(x: Float64Array, g: Float64Array, bounds: ReadonlyArray<readonly [number, number]>): Float64Array {
  return g.map((gi, i) => {
    if (x[i] <= bounds[i][0] && gi > 0) return 0;
    if (x[i] >= bounds[i][1] && gi < 0) return 0;
    return gi;
  });
}

/** d = −H g on the free variables (Nocedal & Wright, Algorithm 7.4), zero elsewhere. */
function twoLoop(g: Float64Array, free: Float64Array, sHistory: Float64Array[], yHistory: Float64Array[]): Float64Array {
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

function dotProduct(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}
