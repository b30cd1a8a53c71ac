import { describe, expect, it } from 'vitest';
import { DEFAULT_DRIFT_THRESHOLDS, driftFromSummary, ksStatistic } from '../../../lambdas/core/drift/drift.ts';
import { psiBins } from '../../../lambdas/core/drift/bins.ts';
import { buildReference } from '../../../lambdas/core/drift/reference.ts';
import { emptySummary, summarizeBatch } from '../../../lambdas/core/drift/summary.ts';
import type { DriftReport } from '../../../lambdas/core/drift/types.ts';
import { InvalidDataError, ShapeError } from '../../../lambdas/core/errors.ts';
import { fromRows } from '../../../lambdas/core/ml/dense.ts';
import { golden } from './golden.ts';
import { fromColumns, normals, oneHot, variances } from './samples.ts';

function driftOf(referenceColumns: ArrayLike<number>[], batchColumns: ArrayLike<number>[], referenceVariance?: ArrayLike<number>, batchVariance?: ArrayLike<number>): DriftReport {
  const names = referenceColumns.map((_, j) => `f${j}`);
  const n = referenceColumns[0].length;
  const m = batchColumns[0].length;
  const reference = buildReference(fromColumns(referenceColumns), names, referenceVariance ?? new Float64Array(n).fill(1));
  return driftFromSummary(reference, summarizeBatch(reference, fromColumns(batchColumns), batchVariance ?? new Float64Array(m).fill(1)));
}

describe('driftFromSummary against numpy and scipy', () => {
  const { featureNames, reference: referenceRows, batch, referenceLatentVariance, batchLatentVariance, expected } = golden.pipeline;
  const reference = buildReference(fromRows(referenceRows), featureNames, referenceLatentVariance);
  const report = driftFromSummary(reference, summarizeBatch(reference, fromRows(batch), batchLatentVariance));

  it('computes PSI from the exact training shares per decile bin', () => {
    report.features.forEach((f, j) => {
      const e = expected.drift[j];
      expect(f.bins.map((b) => b.reference)).toEqual(e.referenceShares.map((s) => expect.closeTo(s, 12)));
      expect(f.bins.map((b) => b.batch)).toEqual(e.batchCounts.map((c) => expect.closeTo(c / batch.length, 12)));
      expect(f.psi, f.name).toBeCloseTo(e.psi, 10);
    });
  });

  it('computes KS at the quantile points, within 0.01 of scipy’s exact statistic', () => {
    report.features.forEach((f, j) => {
      const e = expected.drift[j];
      expect(f.ks, f.name).toBeCloseTo(e.ksApprox, 10);
      expect(Math.abs(f.ks - e.ksExact), f.name).toBeLessThanOrEqual(0.01);
    });
  });

  it('gives the bins open ends and edges that survive JSON', () => {
    for (const f of report.features) {
      expect(f.bins[0].lower).toBeNull();
      expect(f.bins.at(-1)!.upper).toBeNull();
      f.bins.slice(1).forEach((b, k) => expect(b.lower).toBe(f.bins[k].upper));
      expect(f.bins.reduce((s, b) => s + b.reference, 0)).toBeCloseTo(1, 12);
      expect(f.bins.reduce((s, b) => s + b.batch, 0)).toBeCloseTo(1, 12);
    }
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('measures the shift of the mean latent variance', () => {
    const e = expected.latentVarianceShift;
    expect(report.latentVariance!.referenceMean).toBeCloseTo(e.referenceMean, 12);
    expect(report.latentVariance!.batchMean).toBeCloseTo(e.batchMean, 12);
    expect(report.latentVariance!.relativeShift).toBeCloseTo(e.relativeShift, 12);
  });

  it('flags the shifted features and the doubled variance, not the unchanged counter', () => {
    // A lone 0/1 column (no categorical feature named for it) is judged as a number: its mean moves
    // 0.48 training sds, under the 0.5 floor, and KS 0.23 is under 0.3. Categorical inputs are
    // judged on their level shares (categories.test.ts).
    expect(report.features.map((f) => [f.name, f.drifted])).toEqual([
      ['air_temperature_k', true],
      ['type_l', false],
      ['tool_wear_min', false],
    ]);
    expect(report.latentVariance!.drifted).toBe(true);
    expect(report.drifted).toBe(true);
    expect(report.rows).toBe(batch.length);
    expect(report.thresholds).toEqual(DEFAULT_DRIFT_THRESHOLDS);
  });
});

describe('driftFromSummary on normal samples (reference N(0, 1), 5,000 rows)', () => {
  const reference = normals(1, 5_000);
  const same = normals(2, 2_000);
  const shifted = normals(3, 2_000, 0.5);
  const report = driftOf([reference, reference], [same, shifted]);

  it('measures a shift of half an sd, which sits at the mean-shift floor', () => {
    const [unshifted, moved] = report.features;
    expect(unshifted.drifted).toBe(false);
    expect(unshifted.psi).toBeLessThan(0.05);
    expect(unshifted.ks).toBeLessThan(0.05);
    expect(moved.psi).toBeGreaterThan(0.2);
    // Population KS of N(0, 1) against N(0.5, 1) is 2·Φ(0.25) − 1 = 0.197, under the 0.3 floor.
    expect(moved.ks).toBeCloseTo(0.197, 1);
    expect(moved.meanShift).toBeCloseTo(0.5, 1);
    expect(moved.meanPValue).toBeLessThan(1e-50);
  });

  it('flags a shift of three quarters of an sd, and the half-sd one under a lower floor', () => {
    const far = driftOf([reference], [normals(8, 2_000, 0.75)]);
    expect(far.features[0].drifted).toBe(true);
    expect(far.drifted).toBe(true);
    const ref = buildReference(fromColumns([reference, reference]), ['a', 'b'], new Float64Array(5_000).fill(1));
    const lower = driftFromSummary(ref, summarizeBatch(ref, fromColumns([same, shifted]), new Float64Array(2_000).fill(1)), { meanShift: 0.3 });
    expect(lower.features.map((f) => f.drifted)).toEqual([false, true]);
  });

  it('approximates the exact two-sample KS within 0.02 (never above it)', () => {
    for (const [j, sample] of [same, shifted].entries()) {
      const exact = ksStatistic(reference, sample);
      const approximate = report.features[j].ks;
      expect(Math.abs(approximate - exact)).toBeLessThan(0.02);
      expect(approximate).toBeLessThanOrEqual(exact + 1e-12);
    }
  });

  it('reports no drift at all for a batch from the training distribution', () => {
    const quiet = driftOf([reference], [normals(4, 3_000)], variances(5, 5_000, 1), variances(6, 3_000, 1));
    expect(quiet.drifted).toBe(false);
    expect(quiet.latentVariance!.relativeShift).toBeLessThan(0.1);
  });

  it('respects custom thresholds', () => {
    const names = ['a'];
    const ref = buildReference(fromColumns([reference]), names, new Float64Array(5_000).fill(1));
    const summary = summarizeBatch(ref, fromColumns([normals(7, 2_000, 0.1)]), new Float64Array(2_000).fill(1.1));
    const strict = driftFromSummary(ref, summary, { psi: 0.001, ks: 0.001, meanShift: 0.01, varianceShift: 0.05 });
    expect(strict.features[0].drifted).toBe(true);
    expect(strict.latentVariance!.drifted).toBe(true);
    expect(driftFromSummary(ref, summary).drifted).toBe(false);
    expect(() => driftFromSummary(ref, summary, { psi: 0, ks: 0.2, varianceShift: 0.5 })).toThrow(/psi must be a finite number > 0/);
    expect(() => driftFromSummary(ref, summary, { alpha: 1 })).toThrow(/alpha must be a number in \(0, 1\)/);
    expect(() => driftFromSummary(ref, summary, { minRows: 0.5 })).toThrow(/minRows must be a whole number > 0/);
  });
});

describe('driftFromSummary on one-hot columns', () => {
  /** n rows, the first `zeros` of them 0 and the rest 1. */
  const column = (n: number, zeros: number): Float64Array => Float64Array.from({ length: n }, (_, i) => (i < zeros ? 0 : 1));
  const reference = column(1_000, 700);

  it('does not flag an unchanged column, however the deciles fall', () => {
    // 700 zeros of 1,000: the 0.7 quantile interpolates to 0.3, an edge no row has. Its bin gets
    // a training share of 0 from the exact counts (not the 0.01 the probability grid would give).
    const referenceFeature = buildReference(fromColumns([reference]), ['type_l'], new Float64Array(1_000).fill(1)).features[0];
    expect(psiBins(referenceFeature).edges).toEqual([0, expect.closeTo(0.3, 12), 1]);
    for (const zeros of [699, 700, 701]) {
      const report = driftOf([column(1_000, zeros)], [oneHot(32, 2_000, 0.3)]);
      const [f] = report.features;
      expect(f.psi, `${zeros} zeros`).toBeLessThan(0.01);
      expect(f.ks, `${zeros} zeros`).toBeLessThan(0.03);
      expect(f.drifted).toBe(false);
      expect(f.bins.filter((b) => b.reference === 0 && b.batch === 0).length).toBeGreaterThanOrEqual(1);
    }
  });

  it('matches the exact KS, as only the values 0 and 1 occur', () => {
    const batch = oneHot(33, 2_000, 0.45);
    const report = driftOf([reference], [batch]);
    expect(report.features[0].ks).toBeCloseTo(ksStatistic(reference, batch), 12);
  });

  it('flags a column whose share of ones doubles', () => {
    const report = driftOf([reference], [oneHot(34, 2_000, 0.6)]);
    expect(report.features[0].drifted).toBe(true);
    expect(report.features[0].psi).toBeGreaterThan(0.2);
    expect(report.features[0].ks).toBeGreaterThan(0.2);
  });
});

describe('driftFromSummary on the latent variance', () => {
  it('flags a batch whose variance doubles, and not one with the same variance', () => {
    const x = normals(41, 3_000);
    const doubled = driftOf([x], [normals(42, 1_000)], variances(43, 3_000, 0.5), variances(44, 1_000, 1));
    expect(doubled.latentVariance!.relativeShift).toBeGreaterThan(0.5);
    expect(doubled.latentVariance!.drifted).toBe(true);
    expect(doubled.features[0].drifted).toBe(false);
    expect(doubled.drifted).toBe(true);
    const same = driftOf([x], [normals(42, 1_000)], variances(43, 3_000, 0.5), variances(45, 1_000, 0.5));
    expect(same.latentVariance!.drifted).toBe(false);
    expect(same.drifted).toBe(false);
  });
});

describe('driftFromSummary on degenerate input', () => {
  it('refuses an empty batch with a clear message', () => {
    const reference = buildReference(fromColumns([normals(51, 100)]), ['a'], new Float64Array(100).fill(1));
    expect(() => driftFromSummary(reference, emptySummary(reference))).toThrow(InvalidDataError);
    expect(() => driftFromSummary(reference, emptySummary(reference))).toThrow(/the batch has no rows/);
  });

  it('handles a constant training feature without NaN', () => {
    const constant = new Float64Array(500).fill(7);
    const unchanged = driftOf([constant], [new Float64Array(50).fill(7)]);
    expect(unchanged.features[0]).toMatchObject({ psi: 0, ks: 0, drifted: false });
    expect(unchanged.features[0].bins).toEqual([
      { lower: null, upper: 7, reference: 1, batch: 1 },
      { lower: 7, upper: null, reference: 0, batch: 0 },
    ]);

    const changed = driftOf([constant], [Float64Array.from({ length: 200 }, (_, i) => (i < 80 ? 8 : 7))]);
    expect(changed.features[0].ks).toBeCloseTo(0.4, 12);
    expect(changed.features[0].psi).toBeGreaterThan(0.2);
    // No scale for a mean shift: KS decides.
    expect(changed.features[0]).toMatchObject({ meanShift: 0, meanPValue: 1, drifted: true });
    for (const f of [...unchanged.features, ...changed.features]) {
      expect([f.psi, f.ks, f.psiPValue, f.ksCritical, ...f.bins.flatMap((b) => [b.reference, b.batch])].every(Number.isFinite)).toBe(true);
    }
  });

  it('refuses a summary made against another reference', () => {
    const reference = buildReference(fromColumns([normals(52, 100), normals(53, 100)]), ['a', 'b'], new Float64Array(100).fill(1));
    const other = buildReference(fromColumns([normals(54, 100)]), ['a'], new Float64Array(100).fill(1));
    const summary = summarizeBatch(other, fromColumns([normals(55, 10)]), new Float64Array(10).fill(1));
    expect(() => driftFromSummary(reference, summary)).toThrow(ShapeError);
  });
});

describe('driftFromSummary under sampling noise (independent normal rows)', () => {
  const m = 5_000;
  const n = 300;
  const names = ['a', 'b', 'c'];
  const reference = buildReference(fromColumns([normals(61, m), normals(62, m, 10, 3), normals(63, m, -5, 0.5)]), names, new Float64Array(m).fill(1));
  const reports = Array.from({ length: 300 }, (_, r) => {
    const batch = fromColumns([normals(1_000 + r, n), normals(2_000 + r, n, 10, 3), normals(3_000 + r, n, -5, 0.5)]);
    return { r, summary: summarizeBatch(reference, batch, new Float64Array(n).fill(1)) };
  });

  it('has a mean PSI near (B − 1)·(1/n + 1/m), the derivation in docs/drift.md', () => {
    const psis = reports.flatMap(({ summary }) => driftFromSummary(reference, summary).features.map((f) => f.psi));
    const mean = psis.reduce((a, b) => a + b, 0) / psis.length;
    // 10 decile bins: 9·(1/300 + 1/5000) = 0.0318 (measured: 0.0322). The mean of 900 draws of a
    // χ²₉-like value has a relative sd of about 1.6 %; ±10 % leaves room for the second-order approximation.
    expect(mean).toBeGreaterThan(0.0318 * 0.9);
    expect(mean).toBeLessThan(0.0318 * 1.1);
  });

  it('lets the tests alone (floors near 0) flag at most about alpha of the batches', () => {
    const floorless = { ks: 1e-9, meanShift: 1e-9, psi: 1e-9 };
    const flagged = reports.filter(({ summary }) => driftFromSummary(reference, summary, floorless).drifted).length;
    // Family-wise α = 0.05 over 6 tests; KS read at 99 points is conservative. 300 batches: 15 expected at most.
    expect(flagged / reports.length).toBeLessThanOrEqual(0.07);
    // …and with a lenient α the same batches do get flagged, so the test can fail.
    const lenient = reports.filter(({ summary }) => driftFromSummary(reference, summary, { ...floorless, alpha: 0.9 }).drifted).length;
    expect(lenient / reports.length).toBeGreaterThan(0.3);
  });
});

describe('drift for a model without uncertainty (a challenger champion)', () => {
  const n = 2000;
  const referenceColumns = [normals(1, n), normals(2, n)];
  const reference = buildReference(fromColumns(referenceColumns), ['f0', 'f1'], null);

  it('keeps the feature statistics exactly as with an uncertainty, and reports no uncertainty shift', () => {
    const batch = fromColumns([normals(3, 500).map((v) => v + 1), normals(4, 500)]);
    const withVariance = buildReference(fromColumns(referenceColumns), ['f0', 'f1'], new Float64Array(n).fill(1));
    const plain = driftFromSummary(reference, summarizeBatch(reference, batch, null));
    const full = driftFromSummary(withVariance, summarizeBatch(withVariance, batch, new Float64Array(500).fill(1)));
    expect(reference.latentVariance).toBeNull();
    expect(plain.latentVariance).toBeNull();
    expect(plain.features).toEqual(full.features);
    expect(plain.features[0].drifted).toBe(true);
    expect(plain.drifted).toBe(true);
    expect(JSON.parse(JSON.stringify(plain))).toEqual(plain);
  });

  it('refuses a batch whose uncertainty does not match its reference’s (a wiring error)', () => {
    const batch = fromColumns([normals(5, 10), normals(6, 10)]);
    expect(() => summarizeBatch(reference, batch, new Float64Array(10).fill(1))).toThrow(TypeError);
    const withVariance = buildReference(fromColumns(referenceColumns), ['f0', 'f1'], new Float64Array(n).fill(1));
    expect(() => summarizeBatch(withVariance, batch, null)).toThrow(TypeError);
  });
});
