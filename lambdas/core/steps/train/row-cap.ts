import { stratifiedSplit } from '../../ml/split.ts';

/**
 * At most `cap` of the training rows `index` (indices into the training set, with labels `y`): a
 * stratified sample, the same for the same seed, in ascending order. What the exact GP trains on
 * when the training split is over config.maxTrainRows.
 */
export function capTrainingRows(y: Uint8Array, index: readonly number[], cap: number, seed: number): number[] {
  if (index.length <= cap) return [...index];
  const { testIndex } = stratifiedSplit(Uint8Array.from(index, (i) => y[i]), { testFraction: cap / index.length, seed });
  return Array.from(testIndex, (k) => index[k]).sort((a, b) => a - b);
}
