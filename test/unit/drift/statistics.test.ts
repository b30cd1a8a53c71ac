import { describe, expect, it } from 'vitest';
import { ksStatistic, populationStabilityIndex, PSI_EPSILON } from '../../../lambdas/core/drift/drift.ts';
import { InvalidDataError, ShapeError } from '../../../lambdas/core/errors.ts';
import { golden } from './golden.ts';

describe('ksStatistic (exact two-sample)', () => {
  it.each(golden.ks)('matches scipy.stats.ks_2samp: $name', ({ a, b, statistic }) => {
    expect(ksStatistic(a, b)).toBeCloseTo(statistic, 14);
    // Symmetric in its samples.
    expect(ksStatistic(b, a)).toBeCloseTo(statistic, 14);
  });

  it('does not reorder its inputs', () => {
    const a = [3, 1, 2];
    ksStatistic(a, [0]);
    expect(a).toEqual([3, 1, 2]);
  });

  it('refuses an empty sample and non-finite values', () => {
    expect(() => ksStatistic([], [1])).toThrow(InvalidDataError);
    expect(() => ksStatistic([1], [])).toThrow(/sampleB is empty/);
    expect(() => ksStatistic([1, Number.NaN], [1])).toThrow(/sampleA\[1\] is NaN/);
  });
});

describe('populationStabilityIndex', () => {
  it('uses the documented epsilon', () => {
    expect(PSI_EPSILON).toBe(golden.epsilon);
  });

  it.each(golden.psi)('matches numpy: $name', ({ expected, actual, psi }) => {
    expect(populationStabilityIndex(expected, actual)).toBeCloseTo(psi, 12);
  });

  it('is 0 for equal shares and grows with the shift', () => {
    const base = [0.2, 0.3, 0.5];
    expect(populationStabilityIndex(base, base)).toBe(0);
    const small = populationStabilityIndex(base, [0.25, 0.3, 0.45]);
    const large = populationStabilityIndex(base, [0.5, 0.3, 0.2]);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
  });

  it('stays finite when a bin is empty on one side', () => {
    const psi = populationStabilityIndex([1, 0], [0, 1]);
    expect(Number.isFinite(psi)).toBe(true);
    expect(psi).toBeCloseTo(2 * (1 - PSI_EPSILON) * Math.log(1 / PSI_EPSILON), 10);
  });

  it('refuses mismatched bins, counts instead of shares and bad values', () => {
    expect(() => populationStabilityIndex([0.5, 0.5], [1])).toThrow(ShapeError);
    expect(() => populationStabilityIndex([], [])).toThrow(InvalidDataError);
    expect(() => populationStabilityIndex([3, 7], [5, 5])).toThrow(/must be a finite number in \[0, 1\]/);
    expect(() => populationStabilityIndex([0.3, 0.3], [0.5, 0.5])).toThrow(/expectedShares sum to 0.6/);
    expect(() => populationStabilityIndex([0.5, 0.5], [Number.NaN, 0.5])).toThrow(/actualShares\[0\] is NaN/);
  });
});
