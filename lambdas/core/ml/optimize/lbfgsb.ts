import { InvalidDataError } from '../../errors.ts';
import { type Box, maxAbs, projectedGradient, projectedLineSearch, projectOnto, rememberCurvature, relativeReduction, searchDirection } from './projected-lbfgs.ts';

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

  const box: Box = { lower: Float64Array.from(bounds, (b) => b[0]), upper: Float64Array.from(bounds, (b) => b[1]) };
  let x = projectOnto(Float64Array.from(x0), box);
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
    const pg = projectedGradient(x, g, box);
    const pgNorm = maxAbs(pg);
    options.onIteration?.({ iteration, x: x.slice(), value: f, projectedGradient: pgNorm, evaluations });
    if (pgNorm <= gtol) {
      reason = 'gradient';
      break;
    }
    const { direction, restart } = searchDirection(g, pg, sHistory, yHistory);
    if (restart) {
      sHistory.length = 0;
      yHistory.length = 0;
    }
    const search = projectedLineSearch(objective, x, f, g, direction, sHistory.length > 0, box, maxLineSearchSteps);
    evaluations += search.evaluations;
    const accepted = search.accepted;
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
    const stops = relativeReduction(f, accepted.evaluation.value) <= ftol;
    if (stops && options.gradientAtStop === false) {
      x = accepted.x;
      f = accepted.evaluation.value;
      trace.push(f);
      reason = 'relative-reduction';
      iteration++;
      break;
    }
    const gNew = accepted.evaluation.gradient();
    gradientEvaluations++;
    rememberCurvature(sHistory, yHistory, x, accepted.x, g, gNew, memory);
    x = accepted.x;
    f = accepted.evaluation.value;
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
