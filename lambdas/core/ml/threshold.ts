import { InvalidDataError } from '../errors.ts';
import { assertProbabilities, fBeta, operatingPoints, type OperatingPoints } from './metrics.ts';

/**
 * Choosing the decision threshold on validation data. A row is flagged for maintenance when
 * proba >= threshold; candidate thresholds are the distinct predicted probabilities, since only
 * they change which rows are flagged.
 */

/** A threshold and how it performs on the data it was chosen on. */
export interface ThresholdChoice {
  readonly threshold: number;
  readonly recall: number;
  readonly precision: number;
  /**
   * Whether recall >= targetRecall at `threshold`. True for any valid input, because the lowest
   * score flags every row (recall 1); stored so artifacts state the target was met.
   */
  readonly achievable: boolean;
}

export interface ChooseThresholdOptions {
  /** Share of failures that must be flagged, in (0, 1]. Default 0.9. */
  readonly targetRecall?: number;
}

/** A threshold maximising F-beta on the data it was chosen on. */
export interface FBetaThreshold {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly fBeta: number;
}

/** Operating points of probabilities on data that has at least one failure. */
function pointsWithPositives(yTrue: ArrayLike<number>, proba: ArrayLike<number>, purpose: string): OperatingPoints {
  assertProbabilities(proba, 'proba');
  const points = operatingPoints(yTrue, proba);
  if (points.nPositive === 0) {
    throw new InvalidDataError(`cannot ${purpose}: yTrue has no positives (no row needs maintenance), so recall is undefined`);
  }
  return points;
}

/**
 * The HIGHEST threshold t among the predicted probabilities whose recall (rows flagged by
 * proba >= t among those that need maintenance) is >= targetRecall. Highest, because lowering
 * the threshold only adds flagged rows: the highest one meeting the target flags the fewest
 * healthy machines, i.e. keeps precision as high as the recall target allows.
 *
 * Why not 0.5: failures are rare (about 3% of rows), so a calibrated classifier seldom gives a
 * failing machine a probability above 0.5 — at 0.5 recall is typically 0 and the model never
 * calls for maintenance. The threshold has to come from the recall we need.
 *
 * Throws InvalidDataError when yTrue has no positives or targetRecall is not in (0, 1].
 */
export function chooseThreshold(
  yTrue: ArrayLike<number>,
  proba: ArrayLike<number>,
  { targetRecall = 0.9 }: ChooseThresholdOptions = {},
): ThresholdChoice {
  if (!(targetRecall > 0 && targetRecall <= 1)) {
    throw new InvalidDataError(`targetRecall must be in (0, 1], got ${targetRecall}`);
  }
  const points = pointsWithPositives(yTrue, proba, 'choose a threshold for a recall target');
  // Thresholds are decreasing and recall grows along them: the first point meeting the target is
  // the highest threshold. The last point flags every row (recall 1), so the search always ends.
  let k = 0;
  while (k < points.tp.length - 1 && points.tp[k] / points.nPositive < targetRecall) k++;
  const recall = points.tp[k] / points.nPositive;
  return {
    threshold: points.thresholds[k],
    recall,
    precision: points.tp[k] / (points.tp[k] + points.fp[k]),
    achievable: recall >= targetRecall,
  };
}

/**
 * The threshold maximising F-beta (beta > 1 favours recall, e.g. 2 when a missed failure costs
 * more than an inspection); an alternative when there is no fixed recall target. On ties the
 * highest threshold wins, flagging the fewest rows. Throws InvalidDataError when yTrue has no
 * positives.
 */
export function thresholdForMaxFBeta(yTrue: ArrayLike<number>, proba: ArrayLike<number>, beta: number): FBetaThreshold {
  if (!(beta > 0 && Number.isFinite(beta))) throw new InvalidDataError(`beta must be a finite number > 0, got ${beta}`);
  const points = pointsWithPositives(yTrue, proba, 'choose a threshold maximising F-beta');
  let best: FBetaThreshold | undefined;
  for (let k = 0; k < points.tp.length; k++) {
    const precision = points.tp[k] / (points.tp[k] + points.fp[k]);
    const recall = points.tp[k] / points.nPositive;
    const score = fBeta(precision, recall, beta);
    if (best === undefined || score > best.fBeta) {
      best = { threshold: points.thresholds[k], precision, recall, fBeta: score };
    }
  }
  // points is never empty: operatingPoints rejects empty input.
  return best as FBetaThreshold;
}
