import { InvalidDataError } from '../errors.ts';
import { psiBins } from './bins.ts';
import { populationStabilityIndex } from './statistics.ts';
import { assertSummaryFits } from './summary.ts';
import type { BatchSummary, DriftReport, DriftThresholds, FeatureDrift, FeatureReference, TrainingReference } from './types.ts';

export { ksStatistic, populationStabilityIndex, PSI_EPSILON } from './statistics.ts';

/**
 * Drift of a batch against the training reference, from the batch's summary alone:
 *
 * - PSI per feature over the reference's decile bins: training share per bin from the reference's
 *   exact counts, batch share from the summary's counts.
 * - KS per feature, max_k |F_batch(q_k) − F_train(q_k)| at the reference's 99 quantile points
 *   (both CDFs exact there). The two-sample KS statistic is the sup over every x; the training CDF
 *   climbs about 0.01 between neighbouring points, so this lies at most ~0.01 below it.
 * - The mean latent variance of the batch against the training rows' (out-of-sample) mean.
 */

export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = Object.freeze({ psi: 0.2, ks: 0.2, varianceShift: 0.5 });

function assertThresholds(thresholds: DriftThresholds): void {
  for (const key of ['psi', 'ks', 'varianceShift'] as const) {
    const t = thresholds[key];
    if (!(Number.isFinite(t) && t > 0)) throw new InvalidDataError(`drift threshold ${key} must be a finite number > 0, got ${t}`);
  }
}

function featureDrift(
  reference: FeatureReference,
  trainingRows: number,
  batch: BatchSummary['features'][number],
  batchRows: number,
  thresholds: DriftThresholds,
): FeatureDrift {
  const { edges, belowEdge } = psiBins(reference);
  const referenceShares: number[] = [];
  const batchShares = batch.binCounts.map((count) => count / batchRows);
  const bins: FeatureDrift['bins'][number][] = [];
  for (let k = 0; k <= edges.length; k++) {
    // Differences of integer counts: exact, never negative.
    const upTo = k < edges.length ? belowEdge[k] : trainingRows;
    const from = k > 0 ? belowEdge[k - 1] : 0;
    referenceShares.push((upTo - from) / trainingRows);
    bins.push({
      lower: k > 0 ? edges[k - 1] : null,
      upper: k < edges.length ? edges[k] : null,
      reference: referenceShares[k],
      batch: batchShares[k],
    });
  }
  const psi = populationStabilityIndex(referenceShares, batchShares);

  let ks = 0;
  for (let k = 0; k < reference.quantiles.length; k++) {
    ks = Math.max(ks, Math.abs(batch.belowQuantile[k] / batchRows - reference.belowQuantile[k] / trainingRows));
  }

  return {
    name: reference.name,
    psi,
    ks,
    drifted: psi > thresholds.psi || ks > thresholds.ks,
    bins,
  };
}

export function driftFromSummary(
  reference: TrainingReference,
  summary: BatchSummary,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
): DriftReport {
  assertThresholds(thresholds);
  assertSummaryFits(reference, summary);
  if (summary.rows === 0) {
    throw new InvalidDataError('the batch has no rows (every file empty or quarantined); drift needs at least one scored row');
  }
  if (!(reference.rows > 0)) throw new InvalidDataError(`the reference has ${reference.rows} training rows; it needs at least one`);
  const referenceMean = reference.latentVariance.mean;
  if (!(Number.isFinite(referenceMean) && referenceMean > 0)) {
    throw new InvalidDataError(`the reference's mean latent variance is ${referenceMean}; the uncertainty shift needs it > 0`);
  }

  const features = reference.features.map((f, j) => featureDrift(f, reference.rows, summary.features[j], summary.rows, thresholds));
  const batchMean = summary.latentVarianceSum / summary.rows;
  const relativeShift = Math.abs(batchMean / referenceMean - 1);
  const latentVariance = { referenceMean, batchMean, relativeShift, drifted: relativeShift > thresholds.varianceShift };
  return {
    rows: summary.rows,
    thresholds: { psi: thresholds.psi, ks: thresholds.ks, varianceShift: thresholds.varianceShift },
    features,
    latentVariance,
    drifted: latentVariance.drifted || features.some((f) => f.drifted),
  };
}
