import { z } from 'zod';
import { buildReference } from '../../drift/reference.ts';
import { GradientBoostingClassifier } from '../../ml/boosting/gradient-boosting.ts';
import { type ChallengerClassifier, type ChallengerKind, ChallengerModel } from '../../ml/challenger-model.ts';
import { type DenseMatrix, takeRows } from '../../ml/dense.ts';
import { LogisticRegression } from '../../ml/logistic/logistic-regression.ts';
import { StandardScaler } from '../../ml/scaler.ts';
import { saveModel } from '../../registry/model-store.ts';
import type { StepContext } from '../context.ts';
import { parseStepInput, runInputSchema } from '../run-state.ts';
import { loadTrainingSet, splitRecordSchema, splitResultSchema } from '../split-and-scale.ts';
import { newModelVersion } from '../train.ts';
import { trainingSetResultSchema } from '../training-set.ts';

/**
 * TrainLogistic and TrainBoosting: one challenger each, in its own Task of the training state
 * machine's Parallel state beside the GP's Train loop. Each reads the same training split and
 * scaler that Train reads (SplitAndScale's record), fits on every training row, chooses its
 * threshold for the run's recall target on stratified out-of-fold scores (ml/challenger-model.ts),
 * and saves the artifact as a candidate version. The fits take seconds at AI4I size (docs/ml.md,
 * "Challengers"), so one invocation does it all: no rounds, no checkpoint.
 */

/** Folds of the out-of-fold scores the threshold is chosen on. */
export const CHALLENGER_FOLDS = 5;

/** How each kind is fitted: the classifiers' own defaults (docs/ml.md explains them), seeded by the run. */
const FITTERS: Record<ChallengerKind, (seed: number) => (x: DenseMatrix, y: Uint8Array) => ChallengerClassifier> = {
  'logistic-regression': () => (x, y) => LogisticRegression.fit(x, y),
  'gradient-boosting': (seed) => (x, y) => GradientBoostingClassifier.fit(x, y, { seed }),
};

/** What a challenger Task returns: small, since it travels in the state. */
export const challengerTrainedSchema = z.object({
  status: z.literal('trained'),
  kind: z.enum(['logistic-regression', 'gradient-boosting']),
  version: z.string(),
  /** Seconds of the final fit on all training rows. */
  fitSeconds: z.number().nonnegative(),
  /** Seconds of the out-of-fold fits the threshold was chosen on. */
  thresholdSeconds: z.number().nonnegative(),
  trainRows: z.int().positive(),
  threshold: z.number(),
  /** ROC AUC of the out-of-fold scores: a first honest look at the model. */
  outOfFoldRocAuc: z.number(),
});

/** What the state machine puts in a challenger's place when its Task failed (its Catch): the run goes on without it. */
export const challengerFailedSchema = z.object({
  status: z.literal('failed'),
  kind: z.enum(['logistic-regression', 'gradient-boosting']),
  /** The error name and message, as Step Functions caught them. */
  error: z.string(),
  reason: z.string(),
});

export const challengerOutcomeSchema = z.discriminatedUnion('status', [challengerTrainedSchema, challengerFailedSchema]);
export type ChallengerTrained = z.infer<typeof challengerTrainedSchema>;
export type ChallengerOutcome = z.infer<typeof challengerOutcomeSchema>;

/** The challenger Task for `kind`. */
export function trainChallengerStep(kind: ChallengerKind, stepName: string): (input: unknown, context: StepContext) => Promise<ChallengerTrained> {
  return async (input, context) => {
    const run = parseStepInput(stepName, runInputSchema.extend({ trainingSet: trainingSetResultSchema, split: splitResultSchema }), input);
    const { config } = run;
    const { X, y, featureNames } = await loadTrainingSet(context, run.trainingSet.key);
    const split = splitRecordSchema.parse(JSON.parse(new TextDecoder().decode((await context.store.get(run.split.key)).body)));
    const trainingSet = { X: takeRows(X, split.train), y: Uint8Array.from(split.train, (i) => y[i]), featureNames };
    const scaler = StandardScaler.load(split.scaler);

    const fit = FITTERS[kind](config.seed);
    // ChallengerModel.train fits on every row first, then once per fold: time the first fit alone.
    let fitSeconds: number | undefined;
    const started = performance.now();
    const model = ChallengerModel.train(
      trainingSet,
      scaler,
      (x, labels) => {
        const classifier = fit(x, labels);
        fitSeconds ??= (performance.now() - started) / 1000;
        return classifier;
      },
      { targetRecall: config.targetRecall, folds: CHALLENGER_FOLDS, seed: config.seed },
    );
    const finalFitSeconds = fitSeconds ?? 0;
    const thresholdSeconds = Math.max(0, (performance.now() - started) / 1000 - finalFitSeconds);

    const createdAt = context.now();
    // Its own version: the GP of the same run saves at about the same moment, so the kind goes into the suffix.
    const version = newModelVersion(createdAt, `${run.runName}/${kind}`);
    await saveModel(context.store, version, model, {
      createdAt: createdAt.toISOString(),
      extra: {
        runName: run.runName,
        mode: run.mode,
        contract: context.contract,
        trainingSetKey: run.trainingSet.key,
        model: kind,
        trainRows: trainingSet.X.rows,
        fitSeconds: finalFitSeconds,
        thresholdSeconds,
        // What batch inference compares batches with, should this model become the champion (no uncertainty to summarise).
        trainingReference: buildReference(trainingSet.X, featureNames, null),
      },
    });
    context.progress({ kind: 'message', text: `${stepName}: ${kind} ${version} fitted on ${trainingSet.X.rows} rows in ${finalFitSeconds.toFixed(2)} s, threshold ${model.threshold.value.toPrecision(4)} (out-of-fold recall ${model.threshold.recall.toFixed(3)})` });
    return {
      status: 'trained',
      kind,
      version,
      fitSeconds: finalFitSeconds,
      thresholdSeconds,
      trainRows: trainingSet.X.rows,
      threshold: model.threshold.value,
      outOfFoldRocAuc: model.threshold.rocAuc,
    };
  };
}

/** The logistic-regression challenger's Task. */
export const trainLogistic = trainChallengerStep('logistic-regression', 'TrainLogistic');
/** The gradient-boosting challenger's Task. */
export const trainBoosting = trainChallengerStep('gradient-boosting', 'TrainBoosting');
