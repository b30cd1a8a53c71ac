import { InvalidDataError } from '../errors.ts';
import type { DenseMatrix } from './dense.ts';
import type { GradientBoostingClassifier } from './boosting/gradient-boosting.ts';
import type { LogisticRegression } from './logistic/logistic-regression.ts';
import type { TrainingSet } from './maintenance-model.ts';
import { assertFeatureColumns, scaledInput } from './model-input.ts';
import { outOfFoldProbability, type OutOfFoldOptions } from './out-of-fold.ts';
import type { StandardScaler } from './scaler.ts';
import { decide, type ThresholdRecord, thresholdRecord } from './threshold-record.ts';

/**
 * A challenger as it is deployed: the scaler fitted on the training rows, a classifier that gives
 * a probability and nothing more (logistic regression, gradient-boosted trees), the feature names
 * and the decision threshold. The sibling of MaintenanceModel for models without uncertainty: its
 * predictions have no latent mean or standard deviation, so nothing downstream can invent a
 * `review` for them.
 */

/** The challenger classifiers Prognos ships. */
export type ChallengerClassifier = LogisticRegression | GradientBoostingClassifier;
export type ChallengerKind = ChallengerClassifier['kind'];

/** A prediction of a model without uncertainty: the latent fields are null, never made up. */
export interface ProbabilityPrediction {
  readonly probability: Float64Array;
  /** 1 = needs maintenance: probability ≥ threshold. */
  readonly label: Uint8Array;
  readonly latentMean: null;
  readonly latentStd: null;
}

export interface ChallengerTrainOptions extends OutOfFoldOptions {
  /** Recall of the "needs maintenance" class the threshold must reach. @default 0.9 */
  readonly targetRecall?: number;
}

export class ChallengerModel<C extends ChallengerClassifier = ChallengerClassifier> {
  /** Says, to every reader of a deployed model, that this one has no latent uncertainty. */
  readonly hasUncertainty = false as const;

  constructor(
    readonly featureNames: readonly string[],
    readonly scaler: StandardScaler,
    readonly classifier: C,
    readonly threshold: ThresholdRecord,
  ) {
    assertFeatureColumns(featureNames, scaler);
    if (classifier.summary.nFeatures !== scaler.nFeatures) {
      throw new InvalidDataError(`model: a ${classifier.kind} of ${classifier.summary.nFeatures} inputs for a scaler of ${scaler.nFeatures} columns`);
    }
  }

  /**
   * Fits `fit` on the scaled training rows and chooses the threshold that reaches the target
   * recall on stratified out-of-fold probabilities of those rows (the GP's rule, on the scores
   * an unseen row gets: in-sample scores of boosted trees are far too confident for it).
   * @param fit fits the classifier on scaled rows and 0/1 labels
   */
  static train<C extends ChallengerClassifier>(trainingSet: TrainingSet, scaler: StandardScaler, fit: (x: DenseMatrix, y: Uint8Array) => C, options: ChallengerTrainOptions = {}): ChallengerModel<C> {
    const { X, y, featureNames } = trainingSet;
    if (featureNames.length !== X.cols || scaler.nFeatures !== X.cols) {
      throw new InvalidDataError(`training set: ${X.cols} columns, ${featureNames.length} feature names and a scaler of ${scaler.nFeatures} columns; they must agree`);
    }
    const xs = scaler.transform(X);
    const labels = Uint8Array.from(y);
    const classifier = fit(xs, labels);
    const outOfFold = outOfFoldProbability(xs, labels, fit, options);
    const targetRecall = options.targetRecall ?? 0.9;
    const threshold = thresholdRecord(labels, outOfFold, targetRecall, 'out-of-fold');
    return new ChallengerModel([...featureNames], scaler, classifier, threshold);
  }

  get kind(): C['kind'] {
    return this.classifier.kind;
  }

  /** Predictions for raw (unscaled) rows with columns in `featureNames` order. */
  predict(x: DenseMatrix): ProbabilityPrediction {
    const probability = this.classifier.predictProbability(scaledInput(x, this.featureNames, this.scaler));
    return {
      probability,
      label: decide(probability, this.threshold),
      latentMean: null,
      latentStd: null,
    };
  }
}
