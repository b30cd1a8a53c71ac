import { describe, expect, it } from 'vitest';
import { psiBins } from '../../../lambdas/core/drift/bins.ts';
import { buildReference } from '../../../lambdas/core/drift/reference.ts';
import { emptySummary, mergeSummaries, summarizeBatch } from '../../../lambdas/core/drift/summary.ts';
import { InvalidDataError, ShapeError } from '../../../lambdas/core/errors.ts';
import { fromRows, takeRows } from '../../../lambdas/core/ml/dense.ts';
import { golden } from './golden.ts';
import { fromColumns, normals, oneHot, variances } from './samples.ts';

const { featureNames, reference: referenceRows, batch: batchRows, referenceLatentVariance, batchLatentVariance, expected } = golden.pipeline;
const reference = buildReference(fromRows(referenceRows), featureNames, referenceLatentVariance);
const batch = fromRows(batchRows);

describe('psiBins', () => {
  it('puts the edges at the deciles, repeated ones merged (np.unique of np.quantile)', () => {
    reference.features.forEach((f, j) => {
      const { edges } = psiBins(f);
      expect(edges).toHaveLength(expected.drift[j].edges.length);
      edges.forEach((e, k) => expect(e).toBeCloseTo(expected.drift[j].edges[k], 10));
    });
    // The one-hot column: 0 and 1 only.
    expect(psiBins(reference.features[1]).edges).toEqual([0, 1]);
  });

  it('refuses a reference without the training counts at its quantiles', () => {
    const { belowQuantile: _dropped, ...withoutCounts } = reference.features[0];
    expect(() => psiBins(withoutCounts as unknown as (typeof reference.features)[0])).toThrow(/lacks the training counts/);
    expect(() => psiBins({ ...reference.features[0], probabilities: reference.features[0].probabilities.map((p) => p / 2) })).toThrow(
      /no quantile at probability 0.5; PSI bins need the deciles/,
    );
  });
});

describe('summarizeBatch', () => {
  const summary = summarizeBatch(reference, batch, batchLatentVariance);

  it('counts the rows per PSI bin as np.digitize(right=True) does', () => {
    expect(summary.rows).toBe(batchRows.length);
    summary.features.forEach((f, j) => {
      expect(f.name).toBe(featureNames[j]);
      expect(f.binCounts).toEqual(expected.drift[j].batchCounts);
    });
    const total = batchLatentVariance.reduce((s, v) => s + v, 0);
    expect(summary.latentVarianceSum).toBeCloseTo(total, 9);
  });

  it('counts the rows at or below each reference quantile', () => {
    summary.features.forEach((f, j) => {
      const quantiles = reference.features[j].quantiles;
      expect(f.belowQuantile).toEqual(quantiles.map((q) => batchRows.filter((row) => row[j] <= q).length));
    });
  });

  it('sums each input, so a batch mean and a one-hot level count come out of the summary', () => {
    summary.features.forEach((f, j) => {
      expect(f.sum).toBeCloseTo(batchRows.reduce((s, row) => s + row[j], 0), 9);
    });
  });

  it('gives the empty summary for a shard without rows', () => {
    expect(summarizeBatch(reference, fromRows([], 3), [])).toEqual(emptySummary(reference));
  });

  it('names what is wrong with its inputs', () => {
    expect(() => summarizeBatch(reference, fromRows([[1, 2]]), [1])).toThrow(/2 columns but the reference has 3 features/);
    expect(() => summarizeBatch(reference, batch, [1])).toThrow(ShapeError);
    expect(() => summarizeBatch(reference, fromRows([[1, Number.POSITIVE_INFINITY, 3]]), [1])).toThrow(/row 0, type_l is Infinity/);
    expect(() => summarizeBatch(reference, fromRows([[1, 0, 3]]), [Number.NaN])).toThrow(InvalidDataError);
  });
});

describe('mergeSummaries', () => {
  it('merging two halves equals summarising the whole', () => {
    const n = 5_000;
    const x = fromColumns([normals(11, n), oneHot(12, n, 0.3), normals(13, n, 50, 10).map(Math.round)]);
    const v = variances(14, n, 0.7);
    const ref = buildReference(x, ['a', 'b', 'c'], v);
    const batchX = fromColumns([normals(21, 3001, 0.2), oneHot(22, 3001, 0.35), normals(23, 3001, 52, 10).map(Math.round)]);
    const batchV = variances(24, 3001, 0.9);
    const half = 1400;
    const first = Uint32Array.from({ length: half }, (_, i) => i);
    const second = Uint32Array.from({ length: 3001 - half }, (_, i) => half + i);
    const merged = mergeSummaries(
      summarizeBatch(ref, takeRows(batchX, first), batchV.subarray(0, half)),
      summarizeBatch(ref, takeRows(batchX, second), batchV.subarray(half)),
    );
    const whole = summarizeBatch(ref, batchX, batchV);
    expect(merged.rows).toBe(whole.rows);
    merged.features.forEach((f, j) => {
      expect(f.binCounts).toEqual(whole.features[j].binCounts);
      expect(f.belowQuantile).toEqual(whole.features[j].belowQuantile);
    });
    expect(merged.latentVarianceSum).toBeCloseTo(whole.latentVarianceSum, 9);
  });

  it('has the empty summary as identity', () => {
    const summary = summarizeBatch(reference, batch, batchLatentVariance);
    expect(mergeSummaries(emptySummary(reference), summary)).toEqual(summary);
    expect(mergeSummaries(summary, emptySummary(reference))).toEqual(summary);
  });

  it('refuses summaries of different features', () => {
    const summary = emptySummary(reference);
    const renamed = { ...summary, features: summary.features.map((f, j) => (j === 1 ? { ...f, name: 'type_m' } : f)) };
    expect(() => mergeSummaries(summary, renamed)).toThrow(ShapeError);
    expect(() => mergeSummaries(summary, renamed)).toThrow(/feature 1 is type_l in one and type_m in the other/);
    expect(() => mergeSummaries(summary, { ...summary, features: summary.features.slice(1) })).toThrow(ShapeError);
    const rebinned = { ...summary, features: summary.features.map((f) => ({ ...f, binCounts: [0, 0] })) };
    expect(() => mergeSummaries(summary, rebinned)).toThrow(/different bins/);
  });
});
