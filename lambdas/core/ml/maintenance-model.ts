import { InvalidDataError } from '../errors.ts';
import { assertFinite, type DenseMatrix } from './dense.ts';
import { type FitSummary, GaussianProcessClassifier, type GpcOptions, type Prediction } from './gpc.ts';
import { rocAuc } from './metrics.ts';
import { StandardScaler } from './scaler.ts';
import { chooseThreshold } from './threshold.ts';

export interface TrainingSet {
  readonly X: DenseMatrix;
  readonly y: ArrayLike<number>;
  readonly featureNames: readonly string[];
}

/**
 * The classifier settings a deployment trains with unless told otherwise (docs/ml.md explains
 * each): optimise θ first on a 500-row stratified subsample, from scikit-learn's start
 * (c = 1, l = 1) and two more starts drawn log-uniformly from a box that covers every
 * sensible kernel on standardised features, then finish on all rows from the best of them.
 */
export const DEFAULT_GPC_OPTIONS: Readonly<GpcOptions> = {
  subsampleSize: 500,
  restarts: 2,
  restartBounds: [
    [0.1, 1000],
    [0.1, 100],
  ],
  seed: 0,
};

export interface TrainOptions {
  /** Merged over {@link DEFAULT_GPC_OPTIONS}. */
  readonly gpc?: GpcOptions;
  /** Recall of the "needs maintenance" class the threshold must reach. @default 0.9 */
  readonly targetRecall?: number;
  /** A scaler already fitted on exactly these training rows (the pipeline's SplitAndScale step); fitted here when absent. */
  readonly scaler?: StandardScaler;
}

/** How the decision threshold was chosen, kept with the model. */
export interface ThresholdRecord {
  readonly value: number;
  readonly targetRecall: number;
  /** Recall and precision on the rows the threshold was chosen on. */
  readonly recall: number;
  readonly precision: number;
  /** 'leave-one-out': approximate LOO predictions of the training rows (see GaussianProcessClassifier.leaveOneOut). */
  readonly source: 'leave-one-out';
  /** ROC AUC of those out-of-sample scores: a first honest look at the model. */
  readonly rocAuc: number;
}

export interface MaintenancePrediction {
  readonly probability: Float64Array;
  /** 1 = needs maintenance: probability ≥ threshold. */
  readonly label: Uint8Array;
  readonly latentMean: Float64Array;
  /** Standard deviation of the latent f: the model's uncertainty for this row. */
  readonly latentStd: Float64Array;
}

/**
 * What gets deployed: the scaler fitted on the training rows only, the GP classifier, the
 * feature names in column order and the decision threshold. Raw sensor rows in, decisions out —
 * a caller can never forget to scale, or scale with the wrong statistics.
 */
export class MaintenanceModel {
  constructor(
    readonly featureNames: readonly string[],
    readonly scaler: StandardScaler,
    readonly classifier: GaussianProcessClassifier,
    readonly threshold: ThresholdRecord,
    /** Leave-one-out predictions of the training rows, when this instance was trained (not loaded): what an unseen row looks like to the model. */
    readonly leaveOneOut?: Prediction,
  ) {
    if (featureNames.length !== scaler.nFeatures) {
      throw new InvalidDataError(`model: ${featureNames.length} feature names for a scaler of ${scaler.nFeatures} columns`);
    }
  }

  /**
   * Fits the scaler on the training rows, the classifier on the scaled rows, and chooses the
   * threshold that reaches the target recall on leave-one-out predictions of those rows.
   * The caller keeps the test split apart: nothing here ever sees it.
   */
  static train(trainingSet: TrainingSet, options: TrainOptions = {}): MaintenanceModel {
    const { X, y, featureNames } = trainingSet;
    if (featureNames.length !== X.cols) {
      throw new InvalidDataError(`training set: ${featureNames.length} feature names for ${X.cols} columns`);
    }
    const targetRecall = options.targetRecall ?? 0.9;
    const scaler = options.scaler ?? new StandardScaler().fit(X);
    if (scaler.nFeatures !== X.cols) {
      throw new InvalidDataError(`training set: a scaler of ${scaler.nFeatures} columns for ${X.cols} columns`);
    }
    const classifier = new GaussianProcessClassifier({ ...DEFAULT_GPC_OPTIONS, ...options.gpc }).fit(scaler.transform(X), y);
    const leaveOneOut = classifier.leaveOneOut();
    const loo = leaveOneOut.probability;
    const choice = chooseThreshold(y, loo, { targetRecall });
    const threshold: ThresholdRecord = {
      value: choice.threshold,
      targetRecall,
      recall: choice.recall,
      precision: choice.precision,
      source: 'leave-one-out',
      rocAuc: rocAuc(y, loo),
    };
    return new MaintenanceModel([...featureNames], scaler, classifier, threshold, leaveOneOut);
  }

  get fitSummary(): FitSummary {
    return this.classifier.summary;
  }

  /** Predictions for raw (unscaled) rows with columns in `featureNames` order. */
  predict(x: DenseMatrix): MaintenancePrediction {
    if (x.cols !== this.featureNames.length) {
      throw new InvalidDataError(`expected ${this.featureNames.length} feature columns (${this.featureNames.join(', ')}), got ${x.cols}`);
    }
    assertFinite(x, 'prediction input', this.featureNames);
    const p = this.classifier.predict(this.scaler.transform(x));
    return {
      probability: p.probability,
      label: Uint8Array.from(p.probability, (v) => (v >= this.threshold.value ? 1 : 0)),
      latentMean: p.latentMean,
      latentStd: p.latentVariance.map(Math.sqrt),
    };
  }
}
