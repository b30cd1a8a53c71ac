import { InvalidDataError, ShapeError } from '../errors.ts';
import { assertFinite, type DenseMatrix } from '../ml/dense.ts';
import { countAtOrBelow, quantileOfSorted, REFERENCE_PROBABILITIES } from './quantiles.ts';
import type { FeatureReference, TrainingReference } from './types.ts';

/**
 * The training distribution that batch inference compares each batch with. Per model input and
 * for the latent variance: 99 quantiles (type 7), the exact count of training rows at or below
 * each, min, max, mean and population sd. About 2 KB per feature as JSON, whatever the row count.
 */

/** Summary of one column of values; `values` is not modified. */
export function referenceOf(name: string, values: ArrayLike<number>): FeatureReference {
  const n = values.length;
  if (n === 0) throw new InvalidDataError(`${name}: no values to build a reference from`);
  const sorted = Float64Array.from(values).sort();
  const quantiles = REFERENCE_PROBABILITIES.map((p) => quantileOfSorted(sorted, p));
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i] - mean) ** 2;
  return {
    name,
    quantiles,
    probabilities: [...REFERENCE_PROBABILITIES],
    belowQuantile: quantiles.map((q) => countAtOrBelow(sorted, q)),
    min: sorted[0],
    max: sorted[n - 1],
    mean,
    // Population sd (numpy's default): defined for a single row too.
    sd: Math.sqrt(squares / n),
  };
}

/**
 * @param x raw, unscaled model inputs of the training rows (one-hot columns included), n × p
 * @param featureNames the model's input names, in column order
 * @param latentVariance the model's out-of-sample latent variance per training row (n values); null for a model without uncertainty
 */
export function buildReference(x: DenseMatrix, featureNames: readonly string[], latentVariance: ArrayLike<number> | null): TrainingReference {
  if (featureNames.length !== x.cols) {
    throw new ShapeError(`${featureNames.length} feature names for a matrix with ${x.cols} columns`);
  }
  const duplicate = featureNames.find((name, j) => featureNames.indexOf(name) !== j);
  if (duplicate !== undefined) {
    // Summaries are matched to the reference by name.
    throw new InvalidDataError(`feature name ${duplicate} appears twice; reference features must have unique names`);
  }
  if (x.rows === 0) throw new InvalidDataError('no training rows to build a drift reference from');
  assertFinite(x, 'training features', featureNames);
  const column = new Float64Array(x.rows);
  const features = featureNames.map((name, j) => {
    for (let i = 0; i < x.rows; i++) column[i] = x.data[i * x.cols + j];
    return referenceOf(name, column);
  });
  return { version: 1, rows: x.rows, features, latentVariance: latentVariance === null ? null : uncertaintyReference(latentVariance, x.rows) };
}

function uncertaintyReference(latentVariance: ArrayLike<number>, rows: number): FeatureReference {
  if (latentVariance.length !== rows) {
    throw new ShapeError(`latentVariance has ${latentVariance.length} values for ${rows} training rows`);
  }
  let varianceSum = 0;
  for (let i = 0; i < latentVariance.length; i++) {
    const v = latentVariance[i];
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new InvalidDataError(`latentVariance[${i}] is ${v}; a variance must be a finite number ≥ 0`);
    }
    varianceSum += v;
  }
  if (varianceSum === 0) {
    // The uncertainty shift is relative to the reference mean.
    throw new InvalidDataError('latentVariance is 0 for every training row; the uncertainty shift needs a positive reference mean');
  }
  return referenceOf('latent variance', latentVariance);
}
