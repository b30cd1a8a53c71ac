import { DEFAULT_INDUCING_POINTS, DEFAULT_OPTIMIZE_ROWS } from '../ml/sparse/sparse-fit.ts';
import {
  EXACT_PREDICT_SECONDS_PER_ROW_PER_SQUARED_ROW,
  EXACT_SECONDS_PER_CUBIC_ROW,
  predictScoringSeconds,
  predictSparseFullPassSeconds,
  predictSparseIterationSeconds,
  predictSparseLaplaceIterationSeconds,
  type ScoringSize,
} from './step-cost.ts';

/**
 * The config limits that keep every step inside its Lambda's timeout, derived from the measured
 * cost model (step-cost.ts) and the timeouts they are designed for. The CDK app sets those
 * timeouts (lib/training-pipeline.ts); test/unit/steps/worst-case.test.ts recomputes each step's
 * worst case under these limits and fails when the CDK's timeout is shorter (docs/pipeline.md,
 * "Bounded steps").
 */

/** The Train Lambda's timeout these limits are derived for (lib/training-pipeline.ts). */
export const TRAIN_FUNCTION_TIMEOUT_SECONDS = 890;
/** The Evaluate Lambda's timeout these limits are derived for (lib/training-pipeline.ts). */
export const EVALUATE_FUNCTION_TIMEOUT_SECONDS = 290;

/** The ScoreFile Lambda's timeout these limits are derived for (lib/batch-pipeline.ts). */
export const SCORE_FILE_FUNCTION_TIMEOUT_SECONDS = 590;
/**
 * Share of ScoreFile's timeout that scoring one file's rows may take: the rest downloads and
 * parses the file, writes its predictions, and covers a slower CPU.
 */
export const SCORE_FILE_SCORING_SHARE = 0.5;

/** What a Lambda round leaves free before the function's own timeout: saving a checkpoint or the model, and one unit of work's overrun. */
export const LAMBDA_MARGIN_SECONDS = 60;

/** Of that margin: the most one unit of the sparse fit (an L-BFGS iteration, a natural-gradient step) may take past the deadline. */
export const SPARSE_STEP_ALLOWANCE_SECONDS = 25;
/** Of that margin: the most the sparse fit's last pass (cavity scores over every row) may take; the rest, 10 s, saves. */
export const SPARSE_FINISH_ALLOWANCE_SECONDS = 25;

/**
 * Share of Evaluate's timeout that scoring the holdout with two GPs (the run's and the champion)
 * may take. Of the rest, a quarter of the timeout goes to permutation importance
 * (steps/holdout-importance.ts IMPORTANCE_BUDGET_SECONDS), and the remainder reads the training set
 * and the artifacts, scores the challengers (milliseconds), writes evaluation.json, and covers a
 * slower CPU.
 */
export const EVALUATE_SCORING_SHARE = 0.5;

const floorTo = (value: number, step: number): number => Math.floor(value / step) * step;

/**
 * Upper bound of config.maxTrainRows: the most rows whose predicted exact fit (c·n³) ends inside
 * one Train round of the longest kind, the Lambda's timeout less its margin (the exact GP cannot
 * checkpoint mid-fit). 5,800 rows: 810 s predicted of 830 s.
 */
export const MAX_EXACT_TRAIN_ROWS = floorTo(Math.cbrt((TRAIN_FUNCTION_TIMEOUT_SECONDS - LAMBDA_MARGIN_SECONDS) / EXACT_SECONDS_PER_CUBIC_ROW), 100);

/**
 * Upper bound and default of config.maxHoldoutRows: the most holdout rows two exact GPs of
 * MAX_EXACT_TRAIN_ROWS rows (challenger and champion) score within EVALUATE_SCORING_SHARE of
 * Evaluate's timeout. The champion may come from a run with other settings, so the bound takes
 * the largest model any config allows, not this run's. 3,700 rows: 145 s predicted of 145 s.
 */
export const MAX_HOLDOUT_ROWS = floorTo(
  (EVALUATE_SCORING_SHARE * EVALUATE_FUNCTION_TIMEOUT_SECONDS) / (2 * EXACT_PREDICT_SECONDS_PER_ROW_PER_SQUARED_ROW * MAX_EXACT_TRAIN_ROWS ** 2),
  100,
);

/**
 * Upper bound of config.inducingPoints. Beyond it the hyperparameter stages would see fewer than
 * ten rows per inducing point (sparseOptimizeRows), and more points bought little on AI4I
 * (docs/ml.md §7: m 96 → 200 moved average precision from 0.748 to 0.790).
 */
export const MAX_INDUCING_POINTS = 256;

export { DEFAULT_INDUCING_POINTS };

/**
 * Rows the sparse GP's hyperparameter stages run on with m inducing points: the default 4,000,
 * fewer when one L-BFGS iteration on them could overrun the round by more than
 * SPARSE_STEP_ALLOWANCE_SECONDS (m = 128: 4,000; m = 256: 2,700).
 */
export function sparseOptimizeRows(inducingPoints: number): number {
  const affordable = Math.floor(SPARSE_STEP_ALLOWANCE_SECONDS / predictSparseIterationSeconds(1, inducingPoints));
  return Math.min(DEFAULT_OPTIMIZE_ROWS, floorTo(affordable, 100));
}

/**
 * Threads the refine limit counts on: the default Train Lambda's 6 vCPUs (lib/training-pipeline.ts,
 * 10,240 MB), where the limit matters (locally a round may overrun its budget without harm). A
 * constant, not the machine's count, so that a seed gives the same model everywhere. A Train
 * function given less memory has fewer vCPUs: at 2 vCPUs a worst-case refine iteration may take
 * 1.9× its allowance, still inside the round's 60 s margin with the last pass at its typical cost.
 */
export const REFINE_THREADS = 6;
/**
 * Speed-up per added thread of the sparse GP's passes over rows: 2 threads gave 1.3× on this
 * project's 2-vCPU machine, whose vCPUs share one core (docs/ml.md §7, "Cost"), as a Lambda's do in pairs.
 */
export const ROW_PASS_THREAD_EFFICIENCY = 0.3;

/**
 * Most training rows on which Train's sparse fit refines θ on every row (SparseFitOptions.refineRows):
 * one worst-case L-BFGS iteration on all of them, each pass costing `passCostFactor` times the
 * cost model's (the additive kernel's 2), on REFINE_THREADS threads, must fit
 * SPARSE_STEP_ALLOWANCE_SECONDS (m = 128, additive: 13,500).
 */
export function sparseRefineRows(inducingPoints: number, passCostFactor: number): number {
  const speedUp = 1 + (REFINE_THREADS - 1) * ROW_PASS_THREAD_EFFICIENCY;
  const perRow = (predictSparseIterationSeconds(1, inducingPoints) * passCostFactor) / speedUp;
  return floorTo(SPARSE_STEP_ALLOWANCE_SECONDS / perRow, 100);
}

/**
 * Most training rows the sparse GP takes with m inducing points: one natural-gradient step, and
 * the last pass, over all of them must each fit their allowance of the Lambda's margin. Beyond
 * it Train fits the sparse GP on a stratified sample of this many rows (m = 128: 750,000).
 */
export function sparseRowLimit(inducingPoints: number): number {
  const allowance = Math.min(SPARSE_STEP_ALLOWANCE_SECONDS, SPARSE_FINISH_ALLOWANCE_SECONDS);
  return floorTo(allowance / predictSparseFullPassSeconds(1, inducingPoints), 10_000);
}

/**
 * Most training rows the Laplace sparse GP takes with m inducing points: every L-BFGS iteration
 * runs on all of them, on one thread, and must fit SPARSE_STEP_ALLOWANCE_SECONDS; its last pass
 * (the mode and the cavity scores, no gradient) costs less than one (m = 128: 46,000). Beyond it
 * Train fits it on a stratified sample of this many rows.
 */
export function sparseLaplaceRowLimit(inducingPoints: number): number {
  return floorTo(SPARSE_STEP_ALLOWANCE_SECONDS / predictSparseLaplaceIterationSeconds(1, inducingPoints), 1000);
}

/**
 * Most flagged rows of one file that ScoreFile explains (highest probability first) for the
 * batch's work list: each costs one more prediction per contract feature, and a work list is
 * read by people, who do not read thousands of rows of one file. Flagged rows past it are listed
 * without reasons.
 */
export const MAX_EXPLAINED_ROWS_PER_FILE = 1000;

/**
 * The most rows ScoreFile scores in one file with a champion of this size: what its predicted
 * scoring time allows within SCORE_FILE_SCORING_SHARE of the function's timeout. The size cap
 * (maxFileBytes) bounds the download; this bounds the arithmetic, which for the exact GP grows
 * with its training rows squared (an exact champion of 2,800 rows: about 64,000 rows a file).
 * A file with more valid rows is quarantined whole, with this number in the reason.
 *
 * With `explainedFeatures` (the contract's feature count), the explanations of the flagged rows
 * are in the budget too: every row may be flagged, so a file of r rows may cost
 * r + min(r, MAX_EXPLAINED_ROWS_PER_FILE) × features predictions (AI4I at 2,800 exact rows:
 * 64,000 − 6,000 rows).
 */
export function maxScoringRows(model: ScoringSize, explainedFeatures = 0): number {
  const perRow = predictScoringSeconds(model, 1);
  const predictions = Math.floor((SCORE_FILE_SCORING_SHARE * SCORE_FILE_FUNCTION_TIMEOUT_SECONDS) / perRow);
  const explained = MAX_EXPLAINED_ROWS_PER_FILE * explainedFeatures;
  const rows = predictions >= MAX_EXPLAINED_ROWS_PER_FILE + explained ? predictions - explained : Math.floor(predictions / (1 + explainedFeatures));
  return Math.max(1, rows);
}

/** Predictions ScoreFile makes for a file of `rows` rows, `flagged` of them flagged: each row once, and the explained flagged rows once per feature. */
export function scoringPredictions(rows: number, flagged: number, explainedFeatures: number): number {
  return rows + Math.min(flagged, MAX_EXPLAINED_ROWS_PER_FILE) * explainedFeatures;
}
