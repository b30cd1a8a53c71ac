import { InvalidDataError } from '../errors.ts';
import { assertFinite, type DenseMatrix } from './dense.ts';
import type { StandardScaler } from './scaler.ts';

/**
 * Raw rows as a deployed model (GP or challenger) takes them: columns in `featureNames` order,
 * every value finite, then scaled with the scaler fitted on its training split.
 * @throws InvalidDataError naming the expected columns, or the first value that is not finite
 */
export function scaledInput(x: DenseMatrix, featureNames: readonly string[], scaler: StandardScaler): DenseMatrix {
  if (x.cols !== featureNames.length) {
    throw new InvalidDataError(`expected ${featureNames.length} feature columns (${featureNames.join(', ')}), got ${x.cols}`);
  }
  assertFinite(x, 'prediction input', featureNames);
  return scaler.transform(x);
}

/**
 * A deployed model's feature names and scaler agree on the columns (checked when it is built or loaded).
 * @throws InvalidDataError naming both counts
 */
export function assertFeatureColumns(featureNames: readonly string[], scaler: StandardScaler): void {
  if (featureNames.length !== scaler.nFeatures) {
    throw new InvalidDataError(`model: ${featureNames.length} feature names for a scaler of ${scaler.nFeatures} columns`);
  }
}
