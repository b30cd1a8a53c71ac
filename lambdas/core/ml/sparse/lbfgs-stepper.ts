/**
 * Projected L-BFGS on a box, one iteration per `step()`, with all of its memory in a plain
 * state object: the same algorithm as optimize/lbfgsb.ts (two-loop recursion on the free
 * variables, projected backtracking Armijo search, curvature pairs kept only when sᵀy > 0), cut
 * so that a fit can stop between iterations, serialise the state, and go on in another process
 * with bit-for-bit the same iterates. lbfgsb.ts runs to the end in one call, so it cannot.
 */

export interface StepperEvaluation<Extra> {
  readonly value: number;
  readonly gradient: Float64Array;
  /** Whatever the caller wants back for the accepted point (e.g. the converged q(u)). */
  readonly extra: Extra;
}

export type StepperReason = 'gradient' | 'relative-reduction' | 'max-iterations' | 'line-search';

/** Everything the optimiser remembers: JSON-friendly once its arrays are encoded. */
export interface StepperState {
  x: Float64Array;
  value: number;
  gradient: Float64Array;
  s: Float64Array[];
  y: Float64Array[];
  iteration: number;
  evaluations: number;
  reason?: StepperReason;
  trace: number[];
}

export interface StepperOptions {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly gradientTolerance: number;
  readonly relativeTolerance: number;
  readonly maxIterations: number;
  /** @default 10 */
  readonly memory?: number;
  /** @default 30 */
  readonly maxLineSearchSteps?: number;
}

const ARMIJO = 1e-4;

export function project(v: Float64Array, options: StepperOptions): Float64Array {
  for (let i = 0; i < v.length; i++) v[i] = Math.min(options.upper[i], Math.max(options.lower[i], v[i]));
  return v;
}

/** The state at the start point: one evaluation. */
export function startStepper<Extra>(x0: Float64Array, options: StepperOptions, objective: (x: Float64Array) => StepperEvaluation<Extra>): { state: StepperState; extra: Extra } {
  const x = project(x0.slice(), options);
  const first = objective(x);
  return { state: { x, value: first.value, gradient: first.gradient, s: [], y: [], iteration: 0, evaluations: 1, trace: [first.value] }, extra: first.extra };
}

/**
 * One iteration in place. Returns the extra of the newly accepted point, or undefined when the
 * run has stopped (state.reason says why).
 */
export function stepStepper<Extra>(state: StepperState, options: StepperOptions, objective: (x: Float64Array) => StepperEvaluation<Extra>): Extra | undefined {
  if (state.reason) return undefined;
  const memory = options.memory ?? 10;
  const n = state.x.length;
  for (;;) {
    if (state.iteration >= options.maxIterations) {
      state.reason = 'max-iterations';
      return undefined;
    }
    const pg = projectedGradient(state.x, state.gradient, options);
    if (maxAbs(pg) <= options.gradientTolerance) {
      state.reason = 'gradient';
      return undefined;
    }
    const free = pg.map((v) => (v === 0 ? 0 : 1));
    let d = twoLoop(state.gradient, free, state.s, state.y);
    if (!(dotProduct(state.gradient, d) < 0)) {
      state.s = [];
      state.y = [];
      d = pg.map((v) => -v);
    }
    let step = state.s.length === 0 ? Math.min(1, 1 / maxAbs(d)) : 1;
    let accepted: { x: Float64Array; evaluation: StepperEvaluation<Extra> } | undefined;
    for (let ls = 0; ls < (options.maxLineSearchSteps ?? 30); ls++) {
      const trial = new Float64Array(n);
      for (let i = 0; i < n; i++) trial[i] = state.x[i] + step * d[i];
      project(trial, options);
      const moved = trial.map((t, i) => t - state.x[i]);
      if (maxAbs(moved) === 0) break;
      const evaluation = objective(trial);
      state.evaluations++;
      if (Number.isFinite(evaluation.value) && evaluation.value <= state.value + ARMIJO * dotProduct(state.gradient, moved)) {
        accepted = { x: trial, evaluation };
        break;
      }
      step *= Number.isFinite(evaluation.value) ? 0.5 : 0.1;
    }
    if (!accepted) {
      if (state.s.length > 0) {
        // Once more from steepest descent before giving up (same rule as lbfgsb.ts).
        state.s = [];
        state.y = [];
        continue;
      }
      state.reason = 'line-search';
      return undefined;
    }
    const g = accepted.evaluation.gradient;
    const s = accepted.x.map((v, i) => v - state.x[i]);
    const yv = g.map((v, i) => v - state.gradient[i]);
    if (dotProduct(s, yv) > 1e-10 * dotProduct(yv, yv)) {
      state.s.push(s);
      state.y.push(yv);
      if (state.s.length > memory) {
        state.s.shift();
        state.y.shift();
      }
    }
    const previous = state.value;
    state.x = accepted.x;
    state.value = accepted.evaluation.value;
    state.gradient = g;
    state.trace.push(state.value);
    state.iteration++;
    if ((previous - state.value) / Math.max(Math.abs(previous), Math.abs(state.value), 1) <= options.relativeTolerance) state.reason = 'relative-reduction';
    return accepted.evaluation.extra;
  }
}

function projectedGradient(x: Float64Array, g: Float64Array, options: StepperOptions): Float64Array {
  return g.map((gi, i) => {
    if (x[i] <= options.lower[i] && gi > 0) return 0;
    if (x[i] >= options.upper[i] && gi < 0) return 0;
    return gi;
  });
}

/** d = −H g on the free variables (Nocedal & Wright, Algorithm 7.4). */
function twoLoop(g: Float64Array, free: Float64Array, sHistory: Float64Array[], yHistory: Float64Array[]): Float64Array {
  const q = g.map((v, i) => v * free[i]);
  const m = sHistory.length;
  const alpha = new Float64Array(m);
  const rho = new Float64Array(m);
  const s = sHistory.map((v) => v.map((vi, i) => vi * free[i]));
  const y = yHistory.map((v) => v.map((vi, i) => vi * free[i]));
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
