import { InvalidDataError } from '../errors.ts';
import { denseMatrix, type DenseMatrix } from './dense.ts';

/**
 * Why one reading got its probability: the few features that move it most. The sensitivity is
 * local and one feature at a time: a feature's change is the reading's probability minus the
 * probability of the same reading with that feature set to its reference (the training mean of
 * a numeric feature, the most common training level of a categorical one; explanation-features.ts
 * in contract/ builds them). Positive: the reading's value of the feature raises the risk; negative:
 * it lowers it; 0: the model does not react to it here. It works on any model that gives a
 * probability for raw rows (every DeployedModel kind), and all perturbed copies of all readings go
 * to the model in one predict call.
 */

/** One feature as an explanation names it, and how to set it to its reference in a model row. */
export interface ExplainedFeature {
  /** The contract's feature name (one name for all one-hot columns of a categorical feature). */
  readonly name: string;
  /** Model columns this feature sets: one for a numeric feature, every one-hot column of a categorical one. */
  readonly columns: readonly number[];
  /** The columns' values at the reference, in the order of `columns`. */
  readonly referenceColumns: readonly number[];
  /** The reference as a person reads it: a number, or a level. */
  readonly reference: number | string;
  /** A row's value of the feature as a person reads it. */
  valueOf(row: ArrayLike<number>): number | string;
}

/** The features an explanation may name, and how a perturbed row gets its dependent columns back. */
export interface ExplanationSpace {
  /** Model columns of a row. */
  readonly columns: number;
  readonly features: readonly ExplainedFeature[];
  /**
   * Recomputes, in place, the columns that follow from others (derived features) after a feature
   * was set to its reference. False when they cannot be computed (not finite): that feature is
   * then left out of the reading's reasons rather than scored on a made-up row.
   */
  complete(row: Float64Array): boolean;
}

/** One reason: the feature, its value in the reading, its reference, and the probability change. */
export interface Reason {
  readonly feature: string;
  readonly value: number | string;
  readonly reference: number | string;
  /** probability − probability with the feature at its reference (signed). */
  readonly change: number;
}

/** Anything that gives P(needs maintenance) for raw rows: every DeployedModel. */
export interface ProbabilityModel {
  predict(x: DenseMatrix): { readonly probability: Float64Array };
}

export interface ExplainOptions {
  /** Reasons per reading, largest |change| first. @default 3 */
  readonly topK?: number;
  /** The readings' own probabilities when the caller has them already (they are not predicted again). */
  readonly probability?: ArrayLike<number>;
}

export const DEFAULT_TOP_REASONS = 3;

/**
 * Every feature's change for each row of `x` (raw model rows), in the space's feature order; null
 * where the feature cannot be set to its reference in that row (see ExplanationSpace.complete).
 * A row whose value already equals the reference gets exactly 0 without being predicted.
 */
export function featureChanges(model: ProbabilityModel, x: DenseMatrix, space: ExplanationSpace, probability?: ArrayLike<number>): (number | null)[][] {
  if (x.cols !== space.columns) throw new InvalidDataError(`explanation: rows of ${x.cols} columns for a model of ${space.columns}`);
  if (probability !== undefined && probability.length !== x.rows) {
    throw new InvalidDataError(`explanation: ${probability.length} probabilities for ${x.rows} rows`);
  }
  const features = space.features;
  // Perturbed copies of every row, one per feature that differs from its reference.
  const copies = new Float64Array(x.rows * features.length * x.cols);
  const slot: number[][] = [];
  let n = 0;
  for (let i = 0; i < x.rows; i++) {
    const original = x.data.subarray(i * x.cols, (i + 1) * x.cols);
    slot.push(
      features.map((feature) => {
        if (feature.columns.every((c, k) => original[c] === feature.referenceColumns[k])) return -1;
        const copy = copies.subarray(n * x.cols, (n + 1) * x.cols);
        copy.set(original);
        feature.columns.forEach((c, k) => (copy[c] = feature.referenceColumns[k]));
        if (!space.complete(copy) || !copy.every(Number.isFinite)) return -2;
        return n++;
      }),
    );
  }
  const withBase = probability === undefined;
  const rows = n + (withBase ? x.rows : 0);
  const batch = denseMatrix(rows, x.cols);
  batch.data.set(copies.subarray(0, n * x.cols));
  if (withBase) batch.data.set(x.data, n * x.cols);
  const p = rows === 0 ? new Float64Array(0) : model.predict(batch).probability;
  const base = withBase ? p.subarray(n) : probability;
  return slot.map((row, i) => row.map((k) => (k === -1 ? 0 : k === -2 ? null : base[i] - p[k])));
}

/**
 * The top `topK` reasons of each row of `x`: features by |change|, largest first (ties in feature
 * order). A feature whose change is exactly 0, or that cannot be set to its reference, is no reason.
 */
export function explainRows(model: ProbabilityModel, x: DenseMatrix, space: ExplanationSpace, options: ExplainOptions = {}): Reason[][] {
  const topK = options.topK ?? DEFAULT_TOP_REASONS;
  if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`topK must be a positive integer, got ${topK}`);
  const changes = featureChanges(model, x, space, options.probability);
  return changes.map((row, i) => {
    const values = x.data.subarray(i * x.cols, (i + 1) * x.cols);
    const reasons: Reason[] = [];
    row.forEach((change, j) => {
      if (change === null || change === 0) return;
      const feature = space.features[j];
      reasons.push({ feature: feature.name, value: feature.valueOf(values), reference: feature.reference, change });
    });
    // Stable sort: equal |change| keeps the feature order.
    return reasons.sort((a, b) => Math.abs(b.change) - Math.abs(a.change)).slice(0, topK);
  });
}
