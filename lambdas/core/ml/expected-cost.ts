import { InvalidDataError } from '../errors.ts';
import { operatingPoints } from './metrics.ts';

/**
 * What a model's errors cost on a labelled set, in the units of a needless inspection: a missed
 * failure costs `missedFailure`, a needless inspection `inspection`. The maintenance planner's
 * view of a threshold: not "recall 0.9" but "what flagging at this threshold would have cost".
 */

export interface ErrorCosts {
  /** Cost of a machine that needed maintenance and was not flagged. */
  readonly missedFailure: number;
  /** Cost of inspecting a flagged machine that was healthy. */
  readonly inspection: number;
}

/** Missed failures 10 times as costly as a needless inspection: a common planning ratio; config.costs overrides it. */
export const DEFAULT_ERROR_COSTS: ErrorCosts = { missedFailure: 10, inspection: 1 };

export interface CostAtThreshold {
  readonly threshold: number;
  readonly missed: number;
  readonly needlessInspections: number;
  readonly cost: number;
}

function checkCosts(costs: ErrorCosts): void {
  for (const [name, value] of Object.entries(costs)) {
    if (!(Number.isFinite(value) && value > 0)) throw new InvalidDataError(`costs.${name} must be a positive number, got ${value}`);
  }
}

/** The cost of flagging every row whose probability is at least `threshold`. */
export function costAt(yTrue: ArrayLike<number>, proba: ArrayLike<number>, threshold: number, costs: ErrorCosts): CostAtThreshold {
  checkCosts(costs);
  let missed = 0;
  let needless = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const flagged = proba[i]! >= threshold;
    if (yTrue[i] === 1 && !flagged) missed++;
    if (yTrue[i] === 0 && flagged) needless++;
  }
  return { threshold, missed, needlessInspections: needless, cost: missed * costs.missedFailure + needless * costs.inspection };
}

/**
 * The threshold with the lowest cost on this set, among the scores themselves (flag every row
 * scoring at least it) and "flag nothing" (threshold +∞). Ties go to the higher threshold: fewer
 * inspections for the same cost.
 */
export function cheapestThreshold(yTrue: ArrayLike<number>, proba: ArrayLike<number>, costs: ErrorCosts): CostAtThreshold {
  checkCosts(costs);
  const points = operatingPoints(yTrue, proba);
  let best: CostAtThreshold = { threshold: Number.POSITIVE_INFINITY, missed: points.nPositive, needlessInspections: 0, cost: points.nPositive * costs.missedFailure };
  for (let k = 0; k < points.thresholds.length; k++) {
    const missed = points.nPositive - points.tp[k]!;
    const cost = missed * costs.missedFailure + points.fp[k]! * costs.inspection;
    if (cost < best.cost) best = { threshold: points.thresholds[k]!, missed, needlessInspections: points.fp[k]!, cost };
  }
  return best;
}

/**
 * Precision at k: of the k rows with the highest probability (an inspection budget of k
 * machines), the share that needed maintenance. Rows tied with the k-th are counted by their
 * share of the tie, so the answer does not depend on the order of equal scores.
 */
export function precisionAtK(yTrue: ArrayLike<number>, proba: ArrayLike<number>, k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > yTrue.length) throw new InvalidDataError(`k must be a whole number from 1 to ${yTrue.length}, got ${k}`);
  const points = operatingPoints(yTrue, proba);
  let before = { rows: 0, positives: 0 };
  for (let p = 0; p < points.thresholds.length; p++) {
    const rows = points.tp[p]! + points.fp[p]!;
    if (rows >= k) {
      const tieRows = rows - before.rows;
      const tiePositives = points.tp[p]! - before.positives;
      return (before.positives + (tiePositives * (k - before.rows)) / tieRows) / k;
    }
    before = { rows, positives: points.tp[p]! };
  }
  return before.positives / k;
}
