import { InvalidDataError, ShapeError } from '../errors.ts';
import { assertFinite, type DenseMatrix } from '../ml/dense.ts';
import { binOf, psiBins } from './bins.ts';
import { countBelow } from './quantiles.ts';
import type { BatchSummary, TrainingReference } from './types.ts';

/**
 * What a batch (or one shard of it) contributes to the drift statistics: counts against the
 * reference's PSI bins and quantile points, and the latent variance sum. Counts add,
 * so shards are summarised apart and merged; no raw row leaves the shard.
 */

type FeatureSummary = BatchSummary['features'][number];

/** A summary of no rows, the identity of {@link mergeSummaries}. */
export function emptySummary(reference: TrainingReference): BatchSummary {
  return {
    rows: 0,
    features: reference.features.map((f) => ({
      name: f.name,
      binCounts: new Array<number>(psiBins(f).edges.length + 1).fill(0),
      belowQuantile: new Array<number>(f.quantiles.length).fill(0),
      sum: 0,
    })),
    latentVarianceSum: 0,
  };
}

/**
 * Counts the rows of `x` (raw model inputs, in the reference's feature order) against the
 * reference. A shard without rows gives the empty summary; the drift statistics refuse it later
 * if the whole batch is empty.
 */
export function summarizeBatch(reference: TrainingReference, x: DenseMatrix, latentVariance: ArrayLike<number> | null): BatchSummary {
  const names = reference.features.map((f) => f.name);
  if (x.cols !== names.length) {
    throw new ShapeError(`the batch has ${x.cols} columns but the reference has ${names.length} features (${names.join(', ')})`);
  }
  // A model scores with uncertainty exactly when its reference has one: a mismatch is a wiring error.
  if ((latentVariance === null) !== (reference.latentVariance === null)) {
    throw new TypeError(`the reference ${reference.latentVariance === null ? 'has no' : 'has a'} latent variance but the batch ${latentVariance === null ? 'has none' : 'has one'}`);
  }
  if (latentVariance !== null && latentVariance.length !== x.rows) {
    throw new ShapeError(`latentVariance has ${latentVariance.length} values for ${x.rows} batch rows`);
  }
  assertFinite(x, 'batch features', names);
  let latentVarianceSum = 0;
  for (let i = 0; latentVariance !== null && i < latentVariance.length; i++) {
    const v = latentVariance[i];
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new InvalidDataError(`latentVariance[${i}] is ${v}; a variance must be a finite number ≥ 0`);
    }
    latentVarianceSum += v;
  }

  const features = reference.features.map((feature, j): FeatureSummary => {
    const { edges } = psiBins(feature);
    const quantiles = feature.quantiles;
    const binCounts = new Array<number>(edges.length + 1).fill(0);
    // atIndex[k]: rows whose first quantile ≥ x is quantiles[k]; a running sum gives rows ≤ each quantile.
    const atIndex = new Array<number>(quantiles.length + 1).fill(0);
    let sum = 0;
    for (let i = 0; i < x.rows; i++) {
      const v = x.data[i * x.cols + j];
      sum += v;
      binCounts[binOf(edges, v)]++;
      atIndex[countBelow(quantiles, v)]++;
    }
    const belowQuantile = new Array<number>(quantiles.length);
    let running = 0;
    for (let k = 0; k < quantiles.length; k++) {
      running += atIndex[k];
      belowQuantile[k] = running;
    }
    return { name: feature.name, binCounts, belowQuantile, sum };
  });
  return { rows: x.rows, features, latentVarianceSum };
}

function assertSameLayout(a: BatchSummary, b: BatchSummary): void {
  if (a.features.length !== b.features.length) {
    throw new ShapeError(`cannot merge summaries of ${a.features.length} and ${b.features.length} features`);
  }
  a.features.forEach((fa, j) => {
    const fb = b.features[j];
    if (fa.name !== fb.name) {
      throw new ShapeError(`cannot merge summaries: feature ${j} is ${fa.name} in one and ${fb.name} in the other`);
    }
    if (fa.binCounts.length !== fb.binCounts.length || fa.belowQuantile.length !== fb.belowQuantile.length) {
      throw new ShapeError(`cannot merge summaries: feature ${fa.name} has different bins (were they made from different references?)`);
    }
  });
}

const add = (a: readonly number[], b: readonly number[]): number[] => a.map((v, k) => v + b[k]);

/** The summary of both batches together. */
export function mergeSummaries(a: BatchSummary, b: BatchSummary): BatchSummary {
  assertSameLayout(a, b);
  return {
    rows: a.rows + b.rows,
    features: a.features.map((fa, j) => {
      const fb = b.features[j];
      return {
        name: fa.name,
        binCounts: add(fa.binCounts, fb.binCounts),
        belowQuantile: add(fa.belowQuantile, fb.belowQuantile),
        sum: fa.sum + fb.sum,
      };
    }),
    latentVarianceSum: a.latentVarianceSum + b.latentVarianceSum,
  };
}

/** Throws ShapeError unless `summary` was made against `reference` (same features, names and bins). */
export function assertSummaryFits(reference: TrainingReference, summary: BatchSummary): void {
  assertSameLayout(emptySummary(reference), summary);
}
