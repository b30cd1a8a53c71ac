import { maxAbs, projectedGradient, projectedLineSearch, projectOnto, rememberCurvature, relativeReduction, searchDirection } from '../optimize/projected-lbfgs.ts';

/**
 * Projected L-BFGS on a box, one iteration per `step()`, with all of its memory in a plain
 * state object: the same algorithm as optimize/lbfgsb.ts (two-loop recursion on the free
 * variables, projected backtracking Armijo search, curvature pairs kept only when sᵀy > 0), cut
 * so that a fit can stop between iterations, serialise the state, and go on in another process
 * with bit-for-bit the same iterates. lbfgsb.ts runs to the end in one call, so it cannot. Both
 * are built from the same parts (optimize/projected-lbfgs.ts); only the driving loop differs.
 */

export interface StepperEvaluation<Extra> {
  readonly value: number;
  readonly gradient: Float64Array;
  /** Whatever the caller wants back for the accepted point (e.g. the converged q(u)). */
  readonly extra: Extra;
}

export type StepperReason = 'gradient' | 'relative-reduction' | 'stalled' | 'max-iterations' | 'line-search';

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
  /**
   * Stop when the last `iterations` accepted steps together lowered the value by at most `reduction`
   * (in the objective's own units): a long crawl that no longer changes the model. Unset: never.
   */
  readonly stall?: { readonly iterations: number; readonly reduction: number };
  /** @default 10 */
  readonly memory?: number;
  /** @default 30 */
  readonly maxLineSearchSteps?: number;
}

/** The state at the start point: one evaluation. */
export function startStepper<Extra>(x0: Float64Array, options: StepperOptions, objective: (x: Float64Array) => StepperEvaluation<Extra>): { state: StepperState; extra: Extra } {
  const x = projectOnto(x0.slice(), options);
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
    const { direction, restart } = searchDirection(state.gradient, pg, state.s, state.y);
    if (restart) {
      state.s = [];
      state.y = [];
    }
    const search = projectedLineSearch(objective, state.x, state.value, state.gradient, direction, state.s.length > 0, options, options.maxLineSearchSteps ?? 30);
    state.evaluations += search.evaluations;
    const accepted = search.accepted;
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
    rememberCurvature(state.s, state.y, state.x, accepted.x, state.gradient, g, memory);
    const previous = state.value;
    state.x = accepted.x;
    state.value = accepted.evaluation.value;
    state.gradient = g;
    state.trace.push(state.value);
    state.iteration++;
    if (relativeReduction(previous, state.value) <= options.relativeTolerance) state.reason = 'relative-reduction';
    else if (options.stall && stalled(state.trace, options.stall)) state.reason = 'stalled';
    return accepted.evaluation.extra;
  }
}

/** Whether the last `iterations` values of a falling trace fell by at most `reduction` in all. */
export function stalled(trace: readonly number[], stall: NonNullable<StepperOptions['stall']>): boolean {
  const last = trace.length - 1;
  return last >= stall.iterations && trace[last - stall.iterations] - trace[last] <= stall.reduction;
}
