import { z } from 'zod';
import { InvalidDataError } from '../../errors.ts';
import type { DenseMatrix } from '../dense.ts';
import { checkTrainingData } from '../training-data.ts';

/**
 * How much one row of each class counts in a challenger's loss. 'balanced' is scikit-learn's
 * `class_weight='balanced'`: n / (2 · n_class), so both classes weigh the same in total however
 * rare failures are; 'none' counts every row once; explicit weights are taken as given.
 */
export const classWeightSchema = z.union([
  z.literal('balanced'),
  z.literal('none'),
  z.object({ negative: z.number().positive().finite(), positive: z.number().positive().finite() }).strict(),
]);
export type ClassWeight = z.infer<typeof classWeightSchema>;

/** The weight of a row of class 0 and of class 1 under `classWeight`, for labels `y` (0/1). */
export function classWeights(classWeight: ClassWeight, y: ArrayLike<number>): { negative: number; positive: number } {
  if (classWeight === 'none') return { negative: 1, positive: 1 };
  if (classWeight !== 'balanced') return classWeight;
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  const negatives = y.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new InvalidDataError("class weight 'balanced' needs rows of both classes");
  }
  return { negative: y.length / (2 * negatives), positive: y.length / (2 * positives) };
}

/**
 * A challenger's training rows checked (checkTrainingData), with the weight of each class under
 * `classWeight` and one weight per row (its class's): how both challengers start a fit.
 */
export function weightedTrainingData(x: DenseMatrix, y: ArrayLike<number>, classWeight: ClassWeight): { labels: Uint8Array; weights: { negative: number; positive: number }; rowWeight: Float64Array } {
  const labels = checkTrainingData(x, y);
  const weights = classWeights(classWeight, labels);
  return { labels, weights, rowWeight: Float64Array.from(labels, (label) => (label === 1 ? weights.positive : weights.negative)) };
}

/** Parses a class-weight option, with a message that names the option. */
export function parseClassWeight(value: unknown, owner: string): ClassWeight {
  const parsed = classWeightSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidDataError(`${owner} option classWeight must be 'balanced', 'none' or { negative, positive } with positive weights, got ${JSON.stringify(value)}`);
  }
  return parsed.data;
}
