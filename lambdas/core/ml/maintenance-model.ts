import { InvalidDataError } from '../errors.ts';
import type { DenseMatrix } from './dense.ts';
import { GaussianProcessClassifier, type GpcOptions, type Prediction } from './gpc.ts';
import type { ConstantRbfKernel } from './kernel.ts';
import { assertFeatureColumns, scaledInput } from './model-input.ts';
import type { ModelKind } from './resumable-fit.ts';
import { StandardScaler } from './scaler.ts';
import { fitSparse, type SparseFitOptions } from './sparse/sparse-fit.ts';
import type { SparseGaussianProcessClassifier } from './sparse/svgp.ts';
import { assertReviewLevel } from './review.ts';
import { decide, type ThresholdRecord, thresholdRecord } from './threshold-record.ts';

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

/**
 * What MaintenanceModel needs from a fitted classifier, whatever its kind. The exact
 * GaussianProcessClassifier satisfies it as it is (it predates kinds, so it has no `kind`: absent
 * means 'gpc-exact'); the sparse one says 'gpc-sparse'.
 */
export interface MaintenanceClassifier {
  readonly kind?: ModelKind;
  /** The fitted kernel c × RBF(ℓ) (isotropic or one ℓ per input). */
  readonly kernel: ConstantRbfKernel;
  readonly summary: { readonly nTrain: number; readonly nPositive: number; readonly theta: number[]; readonly kernel: string; readonly fitSeconds: number };
  /** Probability, latent mean and variance for scaled rows. */
  predict(x: DenseMatrix): Prediction;
  /**
   * Out-of-sample-like predictions of the training rows, for the threshold and the drift
   * reference: approximate leave-one-out (exact), the cavity of q(f_i) (sparse).
   */
  leaveOneOut(): Prediction;
}

/** The classifiers Prognos ships: what a loaded artifact may hold. */
export type KnownClassifier = GaussianProcessClassifier | SparseGaussianProcessClassifier;

/** The kind of a classifier: its own `kind`, or 'gpc-exact' for the exact GP. */
export function classifierKind(classifier: MaintenanceClassifier): ModelKind {
  return classifier.kind ?? 'gpc-exact';
}

export interface TrainOptions {
  /** Merged over {@link DEFAULT_GPC_OPTIONS}. */
  readonly gpc?: GpcOptions;
  /** Recall of the "needs maintenance" class the threshold must reach. @default 0.9 */
  readonly targetRecall?: number;
  /** A scaler already fitted on exactly these training rows (the pipeline's SplitAndScale step); fitted here when absent. */
  readonly scaler?: StandardScaler;
}

export type { ThresholdRecord } from './threshold-record.ts';

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
export class MaintenanceModel<C extends MaintenanceClassifier = KnownClassifier> {
  /** A GP gives a latent mean and sd per row (see ChallengerModel for models that do not). */
  readonly hasUncertainty = true as const;

  constructor(
    readonly featureNames: readonly string[],
    readonly scaler: StandardScaler,
    readonly classifier: C,
    readonly threshold: ThresholdRecord,
    /** Leave-one-out predictions of the training rows, when this instance was trained (not loaded): what an unseen row looks like to the model. */
    readonly leaveOneOut?: Prediction,
  ) {
    assertFeatureColumns(featureNames, scaler);
  }

  /**
   * Fits the scaler on the training rows, the classifier on the scaled rows, and chooses the
   * threshold that reaches the target recall on leave-one-out predictions of those rows.
   * The caller keeps the test split apart: nothing here ever sees it.
   */
  static train(trainingSet: TrainingSet, options: TrainOptions = {}): MaintenanceModel<GaussianProcessClassifier> {
    const scaler = trainingScaler(trainingSet, options.scaler);
    const classifier = new GaussianProcessClassifier({ ...DEFAULT_GPC_OPTIONS, ...options.gpc }).fit(scaler.transform(trainingSet.X), trainingSet.y);
    return MaintenanceModel.fromClassifier(trainingSet, scaler, classifier, options);
  }

  /** {@link train} with the sparse GP, fitted in one go (Train fits it through ResumableFit instead). */
  static trainSparse(trainingSet: TrainingSet, options: Omit<TrainOptions, 'gpc'> & { readonly sparse?: SparseFitOptions } = {}): MaintenanceModel<SparseGaussianProcessClassifier> {
    const scaler = trainingScaler(trainingSet, options.scaler);
    const classifier = fitSparse(scaler.transform(trainingSet.X), trainingSet.y, options.sparse);
    return MaintenanceModel.fromClassifier(trainingSet, scaler, classifier, options);
  }

  /**
   * Wraps a classifier already fitted on `scaler.transform(trainingSet.X)` and labels
   * `trainingSet.y`, choosing the threshold that reaches the target recall on its out-of-sample
   * scores of those rows (see {@link MaintenanceClassifier.leaveOneOut}).
   */
  static fromClassifier<C extends MaintenanceClassifier>(trainingSet: TrainingSet, scaler: StandardScaler, classifier: C, options: { readonly targetRecall?: number } = {}): MaintenanceModel<C> {
    const { X, y, featureNames } = trainingSet;
    checkTrainingSet(trainingSet, scaler);
    if (classifier.summary.nTrain !== X.rows) {
      throw new InvalidDataError(`training set has ${X.rows} rows but the classifier was fitted on ${classifier.summary.nTrain}`);
    }
    const targetRecall = options.targetRecall ?? 0.9;
    const leaveOneOut = classifier.leaveOneOut();
    const loo = leaveOneOut.probability;
    const threshold = thresholdRecord(y, loo, targetRecall, 'leave-one-out');
    return new MaintenanceModel([...featureNames], scaler, classifier, threshold, leaveOneOut);
  }

  get kind(): ModelKind {
    return classifierKind(this.classifier);
  }

  /** The same model with its review level (config.reviewLevel) kept beside the threshold, so every scorer applies the same rule. */
  withReviewLevel(level: number): MaintenanceModel<C> {
    assertReviewLevel(level);
    return new MaintenanceModel(this.featureNames, this.scaler, this.classifier, { ...this.threshold, reviewLevel: level }, this.leaveOneOut);
  }

  get fitSummary(): C['summary'] {
    return this.classifier.summary;
  }

  /** Predictions for raw (unscaled) rows with columns in `featureNames` order. */
  predict(x: DenseMatrix): MaintenancePrediction {
    const p = this.classifier.predict(scaledInput(x, this.featureNames, this.scaler));
    return {
      probability: p.probability,
      label: decide(p.probability, this.threshold),
      latentMean: p.latentMean,
      latentStd: p.latentVariance.map(Math.sqrt),
    };
  }
}

function checkTrainingSet({ X, featureNames }: TrainingSet, scaler: StandardScaler): void {
  if (featureNames.length !== X.cols) {
    throw new InvalidDataError(`training set: ${featureNames.length} feature names for ${X.cols} columns`);
  }
  if (scaler.nFeatures !== X.cols) {
    throw new InvalidDataError(`training set: a scaler of ${scaler.nFeatures} columns for ${X.cols} columns`);
  }
}

/** The given scaler (checked), or one fitted on the training rows. */
function trainingScaler(trainingSet: TrainingSet, scaler: StandardScaler | undefined): StandardScaler {
  if (trainingSet.featureNames.length !== trainingSet.X.cols) {
    throw new InvalidDataError(`training set: ${trainingSet.featureNames.length} feature names for ${trainingSet.X.cols} columns`);
  }
  const fitted = scaler ?? new StandardScaler().fit(trainingSet.X);
  checkTrainingSet(trainingSet, fitted);
  return fitted;
}
