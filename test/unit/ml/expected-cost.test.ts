import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { cheapestThreshold, costAt, precisionAtK } from '../../../lambdas/core/ml/expected-cost.ts';

// Ten rows by hand: scores descending, labels 1 1 0 1 0 0 1 0 0 0.
const proba = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
const y = [1, 1, 0, 1, 0, 0, 1, 0, 0, 0];
const costs = { missedFailure: 10, inspection: 1 };

describe('expected cost of a threshold', () => {
  it('counts misses and needless inspections at a threshold (flag when p ≥ threshold)', () => {
    // Flag the top 4: one healthy among them, one failure (0.4) missed.
    expect(costAt(y, proba, 0.7, costs)).toEqual({ threshold: 0.7, missed: 1, needlessInspections: 1, cost: 11 });
    expect(costAt(y, proba, 0.05, costs)).toEqual({ threshold: 0.05, missed: 0, needlessInspections: 6, cost: 6 });
  });

  it('finds the cheapest threshold: with misses 10× an inspection, flag down to the last failure', () => {
    // Down to 0.4: 0 missed, 3 needless (0.8, 0.6, 0.5) = 3; any higher misses one (≥ 10).
    expect(cheapestThreshold(y, proba, costs)).toEqual({ threshold: 0.4, missed: 0, needlessInspections: 3, cost: 3 });
    // Inspections dearer than misses: flag only where no healthy machine scores as high.
    expect(cheapestThreshold(y, proba, { missedFailure: 1, inspection: 5 })).toEqual({ threshold: 0.9, missed: 2, needlessInspections: 0, cost: 2 });
    // When the top score is healthy, flagging nothing is cheapest.
    expect(cheapestThreshold([0, 0, 1], [0.9, 0.8, 0.1], { missedFailure: 1, inspection: 5 })).toEqual({ threshold: Number.POSITIVE_INFINITY, missed: 1, needlessInspections: 0, cost: 1 });
  });

  it('refuses a cost that is not positive', () => {
    expect(() => costAt(y, proba, 0.5, { missedFailure: 0, inspection: 1 })).toThrow(InvalidDataError);
  });
});

describe('precision at k', () => {
  it('is the share of needing-maintenance rows among the k highest scores', () => {
    expect(precisionAtK(y, proba, 1)).toBe(1);
    expect(precisionAtK(y, proba, 3)).toBeCloseTo(2 / 3, 15);
    expect(precisionAtK(y, proba, 10)).toBe(0.4);
  });

  it('counts rows tied with the k-th by their share of the tie', () => {
    // Top 2 tied at 0.9 (one failure, one healthy): either order gives 0.5 at k = 1.
    expect(precisionAtK([1, 0, 1], [0.9, 0.9, 0.1], 1)).toBe(0.5);
    expect(precisionAtK([0, 1, 1], [0.9, 0.9, 0.1], 1)).toBe(0.5);
    expect(() => precisionAtK(y, proba, 11)).toThrow(/k must be a whole number from 1 to 10/);
  });
});
