import { InvalidDataError, ShapeError } from '../errors.ts';
import { psiBins } from './bins.ts';
import { batchLevelCounts, referenceLevelCounts } from './categories.ts';
import { chiSquareHomogeneity, ksCriticalValue, normalTwoSidedPValue } from './significance.ts';
import { populationStabilityIndex } from './statistics.ts';
import { assertSummaryFits } from './summary.ts';
import type { BatchSummary, CategoryColumns, CategoryDrift, DriftReport, DriftThresholds, FeatureDrift, FeatureReference, TrainingReference } from './types.ts';

export { ksStatistic, populationStabilityIndex, PSI_EPSILON } from './statistics.ts';

/**
 * Drift of a batch against the training reference, from the batch's summary alone:
 *
 * - per numeric input: PSI over the reference's decile bins with a χ² test of the bin counts; KS,
 *   max_k |F_batch(q_k) − F_train(q_k)| at the reference's 99 quantile points, against the
 *   two-sample critical value for n and m rows; the mean shift in training sds with a z test.
 * - per categorical input: PSI over its levels with a χ² test of the level counts.
 * - the mean latent variance of the batch against the training rows' (out-of-sample) mean.
 *
 * A numeric input drifts on KS or on its mean shift, a categorical one on its level PSI; each only
 * when its test rejects at alpha / k (k deciding tests in the batch, so the family-wise
 * false-alarm rate on independent rows is at most alpha) and it exceeds its effect floor. PSI of a
 * numeric input is reported, not decided on. A batch under `minRows` rows is never drifted.
 * docs/drift.md, section 3.
 */

export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = Object.freeze({
  psi: 0.2,
  ks: 0.3,
  meanShift: 0.5,
  varianceShift: 0.5,
  alpha: 0.05,
  minRows: 100,
});

/** Tests that decide per numeric input (KS, mean) and per categorical input (χ² of the levels). */
const TESTS_PER_NUMERIC = 2;

function assertThresholds(thresholds: DriftThresholds): void {
  for (const key of ['psi', 'ks', 'meanShift', 'varianceShift'] as const) {
    const t = thresholds[key];
    if (!(Number.isFinite(t) && t > 0)) throw new InvalidDataError(`drift threshold ${key} must be a finite number > 0, got ${t}`);
  }
  if (!(thresholds.alpha > 0 && thresholds.alpha < 1)) throw new InvalidDataError(`drift alpha must be a number in (0, 1), got ${thresholds.alpha}`);
  if (!(Number.isInteger(thresholds.minRows) && thresholds.minRows > 0)) {
    throw new InvalidDataError(`drift minRows must be a whole number > 0, got ${thresholds.minRows}`);
  }
}

interface Decision {
  readonly thresholds: DriftThresholds;
  /** alpha / k. */
  readonly level: number;
  readonly enoughRows: boolean;
}

function featureDrift(reference: FeatureReference, trainingRows: number, batch: BatchSummary['features'][number], batchRows: number, decision: Decision): FeatureDrift {
  const { thresholds, level } = decision;
  const { edges, belowEdge } = psiBins(reference);
  const referenceCounts: number[] = [];
  const bins: FeatureDrift['bins'][number][] = [];
  for (let k = 0; k <= edges.length; k++) {
    // Differences of integer counts: exact, never negative.
    const upTo = k < edges.length ? belowEdge[k] : trainingRows;
    const from = k > 0 ? belowEdge[k - 1] : 0;
    referenceCounts.push(upTo - from);
    bins.push({
      lower: k > 0 ? edges[k - 1] : null,
      upper: k < edges.length ? edges[k] : null,
      reference: (upTo - from) / trainingRows,
      batch: batch.binCounts[k] / batchRows,
    });
  }
  const psi = populationStabilityIndex(
    bins.map((b) => b.reference),
    bins.map((b) => b.batch),
  );
  const psiPValue = chiSquareHomogeneity(referenceCounts, batch.binCounts).pValue;

  let ks = 0;
  for (let k = 0; k < reference.quantiles.length; k++) {
    ks = Math.max(ks, Math.abs(batch.belowQuantile[k] / batchRows - reference.belowQuantile[k] / trainingRows));
  }
  const ksCritical = ksCriticalValue(batchRows, trainingRows, level);

  // A constant training feature has no scale for a mean shift; PSI and KS catch it varying.
  const difference = batch.sum / batchRows - reference.mean;
  const meanShift = reference.sd > 0 ? difference / reference.sd : 0;
  const meanPValue = reference.sd > 0 ? normalTwoSidedPValue(meanShift / Math.sqrt(1 / batchRows + 1 / trainingRows)) : 1;

  // PSI is shown but does not decide for a numeric input: over a batch of correlated readings (a
  // random walk like the air temperature) some deciles stay nearly empty and PSI swings far more
  // than sampling explains (docs/drift.md); KS is bounded and the mean robust.
  const drifted = decision.enoughRows && ((ks > thresholds.ks && ks > ksCritical) || (Math.abs(meanShift) > thresholds.meanShift && meanPValue < level));
  return { name: reference.name, psi, psiPValue, ks, ksCritical, meanShift, meanPValue, drifted, bins };
}

function categoryDrift(category: CategoryColumns, reference: TrainingReference, summary: BatchSummary, decision: Decision): CategoryDrift {
  const indices = category.columns.map((column) => {
    const j = reference.features.findIndex((f) => f.name === column);
    if (j < 0) throw new ShapeError(`categorical feature ${category.name}: the reference has no input ${column} (was the model trained with another contract?)`);
    return j;
  });
  const trainingCounts = referenceLevelCounts(category, indices.map((j) => reference.features[j]), reference.rows);
  const batchCounts = batchLevelCounts(category, indices.map((j) => summary.features[j]), summary.rows);
  const levels = category.levels.map((level, k) => ({ level, reference: trainingCounts[k] / reference.rows, batch: batchCounts[k] / summary.rows }));
  const psi = populationStabilityIndex(
    levels.map((l) => l.reference),
    levels.map((l) => l.batch),
  );
  const { pValue } = chiSquareHomogeneity(trainingCounts, batchCounts);
  return { name: category.name, levels, psi, pValue, drifted: decision.enoughRows && psi > decision.thresholds.psi && pValue < decision.level };
}

/**
 * @param thresholds the decision rule; missing fields take {@link DEFAULT_DRIFT_THRESHOLDS}
 * @param categories categorical inputs (from the contract: categoryColumnsOf); their one-hot
 *   columns are compared as level shares instead of as numbers
 */
export function driftFromSummary(
  reference: TrainingReference,
  summary: BatchSummary,
  thresholds: Partial<DriftThresholds> = {},
  categories: readonly CategoryColumns[] = [],
): DriftReport {
  const rule: DriftThresholds = { ...DEFAULT_DRIFT_THRESHOLDS, ...thresholds };
  assertThresholds(rule);
  assertSummaryFits(reference, summary);
  if (summary.rows === 0) {
    throw new InvalidDataError('the batch has no rows (every file empty or quarantined); drift needs at least one scored row');
  }
  if (!(reference.rows > 0)) throw new InvalidDataError(`the reference has ${reference.rows} training rows; it needs at least one`);
  const referenceMean = reference.latentVariance?.mean ?? null;
  if (referenceMean !== null && !(Number.isFinite(referenceMean) && referenceMean > 0)) {
    throw new InvalidDataError(`the reference's mean latent variance is ${referenceMean}; the uncertainty shift needs it > 0`);
  }

  const oneHot = new Set(categories.flatMap((c) => c.columns));
  const numeric = reference.features.map((f, j) => [f, j] as const).filter(([f]) => !oneHot.has(f.name));
  const tests = TESTS_PER_NUMERIC * numeric.length + categories.length;
  const decision: Decision = { thresholds: rule, level: rule.alpha / Math.max(tests, 1), enoughRows: summary.rows >= rule.minRows };

  const features = numeric.map(([f, j]) => featureDrift(f, reference.rows, summary.features[j], summary.rows, decision));
  const categoryDrifts = categories.map((c) => categoryDrift(c, reference, summary, decision));
  const latentVariance = referenceMean === null ? null : uncertaintyShift(referenceMean, summary, decision);
  return {
    rows: summary.rows,
    enoughRows: decision.enoughRows,
    thresholds: rule,
    tests,
    features,
    categories: categoryDrifts,
    latentVariance,
    drifted: latentVariance?.drifted === true || features.some((f) => f.drifted) || categoryDrifts.some((c) => c.drifted),
  };
}

/** The change of the model's mean latent variance: a model unsure about the batch sees data unlike its training. */
function uncertaintyShift(referenceMean: number, summary: BatchSummary, decision: Decision): NonNullable<DriftReport['latentVariance']> {
  const batchMean = summary.latentVarianceSum / summary.rows;
  const relativeShift = Math.abs(batchMean / referenceMean - 1);
  return { referenceMean, batchMean, relativeShift, drifted: decision.enoughRows && relativeShift > decision.thresholds.varianceShift };
}
