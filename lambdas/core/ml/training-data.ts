import { InvalidDataError } from '../errors.ts';
import { assertFinite, type DenseMatrix } from './dense.ts';

/** Checks a classifier's X and y (exact or sparse GP) and returns y as 0/1 bytes; every problem gets a message that names it. */
export function checkTrainingData(x: DenseMatrix, y: ArrayLike<number>): Uint8Array {
  if (x.rows === 0) throw new InvalidDataError('training data is empty: at least one row of each class is needed');
  if (x.cols === 0) throw new InvalidDataError('training data has no feature columns');
  if (y.length !== x.rows) throw new InvalidDataError(`training data has ${x.rows} rows but ${y.length} labels`);
  assertFinite(x, 'training data');
  const labels = new Uint8Array(y.length);
  let positives = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new InvalidDataError(`label of row ${i} is ${y[i]}; labels must be 0 or 1`);
    labels[i] = y[i];
    positives += y[i];
  }
  if (positives === 0 || positives === y.length) {
    throw new InvalidDataError(`training data has a single class (all labels are ${labels[0]}); a classifier needs both 0 and 1`);
  }
  return labels;
}
