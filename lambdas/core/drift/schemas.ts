import { z } from 'zod';
import type { BatchSummary, DriftReport, DriftThresholds, FeatureReference, TrainingReference } from './types.ts';

/**
 * Schemas for the drift values that cross a boundary as JSON: the reference inside the model
 * artifact, a shard's summary returned by a Map item, the drift report. Each is typed against its
 * interface, so the compiler flags a field added to one and not the other.
 */

// z.number() already refuses NaN and ±Infinity.
const finite = z.number();
const count = z.int().nonnegative();

const featureReferenceSchema: z.ZodType<FeatureReference> = z
  .object({
    name: z.string(),
    quantiles: z.array(finite).min(1),
    probabilities: z.array(z.number().min(0).max(1)).min(1),
    belowQuantile: z.array(count).min(1),
    min: finite,
    max: finite,
    mean: finite,
    sd: z.number().nonnegative(),
  })
  .refine((f) => f.probabilities.length === f.quantiles.length && f.belowQuantile.length === f.quantiles.length, {
    message: 'quantiles, probabilities and belowQuantile must have the same length',
  });

export const trainingReferenceSchema: z.ZodType<TrainingReference> = z.object({
  version: z.literal(1),
  rows: z.int().positive(),
  features: z.array(featureReferenceSchema).min(1),
  latentVariance: featureReferenceSchema.nullable(),
});

export const batchSummarySchema: z.ZodType<BatchSummary> = z.object({
  rows: count,
  features: z.array(z.object({ name: z.string(), binCounts: z.array(count), belowQuantile: z.array(count), sum: finite })),
  latentVarianceSum: z.number().nonnegative(),
});

export const driftThresholdsSchema: z.ZodType<DriftThresholds> = z.object({
  psi: z.number().positive(),
  ks: z.number().positive(),
  meanShift: z.number().positive(),
  varianceShift: z.number().positive(),
  alpha: z.number().gt(0).lt(1),
  minRows: z.int().positive(),
});

const share = z.number().min(0).max(1);

const pValue = z.number().min(0).max(1);

export const driftReportSchema: z.ZodType<DriftReport> = z.object({
  rows: z.int().positive(),
  enoughRows: z.boolean(),
  thresholds: driftThresholdsSchema,
  tests: z.int().nonnegative(),
  features: z.array(
    z.object({
      name: z.string(),
      psi: z.number().nonnegative(),
      psiPValue: pValue,
      ks: share,
      ksCritical: z.number().positive(),
      meanShift: finite,
      meanPValue: pValue,
      drifted: z.boolean(),
      bins: z.array(z.object({ lower: finite.nullable(), upper: finite.nullable(), reference: share, batch: share })),
    }),
  ),
  categories: z.array(
    z.object({
      name: z.string(),
      levels: z.array(z.object({ level: z.string(), reference: share, batch: share })),
      psi: z.number().nonnegative(),
      pValue,
      drifted: z.boolean(),
    }),
  ),
  latentVariance: z.object({ referenceMean: z.number().positive(), batchMean: z.number().nonnegative(), relativeShift: z.number().nonnegative(), drifted: z.boolean() }).nullable(),
  drifted: z.boolean(),
});
