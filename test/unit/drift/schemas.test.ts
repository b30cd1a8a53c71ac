import { describe, expect, it } from 'vitest';
import { driftFromSummary } from '../../../lambdas/core/drift/drift.ts';
import { buildReference } from '../../../lambdas/core/drift/reference.ts';
import { batchSummarySchema, driftReportSchema, trainingReferenceSchema } from '../../../lambdas/core/drift/schemas.ts';
import { summarizeBatch } from '../../../lambdas/core/drift/summary.ts';
import { fromColumns, normals, oneHot, variances } from './samples.ts';

describe('drift schemas', () => {
  const reference = buildReference(fromColumns([normals(1, 500), oneHot(2, 500, 0.3)]), ['a', 'b'], variances(3, 500, 1));
  const summary = summarizeBatch(reference, fromColumns([normals(4, 80, 1), oneHot(5, 80, 0.5)]), variances(6, 80, 2));
  const report = driftFromSummary(reference, summary);
  const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

  it('accept what the drift functions produce, after a JSON round trip', () => {
    expect(trainingReferenceSchema.parse(roundTrip(reference))).toEqual(reference);
    expect(batchSummarySchema.parse(roundTrip(summary))).toEqual(summary);
    expect(driftReportSchema.parse(roundTrip(report))).toEqual(report);
  });

  it('accept a report with a categorical input, and refuse one without the new fields', () => {
    const yes = Float64Array.from({ length: 300 }, (_, i) => i % 2);
    const withCategory = buildReference(fromColumns([normals(7, 300), yes, yes.map((v) => 1 - v)]), ['a', 'k_y', 'k_n'], variances(9, 300, 1));
    const batch = summarizeBatch(withCategory, fromColumns([normals(10, 120), yes.slice(0, 120), yes.slice(0, 120).map((v) => 1 - v)]), variances(11, 120, 1));
    const categorical = driftFromSummary(withCategory, batch, {}, [{ name: 'k', levels: ['y', 'n'], columns: ['k_y', 'k_n'] }]);
    expect(categorical.categories).toHaveLength(1);
    expect(driftReportSchema.parse(roundTrip(categorical))).toEqual(categorical);
    const { enoughRows: _, ...older } = categorical;
    expect(driftReportSchema.safeParse(older).success).toBe(false);
  });

  it('refuse a reference whose arrays disagree and a summary with fractional counts', () => {
    const [first, ...rest] = reference.features;
    const broken = { ...reference, features: [{ ...first, belowQuantile: first.belowQuantile.slice(1) }, ...rest] };
    expect(trainingReferenceSchema.safeParse(broken).success).toBe(false);
    expect(trainingReferenceSchema.safeParse({ ...reference, version: 2 }).success).toBe(false);
    const fractional = { ...summary, features: summary.features.map((f) => ({ ...f, binCounts: f.binCounts.map((c) => c + 0.5) })) };
    expect(batchSummarySchema.safeParse(fractional).success).toBe(false);
  });
});
