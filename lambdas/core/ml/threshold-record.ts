import { rocAuc } from './metrics.ts';
import { chooseThreshold } from './threshold.ts';

/**
 * The decision threshold as a deployed model keeps it, and the one rule that sets it for every
 * kind: the highest threshold that reaches the target recall on out-of-sample scores of the
 * training rows (leave-one-out for a GP, out-of-fold for a challenger; the test split is never
 * seen), and a row is flagged when its probability reaches it.
 */

/** How the decision threshold was chosen, kept with the model. */
export interface ThresholdRecord {
  readonly value: number;
  readonly targetRecall: number;
  /** Recall and precision on the rows the threshold was chosen on. */
  readonly recall: number;
  readonly precision: number;
  /**
   * 'leave-one-out': approximate LOO predictions of the training rows (see
   * GaussianProcessClassifier.leaveOneOut; for the sparse model the cavity of q(f_i), the same
   * construction: SparseGaussianProcessClassifier.leaveOneOut). 'out-of-fold': stratified k-fold
   * scores of the training rows, for challengers that have no leave-one-out (out-of-fold.ts).
   */
  readonly source: 'leave-one-out' | 'out-of-fold';
  /** ROC AUC of those out-of-sample scores: a first honest look at the model. */
  readonly rocAuc: number;
  /**
   * GP only: a reading goes to review when the chance that it lies on the other side of the
   * threshold exceeds this (ml/review.ts). Absent for a model without uncertainty, and in GP
   * artifacts from before the level (those use DEFAULT_REVIEW_LEVEL).
   */
  readonly reviewLevel?: number;
}

/** The threshold chosen on `scores` of the training rows with `labels`, and how it does there. */
export function thresholdRecord(labels: ArrayLike<number>, scores: ArrayLike<number>, targetRecall: number, source: ThresholdRecord['source']): ThresholdRecord {
  const choice = chooseThreshold(labels, scores, { targetRecall });
  return { value: choice.threshold, targetRecall, recall: choice.recall, precision: choice.precision, source, rocAuc: rocAuc(labels, scores) };
}

/** 1 = needs maintenance: probability ≥ the threshold. */
export function decide(probability: ArrayLike<number>, threshold: ThresholdRecord): Uint8Array {
  return Uint8Array.from(probability, (v) => (v >= threshold.value ? 1 : 0));
}
