import { describe, expect, it } from 'vitest';
import { chiSquareHomogeneity, chiSquareSurvival, ksCriticalValue, normalTwoSidedPValue } from '../../../lambdas/core/drift/significance.ts';
import { InvalidDataError, ShapeError } from '../../../lambdas/core/errors.ts';

// Expected values from scipy 1.10 (Debian python3-scipy): stats.chi2.sf, stats.chi2_contingency(…,
// correction=False), 2·stats.norm.sf.

describe('chiSquareSurvival', () => {
  it.each([
    [3.84, 1, 0.05004352124870519],
    [20, 9, 0.017912404529843298],
    [0.5, 3, 0.9188914116546758],
    [100, 9, 1.5735176303753876e-17],
    [7.5, 2, 0.023517745856009114],
    [1e-3, 5, 0.9999999983185123],
    [250, 40, 3.4695368870539687e-32],
  ])('P(χ²_%d ≥ %d) matches scipy', (x, df, expected) => {
    expect(Math.abs(chiSquareSurvival(x, df) - expected) / expected).toBeLessThan(1e-10);
  });

  it('is 1 at 0 and 0 at infinity, and refuses nonsense', () => {
    expect(chiSquareSurvival(0, 4)).toBe(1);
    expect(chiSquareSurvival(Number.POSITIVE_INFINITY, 4)).toBe(0);
    expect(() => chiSquareSurvival(1, 0)).toThrow(InvalidDataError);
    expect(() => chiSquareSurvival(Number.NaN, 2)).toThrow(/NaN/);
  });
});

describe('normalTwoSidedPValue', () => {
  it('matches 2·Φ(−|z|)', () => {
    expect(normalTwoSidedPValue(2.5)).toBeCloseTo(0.012419330651552265, 14);
    expect(normalTwoSidedPValue(-0.3)).toBeCloseTo(0.7641771556220948, 14);
    expect(normalTwoSidedPValue(0)).toBe(1);
  });
});

describe('chiSquareHomogeneity', () => {
  it('matches scipy’s chi2_contingency on a 2 × 3 table', () => {
    const test = chiSquareHomogeneity([350, 210, 140], [90, 95, 115]);
    expect(test.statistic).toBeCloseTo(46.961904483601685, 10);
    expect(test.df).toBe(2);
    expect(test.pValue / 6.343836941001828e-11).toBeCloseTo(1, 8);
  });

  it('leaves out bins empty on both sides', () => {
    // scipy on [[3, 0, 7], [1, 5, 0]] after dropping the fourth, empty column.
    const test = chiSquareHomogeneity([3, 0, 7, 0], [1, 5, 0, 0]);
    expect(test.statistic).toBeCloseTo(12.8, 12);
    expect(test.df).toBe(2);
    expect(test.pValue).toBeCloseTo(0.001661557273173934, 14);
  });

  it('gives p = 1 when both samples sit in one bin, and refuses bad counts', () => {
    expect(chiSquareHomogeneity([5, 0], [9, 0])).toEqual({ statistic: 0, df: 0, pValue: 1 });
    expect(() => chiSquareHomogeneity([1, 2], [1])).toThrow(ShapeError);
    expect(() => chiSquareHomogeneity([1.5, 2], [1, 1])).toThrow(/whole numbers/);
    expect(() => chiSquareHomogeneity([0, 0], [1, 1])).toThrow(/at least one row in each sample/);
  });
});

describe('ksCriticalValue', () => {
  it('is c(α)·√((n + m)/(n·m)) with c(α) = √(−ln(α/2)/2)', () => {
    // numpy: sqrt(-log(0.025)/2) * sqrt((300 + 1400)/(300·1400))
    expect(ksCriticalValue(300, 1400, 0.05)).toBeCloseTo(0.08640364211895851, 14);
    // c(0.05) = 1.358, the textbook value.
    expect(ksCriticalValue(1, 1e12, 0.05)).toBeCloseTo(1.358, 3);
  });

  it('shrinks as the batch grows and refuses nonsense', () => {
    expect(ksCriticalValue(10_000, 7_000, 0.01)).toBeLessThan(ksCriticalValue(100, 7_000, 0.01));
    expect(() => ksCriticalValue(0, 10, 0.05)).toThrow(/n must be a whole number of rows > 0/);
    expect(() => ksCriticalValue(10, 10, 1)).toThrow(/α must be a number in \(0, 1\)/);
  });
});
