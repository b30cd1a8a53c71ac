import { InvalidDataError, ShapeError } from '../errors.ts';

/**
 * Binary-classification metrics for the maintenance model. Class 1 is "needs maintenance" (the
 * positive class); `proba`/`scores` are the predicted probability of class 1.
 *
 * Every function validates its input and throws InvalidDataError (bad value, undefined metric)
 * or ShapeError (length mismatch) naming what is wrong. Curves and ranking metrics sort the
 * scores once (O(n log n)) and follow scikit-learn's definitions, so values can be checked
 * against it; test/unit/ml/fixtures/make_metrics_fixture.py produces the golden values.
 */

/** Counts of the four outcomes of a 0/1 prediction against the truth. */
export interface ConfusionMatrix {
  /** Needs maintenance, flagged. */
  readonly tp: number;
  /** Healthy, flagged (a wasted inspection). */
  readonly fp: number;
  /** Healthy, not flagged. */
  readonly tn: number;
  /** Needs maintenance, missed (the expensive error). */
  readonly fn: number;
}

/** Threshold metrics of `proba >= threshold` against the truth. */
export interface ClassificationReport {
  readonly threshold: number;
  readonly confusion: ConfusionMatrix;
  readonly accuracy: number;
  /** tp / (tp + fp); 0 when nothing is flagged. */
  readonly precision: number;
  /** tp / (tp + fn); 0 when there are no positives. */
  readonly recall: number;
  /** tn / (tn + fp); 0 when there are no negatives. */
  readonly specificity: number;
  readonly f1: number;
  /** F-beta with beta = 2: recall weighted higher, as a missed failure costs more than an inspection. */
  readonly f2: number;
  /** Mean of recall and specificity: accuracy that is not fooled by class imbalance. */
  readonly balancedAccuracy: number;
}

/** Receiver operating characteristic: one point per distinct score, thresholds decreasing. */
export interface RocCurve {
  readonly fpr: number[];
  readonly tpr: number[];
  /** thresholds[0] is +Infinity (nothing flagged, the point (0, 0)). */
  readonly thresholds: number[];
}

/**
 * Precision-recall curve in scikit-learn's order: thresholds increasing; precision[i] and recall[i]
 * belong to thresholds[i], and one final point (precision 1, recall 0) has no threshold, so
 * precision and recall are one longer than thresholds and recall is non-increasing.
 */
export interface PrecisionRecallCurve {
  readonly precision: number[];
  readonly recall: number[];
  readonly thresholds: number[];
}

/** One non-empty bin of a reliability diagram. */
export interface CalibrationBin {
  /** Bin edges: the bin holds lower < p <= upper (the first bin also holds p = 0). */
  readonly lower: number;
  readonly upper: number;
  /** Mean predicted probability of the rows in the bin (x of the diagram). */
  readonly meanPredicted: number;
  /** Observed fraction of positives in the bin (y of the diagram). */
  readonly fractionPositive: number;
  readonly count: number;
}

/** Everything the model artifact and reports store about a model on a labelled set. */
export interface ModelMetrics extends ClassificationReport {
  readonly rocAuc: number;
  readonly averagePrecision: number;
  /** Brier score: mean squared error of the probabilities. */
  readonly brier: number;
  readonly logLoss: number;
  readonly nPositive: number;
  readonly nNegative: number;
}

/**
 * Cumulative counts at each distinct score, scores decreasing: flagging every row with
 * score >= thresholds[k] gives tp[k] true and fp[k] false positives (scikit-learn's
 * `_binary_clf_curve`). The last point flags every row.
 */
export interface OperatingPoints {
  readonly thresholds: number[];
  readonly tp: number[];
  readonly fp: number[];
  readonly nPositive: number;
  readonly nNegative: number;
}

// ---------------------------------------------------------------------------------------------
// Validation

function assertSameLength(a: ArrayLike<number>, b: ArrayLike<number>, aName: string, bName: string): void {
  if (a.length !== b.length) {
    throw new ShapeError(`${aName} has ${a.length} values but ${bName} has ${b.length}; they must have the same length`);
  }
  if (a.length === 0) {
    throw new InvalidDataError(`${aName} and ${bName} are empty; metrics need at least one row`);
  }
}

/** Throws InvalidDataError naming the first value that is not 0 or 1. */
export function assertLabels(labels: ArrayLike<number>, name = 'yTrue'): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v !== 0 && v !== 1) {
      throw new InvalidDataError(`${name}[${i}] is ${v}; labels must be 0 or 1 (1 = needs maintenance)`);
    }
  }
}

/** Throws InvalidDataError naming the first NaN or ±Infinity. */
export function assertFiniteScores(scores: ArrayLike<number>, name = 'scores'): void {
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidDataError(`${name}[${i}] is ${v}; scores must be finite numbers`);
    }
  }
}

/** Throws InvalidDataError naming the first value that is not a finite number in [0, 1]. */
export function assertProbabilities(proba: ArrayLike<number>, name = 'proba'): void {
  for (let i = 0; i < proba.length; i++) {
    const v = proba[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
      throw new InvalidDataError(`${name}[${i}] is ${v}; probabilities must be finite numbers in [0, 1]`);
    }
  }
}

function assertLabelsAndProbabilities(yTrue: ArrayLike<number>, proba: ArrayLike<number>): void {
  assertSameLength(yTrue, proba, 'yTrue', 'proba');
  assertLabels(yTrue, 'yTrue');
  assertProbabilities(proba, 'proba');
}

// ---------------------------------------------------------------------------------------------
// Threshold metrics

/** Counts tp/fp/tn/fn of the 0/1 predictions `yPred` against `yTrue`. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): ConfusionMatrix {
  assertSameLength(yTrue, yPred, 'yTrue', 'yPred');
  assertLabels(yTrue, 'yTrue');
  assertLabels(yPred, 'yPred');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yPred[i] === 1) {
      if (yTrue[i] === 1) tp++;
      else fp++;
    } else if (yTrue[i] === 1) fn++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

/**
 * num / den, or 0 when den is 0. This is scikit-learn's `zero_division=0`: precision with nothing
 * flagged (and recall with no positives) counts as 0, a conservative score that stays a plain,
 * JSON-serialisable number instead of NaN.
 */
function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/**
 * F-beta score: weighted harmonic mean of precision and recall, recall counting beta times as
 * much. 0 when precision and recall are both 0.
 */
export function fBeta(precision: number, recall: number, beta: number): number {
  if (!(precision >= 0 && precision <= 1)) throw new InvalidDataError(`precision must be in [0, 1], got ${precision}`);
  if (!(recall >= 0 && recall <= 1)) throw new InvalidDataError(`recall must be in [0, 1], got ${recall}`);
  if (!(beta > 0 && Number.isFinite(beta))) throw new InvalidDataError(`beta must be a finite number > 0, got ${beta}`);
  const b2 = beta * beta;
  return ratio((1 + b2) * precision * recall, b2 * precision + recall);
}

function reportFromConfusion(threshold: number, confusion: ConfusionMatrix): ClassificationReport {
  const { tp, fp, tn, fn } = confusion;
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const specificity = ratio(tn, tn + fp);
  return {
    threshold,
    confusion,
    accuracy: (tp + tn) / (tp + fp + tn + fn),
    precision,
    recall,
    specificity,
    f1: fBeta(precision, recall, 1),
    f2: fBeta(precision, recall, 2),
    balancedAccuracy: (recall + specificity) / 2,
  };
}

function assertThreshold(threshold: number): void {
  // Finite so the report stays JSON-serialisable; values outside [0, 1] are allowed (flag all/none).
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new InvalidDataError(`threshold must be a finite number, got ${threshold}`);
  }
}

/** Threshold metrics of flagging every row with `proba >= threshold`. */
export function classificationReport(
  yTrue: ArrayLike<number>,
  proba: ArrayLike<number>,
  threshold: number,
): ClassificationReport {
  assertLabelsAndProbabilities(yTrue, proba);
  assertThreshold(threshold);
  const yPred = Array.from(proba, (p) => (p >= threshold ? 1 : 0));
  return reportFromConfusion(threshold, confusionMatrix(yTrue, yPred));
}

// ---------------------------------------------------------------------------------------------
// Ranking metrics (threshold-free)

/**
 * Sorts the scores descending once and accumulates tp/fp at each distinct score. Ties share one
 * point, so tied rows are never split by an arbitrary sort order.
 */
export function operatingPoints(yTrue: ArrayLike<number>, scores: ArrayLike<number>): OperatingPoints {
  assertSameLength(yTrue, scores, 'yTrue', 'scores');
  assertLabels(yTrue, 'yTrue');
  assertFiniteScores(scores, 'scores');
  const s = Float64Array.from(scores);
  const order = Uint32Array.from({ length: s.length }, (_, i) => i).sort((a, b) => s[b] - s[a]);
  const thresholds: number[] = [];
  const tp: number[] = [];
  const fp: number[] = [];
  let positives = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    positives += yTrue[i];
    // Close a point at the last row of each run of equal scores.
    if (k === order.length - 1 || s[order[k + 1]] !== s[i]) {
      thresholds.push(s[i]);
      tp.push(positives);
      fp.push(k + 1 - positives);
    }
  }
  return { thresholds, tp, fp, nPositive: positives, nNegative: order.length - positives };
}

function assertBothClasses(points: OperatingPoints, metric: string): void {
  if (points.nPositive === 0 || points.nNegative === 0) {
    const only = points.nPositive === 0 ? '0 (no row needs maintenance)' : '1 (every row needs maintenance)';
    throw new InvalidDataError(`${metric} is undefined when yTrue has only one class: every label is ${only}`);
  }
}

function assertSomePositive(points: OperatingPoints, metric: string): void {
  if (points.nPositive === 0) {
    throw new InvalidDataError(`${metric} is undefined when yTrue has no positives (no row needs maintenance)`);
  }
}

/**
 * ROC curve with every distinct score as a threshold (scikit-learn's
 * `roc_curve(drop_intermediate=False)`), starting at (0, 0) with threshold +Infinity.
 * Needs both classes in yTrue.
 */
export function rocCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>): RocCurve {
  const points = operatingPoints(yTrue, scores);
  assertBothClasses(points, 'ROC curve');
  return {
    fpr: [0, ...points.fp.map((fp) => fp / points.nNegative)],
    tpr: [0, ...points.tp.map((tp) => tp / points.nPositive)],
    thresholds: [Infinity, ...points.thresholds],
  };
}

/** Trapezoidal area under the ROC curve, in integer counts to keep rounding to one division. */
function aucOf(points: OperatingPoints): number {
  let twiceArea = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let k = 0; k < points.tp.length; k++) {
    twiceArea += (points.fp[k] - prevFp) * (points.tp[k] + prevTp);
    prevTp = points.tp[k];
    prevFp = points.fp[k];
  }
  return twiceArea / (2 * points.nPositive * points.nNegative);
}

/**
 * Area under the ROC curve (trapezoidal, so tied scores count one half as in scikit-learn's
 * `roc_auc_score`): the probability that a random positive scores above a random negative.
 * Throws InvalidDataError when yTrue has only one class.
 */
export function rocAuc(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  const points = operatingPoints(yTrue, scores);
  assertBothClasses(points, 'ROC AUC');
  return aucOf(points);
}

/**
 * Precision and recall at every distinct score, like scikit-learn's `precision_recall_curve`
 * (see PrecisionRecallCurve for the order). Throws InvalidDataError when there are no positives,
 * where recall is undefined.
 */
export function precisionRecallCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>): PrecisionRecallCurve {
  const points = operatingPoints(yTrue, scores);
  assertSomePositive(points, 'precision-recall curve');
  // Every point flags at least one row, so tp + fp > 0.
  const precision = points.tp.map((tp, k) => tp / (tp + points.fp[k])).reverse();
  const recall = points.tp.map((tp) => tp / points.nPositive).reverse();
  precision.push(1);
  recall.push(0);
  return { precision, recall, thresholds: [...points.thresholds].reverse() };
}

/** Step-wise area sum_n (R_n - R_{n-1}) P_n, walking thresholds downwards from R_0 = 0. */
function averagePrecisionOf(points: OperatingPoints): number {
  let sum = 0;
  let prevTp = 0;
  for (let k = 0; k < points.tp.length; k++) {
    const tp = points.tp[k];
    sum += ((tp - prevTp) / points.nPositive) * (tp / (tp + points.fp[k]));
    prevTp = tp;
  }
  return sum;
}

/**
 * Average precision as scikit-learn's `average_precision_score`: sum_n (R_n - R_{n-1}) P_n over
 * distinct thresholds, no interpolation (ties form one step). Throws InvalidDataError when there
 * are no positives.
 */
export function averagePrecision(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  const points = operatingPoints(yTrue, scores);
  assertSomePositive(points, 'average precision');
  return averagePrecisionOf(points);
}

// ---------------------------------------------------------------------------------------------
// Probability quality

/** Brier score: mean of (proba - yTrue)^2; 0 is perfect, 0.25 is a constant 0.5. */
export function brierScore(yTrue: ArrayLike<number>, proba: ArrayLike<number>): number {
  assertLabelsAndProbabilities(yTrue, proba);
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) sum += (proba[i] - yTrue[i]) ** 2;
  return sum / yTrue.length;
}

/**
 * Mean negative log-likelihood of the labels. Probabilities are clipped to [eps, 1 - eps], as
 * scikit-learn does, so one confident mistake costs -log(eps) instead of Infinity.
 */
export function logLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>, eps = 1e-15): number {
  assertLabelsAndProbabilities(yTrue, proba);
  if (!(eps > 0 && eps < 0.5)) throw new InvalidDataError(`eps must be in (0, 0.5), got ${eps}`);
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(Math.max(proba[i], eps), 1 - eps);
    sum -= yTrue[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / yTrue.length;
}

/** Edge i of nBins uniform bins, computed as numpy's linspace does (i * step, last edge exactly 1). */
function binEdge(i: number, nBins: number): number {
  return i === nBins ? 1 : i * (1 / nBins);
}

/** Bin of p: bins are (lower, upper], the first also holding 0 (numpy searchsorted, side='left'). */
function binOf(p: number, nBins: number): number {
  let k = Math.min(nBins - 1, Math.max(0, Math.ceil(p * nBins) - 1));
  // The product can round across an edge; settle against the exact edges.
  while (k > 0 && p <= binEdge(k, nBins)) k--;
  while (k < nBins - 1 && p > binEdge(k + 1, nBins)) k++;
  return k;
}

/**
 * Reliability diagram with nBins uniform bins on [0, 1], empty bins omitted, like scikit-learn's
 * `calibration_curve(strategy='uniform')`. A calibrated model has fractionPositive ≈ meanPredicted.
 */
export function calibrationCurve(yTrue: ArrayLike<number>, proba: ArrayLike<number>, nBins = 10): CalibrationBin[] {
  assertLabelsAndProbabilities(yTrue, proba);
  if (!Number.isInteger(nBins) || nBins < 1) throw new InvalidDataError(`nBins must be an integer >= 1, got ${nBins}`);
  const sumPredicted = new Float64Array(nBins);
  const positives = new Float64Array(nBins);
  const counts = new Float64Array(nBins);
  for (let i = 0; i < yTrue.length; i++) {
    const k = binOf(proba[i], nBins);
    sumPredicted[k] += proba[i];
    positives[k] += yTrue[i];
    counts[k]++;
  }
  const bins: CalibrationBin[] = [];
  for (let k = 0; k < nBins; k++) {
    if (counts[k] === 0) continue;
    bins.push({
      lower: binEdge(k, nBins),
      upper: binEdge(k + 1, nBins),
      meanPredicted: sumPredicted[k] / counts[k],
      fractionPositive: positives[k] / counts[k],
      count: counts[k],
    });
  }
  return bins;
}

/** z of a two-sided 95 % interval: the standard normal's 0.975 quantile. */
const Z_95 = 1.959963984540054;

/**
 * The Wilson score interval of a proportion `successes / trials` (95 % by default), as scipy's
 * `binomtest(k, n).proportion_ci(method='wilson')`: unlike p ± z·√(p(1−p)/n) it stays inside
 * [0, 1] and is honest at 0 or n successes, which matters for recall on a few dozen failures
 * (on AI4I's holdout one miss moves recall by about 0.01).
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): { readonly low: number; readonly high: number } {
  if (!Number.isInteger(trials) || trials < 1) throw new InvalidDataError(`trials must be a whole number >= 1, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) throw new InvalidDataError(`successes must be a whole number from 0 to ${trials}, got ${successes}`);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Reliability diagram with nBins bins of (about) equal row counts, like scikit-learn's
 * `calibration_curve(strategy='quantile')`: the edges are the probabilities' percentiles (linear
 * interpolation, as np.percentile), and a row goes to the bin of the first inner edge it does not
 * exceed. On a rare class most probabilities are small, so uniform bins put most rows in the first
 * one; these bins resolve that region. Empty bins (tied edges) are omitted.
 */
export function calibrationCurveQuantile(yTrue: ArrayLike<number>, proba: ArrayLike<number>, nBins = 10): CalibrationBin[] {
  assertLabelsAndProbabilities(yTrue, proba);
  if (!Number.isInteger(nBins) || nBins < 1) throw new InvalidDataError(`nBins must be an integer >= 1, got ${nBins}`);
  const sorted = Float64Array.from(proba).sort();
  const percentile = (q: number): number => {
    const at = q * (sorted.length - 1);
    const below = Math.floor(at);
    const above = Math.min(below + 1, sorted.length - 1);
    return sorted[below]! + (sorted[above]! - sorted[below]!) * (at - below);
  };
  const edges = Array.from({ length: nBins + 1 }, (_, k) => percentile(k / nBins));
  const sumPredicted = new Float64Array(nBins);
  const positives = new Float64Array(nBins);
  const counts = new Float64Array(nBins);
  for (let i = 0; i < yTrue.length; i++) {
    // np.searchsorted(edges[1:-1], p, side='left'): the inner edges strictly below p.
    let k = 0;
    while (k < nBins - 1 && edges[k + 1]! < proba[i]!) k++;
    sumPredicted[k] += proba[i]!;
    positives[k] += yTrue[i]!;
    counts[k]++;
  }
  const bins: CalibrationBin[] = [];
  for (let k = 0; k < nBins; k++) {
    if (counts[k] === 0) continue;
    bins.push({ lower: edges[k]!, upper: edges[k + 1]!, meanPredicted: sumPredicted[k] / counts[k], fractionPositive: positives[k] / counts[k], count: counts[k] });
  }
  return bins;
}

// ---------------------------------------------------------------------------------------------
// Everything at once

/**
 * All stored metrics of a model on a labelled set: the report at `threshold` plus ROC AUC,
 * average precision, Brier score and log loss. Sorts once. Needs both classes in yTrue (ROC AUC
 * is undefined otherwise), which any meaningful test set has.
 */
export function evaluate(yTrue: ArrayLike<number>, proba: ArrayLike<number>, threshold: number): ModelMetrics {
  const report = classificationReport(yTrue, proba, threshold);
  const points = operatingPoints(yTrue, proba);
  assertBothClasses(points, 'ROC AUC');
  return {
    ...report,
    rocAuc: aucOf(points),
    averagePrecision: averagePrecisionOf(points),
    brier: brierScore(yTrue, proba),
    logLoss: logLoss(yTrue, proba),
    nPositive: points.nPositive,
    nNegative: points.nNegative,
  };
}
