import { MaintenanceModel } from '../../ml/maintenance-model.ts';
import { resumeSparseFit, type SparseFitOptions, startSparseFit } from '../../ml/sparse/sparse-fit.ts';
import { DEFAULT_INDUCING_POINTS, sparseOptimizeRows, sparseRefineRows } from '../step-limits.ts';
import { ADDITIVE_PASS_COST_FACTOR } from './model-choice.ts';
import { resumeSparseLaplaceFit, type SparseLaplaceFitOptions, startSparseLaplaceFit } from '../../ml/sparse/sparse-laplace-fit.ts';
import type { SparseGaussianProcessClassifier } from '../../ml/sparse/svgp.ts';
import type { SparseInference } from '../run-state.ts';
import { classifierFitter, type FitData, type Fitter, type FitOptions } from './fitters.ts';

/**
 * The sparse GP as Train sees it: the classifier's own resumable fit (lambdas/core/ml/sparse/),
 * on the rows scaled by the split's scaler, wrapped with the threshold chosen on its cavity scores.
 * A refit never reaches it: Train trains the sparse GP in full mode (see model-choice.ts).
 */
/**
 * Rows the hyperparameter stages see with the additive kernel: its evaluations cost about 1.5×
 * and its ARD stage about 2× the iterations, and on AI4I 2,000 rows gave better holdout figures
 * than 4,000 did (AP 0.839 against 0.833) in 67 s of fit CPU instead of 176 s (docs/ml.md §7).
 */
export const ADDITIVE_OPTIMIZE_ROWS = 2_000;

/** Whether Train's sparse GP has the additive terms when the config does not say: yes (docs/ml.md §7, "An additive kernel"). */
export const DEFAULT_ADDITIVE_KERNEL = true;

/**
 * Train's sparse fit also stops a stage when its last 5 iterations gained at most this many nats:
 * the ARD stage and the last stage's passes crawl at the end (docs/ml.md §7, "Stopping the stages
 * when they stall"); on AI4I 2020 and two fresh sets it saved 30–44 % of the fit for the same
 * holdout figures.
 */
export const TRAIN_STALL_NATS = 0.01;

/**
 * Inside each hyperparameter evaluation Train stops optimising q(u) once a natural-gradient pass
 * gains at most this many nats: the passes converge linearly, and the relative rule alone spent
 * about half of them on gains below it (docs/ml.md §7, "Refining θ on every row").
 */
export const TRAIN_VARIATIONAL_TOLERANCE = 1e-4;

/**
 * Epochs of minibatch steps beyond the refine limit when the config does not say: none. On two
 * fresh sets of 100,000 readings three epochs raised the bound by 84 nats on one and not at all on
 * the other, for 0–33 % more fit CPU and holdout figures within 0.004 (docs/ml.md §7,
 * "Minibatches beyond the refine limit").
 */
export const DEFAULT_MINIBATCH_EPOCHS = 0;

/** Whether Train's sparse GP learns an input warp when the config does not say (docs/ml.md §7, "Input warping"). */
export const DEFAULT_INPUT_WARP = false;

/** The sparse fit's options as Train sets them (also what bench/gp-quality.bench.ts fits with). */
export function trainSparseOptions(fit: FitOptions): SparseFitOptions {
  // Fewer rows for the hyperparameter stages when one of their iterations could overrun the round's margin.
  const m = fit.inducingPoints ?? DEFAULT_INDUCING_POINTS;
  const rows = sparseOptimizeRows(m);
  const optimizeRows = fit.additiveKernel ? Math.min(rows, ADDITIVE_OPTIMIZE_ROWS) : rows;
  return {
    seed: fit.seed,
    optimizeRows,
    // Then θ on every row where one iteration there fits the round's margin (docs/ml.md §7, "Refining θ on every row").
    refineRows: sparseRefineRows(m, fit.additiveKernel ? ADDITIVE_PASS_COST_FACTOR : 1),
    stallNats: TRAIN_STALL_NATS,
    variationalTolerance: TRAIN_VARIATIONAL_TOLERANCE,
    ...(fit.inducingPoints === undefined ? {} : { inducingPoints: fit.inducingPoints }),
    ...(fit.kernel === undefined ? {} : { kernel: fit.kernel }),
    ...(fit.additiveKernel ? { additive: true } : {}),
    ...(fit.inputWarp ? { warp: true } : {}),
    ...(fit.minibatchEpochs ? { minibatchEpochs: fit.minibatchEpochs } : {}),
    onProgress: (p) => fit.onTraceStep?.({ stage: p.stage, start: 0, iteration: p.iteration, logMarginalLikelihood: p.elbo }),
  };
}

/**
 * The Laplace sparse GP's options as Train sets them: one length scale per input (relevances in the
 * record and the report, as the variational fit gives), Z fixed at the k-means++ points, and the
 * same stall rule as the variational fit: on AI4I 2020 it halved the fit (62 s → 34 s) for the same
 * ROC AUC and 0.001 less AP (docs/ml.md §7, "The Laplace sparse GP").
 */
export function trainSparseLaplaceOptions(fit: FitOptions): SparseLaplaceFitOptions {
  return {
    seed: fit.seed,
    ard: true,
    stallNats: TRAIN_STALL_NATS,
    ...(fit.inducingPoints === undefined ? {} : { inducingPoints: fit.inducingPoints }),
    ...(fit.kernel === undefined ? {} : { kernel: fit.kernel }),
    onProgress: (p) => fit.onTraceStep?.({ stage: p.stage, start: 0, iteration: p.iteration, logMarginalLikelihood: p.evidence }),
  };
}

const withThreshold = (classifier: SparseGaussianProcessClassifier, data: FitData, fit: FitOptions) =>
  MaintenanceModel.fromClassifier(data.trainingSet, data.scaler, classifier, { targetRecall: fit.targetRecall });
const variationalFitter = classifierFitter('gpc-sparse', { start: startSparseFit, resume: resumeSparseFit }, trainSparseOptions, withThreshold);
const laplaceFitter = classifierFitter('gpc-sparse', { start: startSparseLaplaceFit, resume: resumeSparseLaplaceFit }, trainSparseLaplaceOptions, withThreshold);

/** The sparse GP by the inference the config names (config.sparseInference; the input digest holds it, so a checkpoint is always of the same one). */
export const sparseFitter: Fitter = {
  start: (data, fit) => (fit.sparseInference === 'laplace' ? laplaceFitter : variationalFitter).start(data, fit),
  resume: (data, checkpoint, fit) => (fit.sparseInference === 'laplace' ? laplaceFitter : variationalFitter).resume(data, checkpoint, fit),
};

/** Whether Train's sparse GP has the additive terms: the config's word, else the default, and never under the Laplace approximation (which has none). */
export function additiveKernelOf(config: { readonly additiveKernel?: boolean; readonly sparseInference?: SparseInference }): boolean {
  return config.sparseInference === 'laplace' ? false : (config.additiveKernel ?? DEFAULT_ADDITIVE_KERNEL);
}
