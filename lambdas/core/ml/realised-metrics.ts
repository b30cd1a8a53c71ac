import { z } from 'zod';
import { averagePrecision, confusionMatrix, wilsonInterval } from './metrics.ts';

/**
 * How the model did on scored rows whose true label came with them (a batch that carries the
 * contract's label column, e.g. AI4I's "Machine failure"): recall and precision at the model's
 * threshold with 95 % Wilson intervals, and average precision, computed by metrics.ts. A value is
 * null where it is undefined rather than 0: recall and average precision with no failure among
 * the labelled rows, precision with no labelled row flagged.
 */

const proportionSchema = z.object({ value: z.number(), low: z.number(), high: z.number() });

export const realisedMetricsSchema = z.object({
  /** Scored rows that carried a label. */
  labelledRows: z.int().nonnegative(),
  /** Of those, rows that failed (label 1). */
  positives: z.int().nonnegative(),
  /** Of those, rows the model flagged (probability ≥ threshold). */
  flagged: z.int().nonnegative(),
  /** Failures flagged / failures. */
  recall: proportionSchema.nullable(),
  /** Failures flagged / rows flagged. */
  precision: proportionSchema.nullable(),
  averagePrecision: z.number().nullable(),
});
export type RealisedMetrics = z.infer<typeof realisedMetricsSchema>;

function proportion(successes: number, trials: number): RealisedMetrics['recall'] {
  return trials === 0 ? null : { value: successes / trials, ...wilsonInterval(successes, trials) };
}

/**
 * @param label the true labels (0/1) of the labelled rows
 * @param probability the model's probability for the same rows
 * @param threshold the model's decision threshold: flagged = probability ≥ threshold
 * @returns null when no row is labelled
 */
export function realisedMetrics(label: ArrayLike<number>, probability: ArrayLike<number>, threshold: number): RealisedMetrics | null {
  if (label.length !== probability.length) throw new RangeError(`realisedMetrics: ${label.length} labels for ${probability.length} probabilities`);
  if (label.length === 0) return null;
  const predicted = Uint8Array.from(probability as ArrayLike<number>, (p) => (p >= threshold ? 1 : 0));
  const { tp, fp, fn } = confusionMatrix(label, predicted);
  const positives = tp + fn;
  return {
    labelledRows: label.length,
    positives,
    flagged: tp + fp,
    recall: proportion(tp, positives),
    precision: proportion(tp, tp + fp),
    averagePrecision: positives === 0 ? null : averagePrecision(label, probability),
  };
}
