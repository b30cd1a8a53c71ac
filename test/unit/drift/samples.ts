import { denseMatrix, type DenseMatrix } from '../../../lambdas/core/ml/dense.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';

/** A row-major matrix from its columns (all the same length). */
export function fromColumns(columns: readonly ArrayLike<number>[]): DenseMatrix {
  const rows = columns.length === 0 ? 0 : columns[0].length;
  const m = denseMatrix(rows, columns.length);
  columns.forEach((column, j) => {
    for (let i = 0; i < rows; i++) m.data[i * columns.length + j] = column[i];
  });
  return m;
}

export function normals(seed: number, n: number, mean = 0, sd = 1): Float64Array {
  const random = new SeededRandom(seed);
  return Float64Array.from({ length: n }, () => random.normal(mean, sd));
}

/** 0/1 column with about `share` ones. */
export function oneHot(seed: number, n: number, share: number): Float64Array {
  const random = new SeededRandom(seed);
  return Float64Array.from({ length: n }, () => (random.bernoulli(share) ? 1 : 0));
}

/** Positive values with mean about `mean` (exponential), like a GP's latent variance. */
export function variances(seed: number, n: number, mean: number): Float64Array {
  const random = new SeededRandom(seed);
  return Float64Array.from({ length: n }, () => -mean * Math.log(1 - random.next()));
}
