/**
 * The hyperparameter search shared by the GP models: restart points, a coarse stage on a
 * stratified subsample, and projected L-BFGS driven from each start, with a log of every run.
 * It knows nothing of kernels or posteriors; a model hands it a {@link SearchProblem}.
 *
 * Interface, for a model that wants to use it:
 * - θ lives in a log-space box (`bounds`). The search minimises; a model that maximises its
 *   evidence (log marginal likelihood, ELBO) returns the negative as `value`, and the log shows
 *   `objective = −value`.
 * - `objective(stage, from)` builds the function for one optimiser run on that stage's rows:
 *   `evaluate(θ)` gives the value at once and the gradient lazily (asked only at accepted points,
 *   before the next evaluation: `optimize/lbfgsb.ts`), and `best()` returns the model state of the
 *   best evaluation so far, which the model keeps (e.g. a converged Laplace posterior).
 *   `from.warm` is the model's own warm state (e.g. Newton's first latent vector), opaque here.
 * - `rows.subsample`, when present, switches the coarse stage on: every start runs on the
 *   subsample, then one run on all rows starts from the best, with `carryOver(best)` as its warm
 *   state and the L-BFGS curvature pairs carried over (gradient differences scaled by
 *   rows.full / rows.subsample, since the evidence grows about linearly with the rows).
 * - Without a subsample every start runs on all rows and the best final value wins.
 * - The model keeps `best().state` of the chosen run on all rows; that run does not ask for the
 *   gradient at the point where it stops (nothing continues from it).
 */
import { type CurvatureHistory, type Evaluation, type IterationReport, minimizeBounded, type MinimizeResult } from './optimize/lbfgsb.ts';
import type { SeededRandom } from './random.ts';
import { stratifiedSplit } from './split.ts';

export type Stage = 'subsample' | 'full';

/** Where one optimiser run begins: θ, and optionally the model's warm state and L-BFGS curvature. */
export interface StartPoint<Warm> {
  readonly theta0: Float64Array;
  readonly warm?: Warm;
  readonly history?: CurvatureHistory;
}

/** One run's objective on one stage's rows. */
export interface StageObjective<State> {
  /** The value to minimise at θ; its gradient on request. */
  evaluate(theta: Float64Array): Evaluation;
  /** θ and model state of the lowest value evaluated so far; called after the run, never before an evaluation. */
  best(): { readonly theta: Float64Array; readonly state: State };
}

export interface SearchProblem<State, Warm> {
  /** Box of θ in log space, one [lo, hi] per hyperparameter. */
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  /** Rows of the full objective, and of the subsample when there is a coarse stage. */
  readonly rows: { readonly full: number; readonly subsample?: number };
  objective(stage: Stage, from: StartPoint<Warm>): StageObjective<State>;
  /** The full-data run's warm state from the best subsample run. */
  carryOver?(best: SearchRun<State>): Warm | undefined;
}

/** A finished optimiser run and the state of its best evaluation. */
export interface SearchRun<State> {
  readonly stage: Stage;
  readonly result: MinimizeResult;
  readonly best: { readonly theta: Float64Array; readonly state: State };
}

/** One optimiser run as the fit log keeps it. */
export interface StartRecord {
  readonly theta0: number[];
  readonly theta: number[];
  /** The maximised objective at the run's end (−value). */
  readonly objective: number;
  readonly iterations: number;
  readonly reason: string;
  readonly stage: Stage;
}

/** What the search did, for the fit summary. */
export interface SearchLog {
  readonly starts: StartRecord[];
  /** The objective after each accepted step of the chosen full-data run. */
  trace: number[];
  evaluations: number;
}

export interface SearchOptions {
  /** ‖projected gradient‖∞ at which a run stops. @default 1e-5 (scikit-learn's) */
  readonly gradientTolerance?: number;
  /** Relative reduction per step at which a run on all rows stops. @default 2.2e-9 (scikit-learn's) */
  readonly relativeTolerance?: number;
  /** The same for the run on all rows that continues a subsample optimum. @default 1e-7 */
  readonly refineRelativeTolerance?: number;
  /** The same on the subsample, whose optimum only has to be close. @default 1e-6 */
  readonly subsampleRelativeTolerance?: number;
  /** A run begins (`start` counts the runs of its stage). */
  readonly onStart?: (stage: Stage, start: number, theta0: Float64Array, rows: number) => void;
  /** A run accepted a step. */
  readonly onIteration?: (stage: Stage, start: number, report: IterationReport) => void;
}

export function emptySearchLog(): SearchLog {
  return { starts: [], trace: [], evaluations: 0 };
}

/**
 * `count` restart points, θ_m ~ uniform(log lo, log hi) with the box of hyperparameter m
 * (in natural units): uniform in log space, unlike scikit-learn 1.2.1 (docs/ml.md).
 */
export function restartPoints(count: number, nHyperparameters: number, box: (m: number) => readonly [number, number], random: SeededRandom): Float64Array[] {
  return Array.from({ length: count }, () =>
    Float64Array.from({ length: nHyperparameters }, (_, m) => {
      const [lo, hi] = box(m).map(Math.log);
      return lo + (hi - lo) * random.uniform();
    }),
  );
}

/** Smaller than this the coarse stage saves nothing: the subsample would be tiny. */
const MIN_SUBSAMPLE_ROWS = 20;

/**
 * Rows of the coarse stage: a stratified sample of min(size, n/2) rows, drawn with `seed`, or
 * undefined when that is below 20 rows (or size is 0). At most half the rows, since beyond that
 * the finishing run saves too little to pay for the first stage.
 */
export function subsampleRows(labels: Uint8Array, size: number, seed: number): Uint32Array | undefined {
  const m = Math.min(size, Math.floor(labels.length / 2));
  if (m < MIN_SUBSAMPLE_ROWS) return undefined;
  return stratifiedSplit(labels, { testFraction: m / labels.length, seed }).testIndex;
}

/**
 * The whole search from `starts`: the coarse stage and the finishing run when the problem has a
 * subsample, else every start on all rows. Returns the best run on all rows.
 */
export function searchHyperparameters<State, Warm>(problem: SearchProblem<State, Warm>, starts: ReadonlyArray<StartPoint<Warm>>, options: SearchOptions, log: SearchLog): SearchRun<State> {
  const run = problem.rows.subsample === undefined ? bestOfStarts(problem, 'full', starts, options, log) : coarseThenFull(problem, starts, options, log);
  log.trace = run.result.trace.map((v) => -v);
  return run;
}

function coarseThenFull<State, Warm>(problem: SearchProblem<State, Warm>, starts: ReadonlyArray<StartPoint<Warm>>, options: SearchOptions, log: SearchLog): SearchRun<State> {
  const coarse = bestOfStarts(problem, 'subsample', starts, options, log);
  const scale = problem.rows.full / problem.rows.subsample!;
  const { s, y } = coarse.result.history;
  const from: StartPoint<Warm> = {
    theta0: coarse.best.theta,
    warm: problem.carryOver?.(coarse),
    history: { s, y: y.map((v) => v.map((e) => e * scale)) },
  };
  return optimizeFrom(problem, 'full', from, 0, options, log, true);
}

/** Every start on one stage's rows; the run with the lowest final value. */
export function bestOfStarts<State, Warm>(problem: SearchProblem<State, Warm>, stage: Stage, starts: ReadonlyArray<StartPoint<Warm>>, options: SearchOptions, log: SearchLog): SearchRun<State> {
  let best: SearchRun<State> | undefined;
  starts.forEach((from, index) => {
    const run = optimizeFrom(problem, stage, from, index, options, log, false);
    if (!best || run.result.value < best.result.value) best = run;
  });
  if (!best) throw new RangeError('hyperparameter search: at least one start point is needed');
  return best;
}

/** One L-BFGS run from a start point, logged. `refine`: it continues a subsample optimum. */
function optimizeFrom<State, Warm>(problem: SearchProblem<State, Warm>, stage: Stage, from: StartPoint<Warm>, start: number, options: SearchOptions, log: SearchLog, refine: boolean): SearchRun<State> {
  const objective = problem.objective(stage, from);
  options.onStart?.(stage, start, from.theta0, stage === 'subsample' ? problem.rows.subsample! : problem.rows.full);
  const relativeTolerance =
    stage === 'subsample' ? (options.subsampleRelativeTolerance ?? 1e-6) : refine ? (options.refineRelativeTolerance ?? 1e-7) : options.relativeTolerance;
  const result = minimizeBounded((theta) => objective.evaluate(theta), from.theta0, {
    bounds: problem.bounds,
    gradientTolerance: options.gradientTolerance,
    relativeTolerance,
    initialHistory: from.history,
    // Only a subsample run's curvature is carried on; a run on all rows needs no gradient at its end.
    gradientAtStop: stage === 'subsample',
    onIteration: (report) => options.onIteration?.(stage, start, report),
  });
  log.evaluations += result.evaluations;
  log.starts.push({
    theta0: Array.from(from.theta0),
    theta: Array.from(result.x),
    objective: -result.value,
    iterations: result.iterations,
    reason: result.reason,
    stage,
  });
  return { stage, result, best: objective.best() };
}
