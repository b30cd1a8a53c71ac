import type { DenseMatrix } from './dense.ts';

/**
 * A binary classification data set: feature matrix, 0/1 labels and the feature column names.
 * Made of ml's own matrices, so it lives here: the readers in data/ build it, ml never imports data/.
 */
export interface NumericDataset {
  readonly X: DenseMatrix;
  readonly y: Uint8Array;
  readonly featureNames: string[];
}
