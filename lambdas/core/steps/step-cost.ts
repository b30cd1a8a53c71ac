import { EXACT_SECONDS_PER_CUBIC_ROW, predictExactFitSeconds } from './train/exact-cost.ts';

/**
 * The measured cost model of the steps whose time grows with the data: the exact GP's fit
 * (train/exact-cost.ts), a prediction per scored row (Evaluate), and the sparse GP's passes over
 * its rows (Train). Each constant is the largest of its measurements, so every measured run took
 * at most the predicted time. step-limits.ts derives the config limits from it, and
 * test/unit/steps/worst-case.test.ts checks them against the Lambda timeouts of the CDK app.
 *
 * Measured on this project's 2-core machine, one thread (Node 22); `npx tsx bench/step-cost.bench.ts`
 * reproduces the rows marked "step-cost bench" (2026-12-06, load average about 2: noisy).
 */

export { EXACT_SECONDS_PER_CUBIC_ROW, predictExactFitSeconds };

/** One measurement: seconds per unit of `per` (per scored row per n², or per n·m² of a pass). */
export interface CostMeasurement {
  readonly source: string;
  readonly value: number;
}

const largest = (measurements: readonly CostMeasurement[]): number => Math.max(...measurements.map((m) => m.value));

/**
 * Exact GP, seconds per scored row per n² (n training rows): the variance's forward substitution
 * with the n × n factor dominates, n² flops per row, bound by memory bandwidth.
 */
export const EXACT_PREDICT_MEASUREMENTS: readonly CostMeasurement[] = [
  { source: 'step-cost bench, n = 1,400, 2,000 rows in 1.85 s', value: 1.85 / 2000 / 1400 ** 2 },
  { source: 'step-cost bench, n = 2,800, 2,000 rows in 7.15 s', value: 7.15 / 2000 / 2800 ** 2 },
  { source: 'docs/ml.md §5, moons_2000: 0.57 ms per row at n = 1,400', value: 0.57e-3 / 1400 ** 2 },
  { source: 'docs/ml.md §5, ai4i_like_2000: 0.60 ms per row at n = 1,400', value: 0.6e-3 / 1400 ** 2 },
  { source: 'docs/ml.md §5, ai4i_like_4000: 4.56 ms per row at n = 2,800', value: 4.56e-3 / 2800 ** 2 },
];
/** About 5.8e-10: 4.6 ms per row at 2,800 training rows, 19.6 ms at 5,800. */
export const EXACT_PREDICT_SECONDS_PER_ROW_PER_SQUARED_ROW = largest(EXACT_PREDICT_MEASUREMENTS);

/** Sparse GP, seconds per scored row per m² (m inducing points): k(Z, x*) and two m × m triangular products. */
export const SPARSE_PREDICT_MEASUREMENTS: readonly CostMeasurement[] = [
  { source: 'docs/ml.md §7, moons_2000, m = 64: 0.09 ms per row', value: 0.09e-3 / 64 ** 2 },
  { source: 'docs/ml.md §7, ai4i_like_4000, m = 96: 0.12 ms per row', value: 0.12e-3 / 96 ** 2 },
  { source: 'docs/ml.md §7, AI4I 2020, m = 128: 0.09 ms per row', value: 0.09e-3 / 128 ** 2 },
  { source: 'docs/ml.md §7, AI4I 2020, m = 200: 0.18 ms per row', value: 0.18e-3 / 200 ** 2 },
];
/** About 2.2e-8: the smallest m measured carries the most fixed cost per m², which keeps this conservative. */
export const SPARSE_PREDICT_SECONDS_PER_ROW_PER_SQUARED_INDUCING = largest(SPARSE_PREDICT_MEASUREMENTS);

/** Sparse GP, seconds per n·m² of A = L_m⁻¹K(Z, X) over n rows (docs/ml.md §7, "Cost": n·m·d + n·m²). */
export const SPARSE_CROSS_MEASUREMENTS: readonly CostMeasurement[] = [
  { source: 'step-cost bench, n = 20,000, m = 128: 0.24 s', value: 7.38e-10 },
  { source: 'step-cost bench, n = 10,000, m = 256: 0.37 s', value: 5.66e-10 },
];
/** Sparse GP, seconds per n·m² of one q(v) pass (value and the natural-gradient statistics, ≈ 2·n·m² flops). */
export const SPARSE_Q_PASS_MEASUREMENTS: readonly CostMeasurement[] = [
  { source: 'step-cost bench, n = 20,000, m = 128: 0.42 s', value: 1.28e-9 },
  { source: 'step-cost bench, n = 10,000, m = 256: 0.81 s', value: 1.24e-9 },
];
/** Sparse GP, seconds per n·m² of one full-gradient pass in θ (≈ 5·n·m² flops). */
export const SPARSE_GRADIENT_PASS_MEASUREMENTS: readonly CostMeasurement[] = [
  { source: 'step-cost bench, n = 20,000, m = 128: 1.43 s', value: 4.37e-9 },
  { source: 'step-cost bench, n = 10,000, m = 256: 2.28 s', value: 3.48e-9 },
];
export const SPARSE_CROSS_SECONDS = largest(SPARSE_CROSS_MEASUREMENTS);
export const SPARSE_Q_PASS_SECONDS = largest(SPARSE_Q_PASS_MEASUREMENTS);
export const SPARSE_GRADIENT_PASS_SECONDS = largest(SPARSE_GRADIENT_PASS_MEASUREMENTS);

/**
 * Laplace sparse GP (ml/sparse/sparse-laplace.ts), seconds per n·m² of one evaluation of the
 * evidence and its gradient on one thread, Newton's mode search from zero (a fit's first
 * evaluation: the most steps; later ones start from the last mode and take about half as many).
 * Measured while another benchmark shared the core (the same run's variational passes came out
 * 1.2–2.8× the values above), which keeps these conservative; the fit's own iterations at 46,000
 * rows and m = 128 took 5–22 s, against the 25 s these predict (docs/ml.md §7).
 */
export const SPARSE_LAPLACE_EVALUATION_MEASUREMENTS: readonly CostMeasurement[] = [
  { source: 'step-cost bench, n = 20,000, m = 128: 5.39 s (9 Newton steps)', value: 1.64e-8 },
  { source: 'step-cost bench, n = 10,000, m = 256: 8.31 s (9 Newton steps)', value: 1.27e-8 },
];
export const SPARSE_LAPLACE_EVALUATION_SECONDS = largest(SPARSE_LAPLACE_EVALUATION_MEASUREMENTS);

/**
 * q(v) passes one hyperparameter evaluation may take: one to start and at most 50 natural-gradient
 * steps (sparse-fit.ts, `maxIterations: 50` of optimizeVariational). Measured: about 22 on average.
 */
export const SPARSE_Q_PASSES_PER_EVALUATION = 51;

/**
 * Objective evaluations per L-BFGS iteration the worst case allows: the first trial and one
 * backtrack. Measured (`npm run bench:sparse -- generated n=8000 m=96`, 2026-12-06): 13 evaluations
 * in 12 iterations (isotropic), 14 in 12 (ARD). A line search that backtracks more overruns by as
 * much again; the Lambda's margin (step-limits.ts) is what absorbs it.
 */
export const SPARSE_EVALUATIONS_PER_ITERATION = 2;

function assertCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer of at least ${min}, got ${value}`);
}

/** What a model costs to score: the exact GP by its training rows, the sparse GP by its inducing points. */
export type ScoringSize = { readonly kind: 'gpc-exact'; readonly rows: number } | { readonly kind: 'gpc-sparse'; readonly inducingPoints: number };

/** Predicted seconds for one model to score `rows` rows. */
export function predictScoringSeconds(model: ScoringSize, rows: number): number {
  assertCount('rows', rows, 0);
  if (model.kind === 'gpc-exact') {
    assertCount('training rows', model.rows, 0);
    return rows * EXACT_PREDICT_SECONDS_PER_ROW_PER_SQUARED_ROW * model.rows ** 2;
  }
  assertCount('inducing points', model.inducingPoints, 1);
  return rows * SPARSE_PREDICT_SECONDS_PER_ROW_PER_SQUARED_INDUCING * model.inducingPoints ** 2;
}

/** Predicted seconds for Evaluate's scoring: challenger and champion (when there is one) on the same holdout rows. */
export function predictEvaluateSeconds(holdoutRows: number, challenger: ScoringSize, champion: ScoringSize | null): number {
  return predictScoringSeconds(challenger, holdoutRows) + (champion === null ? 0 : predictScoringSeconds(champion, holdoutRows));
}

/** One L-BFGS iteration of the sparse GP's hyperparameter stages on `rows` rows: its largest unit of work there. */
export function predictSparseIterationSeconds(rows: number, inducingPoints: number): number {
  assertCount('rows', rows, 0);
  assertCount('inducing points', inducingPoints, 1);
  const evaluation = SPARSE_CROSS_SECONDS + SPARSE_Q_PASSES_PER_EVALUATION * SPARSE_Q_PASS_SECONDS + SPARSE_GRADIENT_PASS_SECONDS;
  return SPARSE_EVALUATIONS_PER_ITERATION * evaluation * rows * inducingPoints ** 2;
}

/** One L-BFGS iteration of the Laplace sparse GP on `rows` rows (every row: it has no subsample stage). */
export function predictSparseLaplaceIterationSeconds(rows: number, inducingPoints: number): number {
  assertCount('rows', rows, 0);
  assertCount('inducing points', inducingPoints, 1);
  return SPARSE_EVALUATIONS_PER_ITERATION * SPARSE_LAPLACE_EVALUATION_SECONDS * rows * inducingPoints ** 2;
}

/**
 * One pass of A and q(v) over all `rows` rows: a natural-gradient step of the last stage, and the
 * final pass that computes the cavity scores for the threshold once the fit is done.
 */
export function predictSparseFullPassSeconds(rows: number, inducingPoints: number): number {
  assertCount('rows', rows, 0);
  assertCount('inducing points', inducingPoints, 1);
  return (SPARSE_CROSS_SECONDS + SPARSE_Q_PASS_SECONDS) * rows * inducingPoints ** 2;
}
