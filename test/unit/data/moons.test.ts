import { describe, expect, it } from 'vitest';
import { makeMoons } from '../../../lambdas/cli/sample-data/moons.ts';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { toRows } from '../../../lambdas/core/ml/dense.ts';

function meanOf(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

describe('makeMoons', () => {
  it('returns n rows of x0, x1 with ⌊n/2⌋ zeros and the rest ones', () => {
    const { X, y, featureNames } = makeMoons(201, { seed: 1 });
    expect(featureNames).toEqual(['x0', 'x1']);
    expect(X.rows).toBe(201);
    expect(X.cols).toBe(2);
    expect(y.length).toBe(201);
    expect(y.filter((v) => v === 0).length).toBe(100);
    expect(y.filter((v) => v === 1).length).toBe(101);
  });

  it('without noise puts class 0 on the upper unit half circle and class 1 on the shifted lower one', () => {
    const { X, y } = makeMoons(100, { noise: 0, seed: 2 });
    toRows(X).forEach(([x0, x1], i) => {
      if (y[i] === 0) {
        expect(x0 * x0 + x1 * x1).toBeCloseTo(1, 12);
        expect(x1).toBeGreaterThanOrEqual(0);
      } else {
        expect((x0 - 1) ** 2 + (x1 - 0.5) ** 2).toBeCloseTo(1, 12);
        expect(x1).toBeLessThanOrEqual(0.5 + 1e-12);
      }
    });
  });

  it('spaces the angles evenly from 0 to π, end points included', () => {
    const { X, y } = makeMoons(22, { noise: 0, seed: 3 });
    const angles = toRows(X)
      .filter((_, i) => y[i] === 0)
      .map(([x0, x1]) => Math.atan2(x1, x0))
      .sort((a, b) => a - b);
    expect(angles.length).toBe(11);
    angles.forEach((t, k) => expect(t).toBeCloseTo((k * Math.PI) / 10, 12));
  });

  it('shuffles the rows (labels are not in two blocks)', () => {
    const { y } = makeMoons(200, { seed: 4 });
    expect(Array.from(y.subarray(0, 100)).some((v) => v === 1)).toBe(true);
    expect(Array.from(y.subarray(100)).some((v) => v === 0)).toBe(true);
  });

  it('adds Gaussian noise with the requested standard deviation (default 0.25)', () => {
    // Same seed: same shuffle, so the difference between the two sets is exactly the noise.
    const clean = makeMoons(4000, { noise: 0, seed: 5 });
    const noisy = makeMoons(4000, { seed: 5 });
    expect(Array.from(noisy.y)).toEqual(Array.from(clean.y));
    const noise = Array.from(noisy.X.data, (v, k) => v - clean.X.data[k]);
    const mean = meanOf(noise);
    const sd = Math.sqrt(meanOf(noise.map((e) => (e - mean) ** 2)));
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(sd).toBeGreaterThan(0.24);
    expect(sd).toBeLessThan(0.26);
  });

  it('has the class means of the two half circles', () => {
    const { X, y } = makeMoons(20_000, { seed: 6 });
    const rows = toRows(X);
    const classMean = (label: number, j: number): number => meanOf(rows.filter((_, i) => y[i] === label).map((r) => r[j]));
    // Mean of sin over [0, π] is 2/π.
    expect(classMean(0, 0)).toBeCloseTo(0, 1);
    expect(classMean(0, 1)).toBeCloseTo(2 / Math.PI, 1);
    expect(classMean(1, 0)).toBeCloseTo(1, 1);
    expect(classMean(1, 1)).toBeCloseTo(0.5 - 2 / Math.PI, 1);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = makeMoons(50, { seed: 7 });
    const b = makeMoons(50, { seed: 7 });
    const c = makeMoons(50, { seed: 8 });
    expect(Array.from(a.X.data)).toEqual(Array.from(b.X.data));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    expect(Array.from(a.X.data)).not.toEqual(Array.from(c.X.data));
  });

  it('rejects a size below 2, a fractional size and a bad noise level', () => {
    expect(() => makeMoons(1, { seed: 1 })).toThrow(InvalidDataError);
    expect(() => makeMoons(10.5, { seed: 1 })).toThrow(/integer n ≥ 2, got 10.5/);
    expect(() => makeMoons(10, { noise: -0.1, seed: 1 })).toThrow(/noise/);
    expect(() => makeMoons(10, { noise: Number.NaN, seed: 1 })).toThrow(/noise/);
  });
});
