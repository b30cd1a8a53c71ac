import { describe, expect, it } from 'vitest';
import { averagePrecision, wilsonInterval } from '../../../lambdas/core/ml/metrics.ts';
import { realisedMetrics } from '../../../lambdas/core/ml/realised-metrics.ts';

describe('realisedMetrics', () => {
  it('counts recall and precision at the threshold, with Wilson intervals, and average precision', () => {
    // Flagged at 0.5: rows 0, 1, 3 (probability ≥ 0.5). Failures: rows 0, 2, 3. tp = 2, fp = 1, fn = 1.
    const label = [1, 0, 1, 1, 0, 0];
    const probability = [0.9, 0.6, 0.2, 0.5, 0.1, 0.3];
    expect(realisedMetrics(label, probability, 0.5)).toEqual({
      labelledRows: 6,
      positives: 3,
      flagged: 3,
      recall: { value: 2 / 3, ...wilsonInterval(2, 3) },
      precision: { value: 2 / 3, ...wilsonInterval(2, 3) },
      averagePrecision: averagePrecision(label, probability),
    });
    // By hand: ranked 0.9 (fail), 0.6, 0.5 (fail), 0.3, 0.2 (fail), 0.1: precision 1, 2/3, 3/5 at recall 1/3, 2/3, 1 → (1 + 2/3 + 3/5) / 3.
    expect(realisedMetrics(label, probability, 0.5)!.averagePrecision).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3, 12);
  });

  it('is null where a metric is undefined, not 0', () => {
    expect(realisedMetrics([], [], 0.5)).toBeNull();
    // No failure: recall and average precision undefined; one row flagged, a false alarm.
    expect(realisedMetrics([0, 0], [0.7, 0.1], 0.5)).toMatchObject({ positives: 0, flagged: 1, recall: null, averagePrecision: null, precision: { value: 0 } });
    // Nothing flagged: precision undefined.
    expect(realisedMetrics([1, 0], [0.2, 0.1], 0.5)).toMatchObject({ flagged: 0, precision: null, recall: { value: 0 } });
  });

  it('refuses labels and probabilities of different lengths', () => {
    expect(() => realisedMetrics([1], [0.1, 0.2], 0.5)).toThrow(RangeError);
  });
});
