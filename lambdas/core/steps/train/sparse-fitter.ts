import { MaintenanceModel } from '../../ml/maintenance-model.ts';
import { resumeSparseFit, type SparseFitOptions, startSparseFit } from '../../ml/sparse/sparse-fit.ts';
import { DEFAULT_INDUCING_POINTS, sparseOptimizeRows } from '../step-limits.ts';
import { classifierFitter, type FitOptions } from './fitters.ts';

/**
 * The sparse GP as Train sees it: the classifier's own resumable fit (lambdas/core/ml/sparse/),
 * on the rows scaled by the split's scaler, wrapped with the threshold chosen on its cavity scores.
 * A refit never reaches it: Train trains the sparse GP in full mode (see model-choice.ts).
 */
function sparseOptions(fit: FitOptions): SparseFitOptions {
  // Fewer rows for the hyperparameter stages when one of their iterations could overrun the round's margin.
  const optimizeRows = sparseOptimizeRows(fit.inducingPoints ?? DEFAULT_INDUCING_POINTS);
  return {
    seed: fit.seed,
    optimizeRows,
    ...(fit.inducingPoints === undefined ? {} : { inducingPoints: fit.inducingPoints }),
    ...(fit.kernel === undefined ? {} : { kernel: fit.kernel }),
    ...(fit.additiveKernel ? { additive: true } : {}),
    onProgress: (p) => fit.onTraceStep?.({ stage: p.stage, start: 0, iteration: p.iteration, logMarginalLikelihood: p.elbo }),
  };
}

export const sparseFitter = classifierFitter('gpc-sparse', { start: startSparseFit, resume: resumeSparseFit }, sparseOptions, (classifier, data, fit) =>
  MaintenanceModel.fromClassifier(data.trainingSet, data.scaler, classifier, { targetRecall: fit.targetRecall }),
);
