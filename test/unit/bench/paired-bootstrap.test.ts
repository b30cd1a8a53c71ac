import { describe, expect, it } from 'vitest';
import { pairedAucDifference } from '../../../bench/paired-bootstrap.ts';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';

/**
 * DeLong, DeLong & Clarke-Pearson (1988): the asymptotic variance of AUC(a) − AUC(b) for two
 * scores of the same rows, from the structural components of each AUC. The paired bootstrap
 * estimates the same quantity by resampling, so the two must agree closely on a sizeable set.
 */
function delong(y: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>): { difference: number; standardError: number } {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < y.length; i++) (y[i] === 1 ? pos : neg).push(i);
  const psi = (s: ArrayLike<number>, i: number, j: number) => (s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0);
  // Per row, the difference of the two models' components: its variance is S_aa + S_bb − 2 S_ab.
  const v10 = pos.map((i) => neg.reduce((t, j) => t + psi(a, i, j) - psi(b, i, j), 0) / neg.length);
  const v01 = neg.map((j) => pos.reduce((t, i) => t + psi(a, i, j) - psi(b, i, j), 0) / pos.length);
  const variance = (v: number[]) => {
    const mean = v.reduce((t, x) => t + x, 0) / v.length;
    return v.reduce((t, x) => t + (x - mean) ** 2, 0) / (v.length - 1);
  };
  // The mean of the components is the Mann–Whitney AUC difference itself.
  return { difference: v10.reduce((t, x) => t + x, 0) / pos.length, standardError: Math.sqrt(variance(v10) / pos.length + variance(v01) / neg.length) };
}

/** A holdout like the AI4I-like ones: few positives, two models that share most of their signal. */
function twoModels(n: number, positives: number, seed: number) {
  const rng = new SeededRandom(seed);
  const y = Uint8Array.from({ length: n }, (_, i) => (i < positives ? 1 : 0));
  const shared = Array.from(y, (v) => 1.5 * v + rng.normal());
  const a = Float64Array.from(shared, (s) => s + 0.4 * rng.normal());
  const b = Float64Array.from(shared, (s, i) => s + 0.4 * rng.normal() + 0.2 * y[i]);
  return { y, a, b };
}

describe('pairedAucDifference', () => {
  it('gives the difference on the holdout and its standard error, as DeLong’s variance does', () => {
    const { y, a, b } = twoModels(600, 40, 3);
    const result = pairedAucDifference(y, a, b, { resamples: 2000, seed: 1 });
    const reference = delong(y, a, b);
    // The observed difference is the plain one on the holdout, not a bootstrap mean.
    expect(result.difference).toBeCloseTo(reference.difference, 12);
    expect(result.difference).toBeLessThan(-0.01);
    // Bootstrap and DeLong estimate the same variance; 2,000 resamples leave about 2 % Monte Carlo error.
    expect(result.standardError / reference.standardError).toBeGreaterThan(0.9);
    expect(result.standardError / reference.standardError).toBeLessThan(1.1);
    expect(result.resamples).toBe(2000);
  });

  it('pairs the rows: the same scores for both models differ by exactly 0 in every resample', () => {
    const { y, a } = twoModels(200, 20, 5);
    expect(pairedAucDifference(y, a, a, { resamples: 50 })).toEqual({ difference: 0, standardError: 0, withinTolerance: 1, resamples: 50 });
  });

  it('keeps both classes in every resample (stratified): one positive and one negative always give the same AUCs', () => {
    const result = pairedAucDifference([1, 0], [0.9, 0.1], [0.1, 0.9], { resamples: 20 });
    expect(result).toEqual({ difference: 1, standardError: 0, withinTolerance: 0, resamples: 20 });
  });

  it('is deterministic for a seed', () => {
    const { y, a, b } = twoModels(300, 30, 7);
    expect(pairedAucDifference(y, a, b, { resamples: 100, seed: 4 })).toEqual(pairedAucDifference(y, a, b, { resamples: 100, seed: 4 }));
  });

  it('rejects scores that do not pair with the labels, and too few resamples', () => {
    expect(() => pairedAucDifference([1, 0, 1], [0.1, 0.2], [0.1, 0.2, 0.3])).toThrow(InvalidDataError);
    expect(() => pairedAucDifference([1, 0], [0.1, 0.2], [0.1, 0.2], { resamples: 1 })).toThrow(/resamples/);
  });
});
