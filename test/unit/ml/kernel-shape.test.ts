import { describe, expect, it } from 'vitest';
import { checkKernelShape, KERNEL_PROFILES, pairValue, profileRatio, profileSlope, profileValue } from '../../../lambdas/core/ml/kernel-shape.ts';
import { ConstantRbfKernel } from '../../../lambdas/core/ml/kernel.ts';
import { fromRows } from '../../../lambdas/core/ml/dense.ts';
import { GaussianProcessClassifier } from '../../../lambdas/core/ml/gpc.ts';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';

describe('kernel profiles', () => {
  // GPML eq. 4.17 at distance r (ℓ = 1), evaluated independently in Python's float64 math:
  // exp(−r²/2), (1 + √3 r) e^(−√3 r), (1 + √5 r + 5r²/3) e^(−√5 r) at r = 0.5, 1, 2.
  const golden = {
    rbf: [0.8824969025845955, 0.6065306597126334, 0.1353352832366127],
    matern32: [0.7848876539574506, 0.4833577245965077, 0.13973135019231467],
    matern52: [0.8286491424181253, 0.5239941088318203, 0.13866021913850426],
  };
  for (const shape of KERNEL_PROFILES) {
    it(`${shape}: κ(r²) at r = 0.5, 1, 2 and κ(0) = 1`, () => {
      [0.5, 1, 2].forEach((r, i) => expect(profileValue(shape, r * r)).toBeCloseTo(golden[shape][i], 12));
      expect(profileValue(shape, 0)).toBe(1);
    });
    it(`${shape}: the slope is −2 κ′(s) (central differences)`, () => {
      for (const s of [1e-3, 0.3, 1, 4]) {
        const h = 1e-6;
        const fd = (-2 * (profileValue(shape, s + h) - profileValue(shape, s - h))) / (2 * h);
        expect(profileSlope(shape, s)).toBeCloseTo(fd, 7);
      }
    });
  }
  it('a product shape is the product of one-dimensional profiles, with ρ = κ̃/κ per input', () => {
    const [a, b, w] = [[0.3, -1, 2], [1.1, 0.5, 2.4], [1, 0.25, 4]];
    for (const profile of ['matern32', 'matern52'] as const) {
      const product = a.reduce((p, _, k) => p * profileValue(profile, (a[k] - b[k]) ** 2 * w[k]), 1);
      expect(pairValue(`${profile}-product`, a, 0, b, 0, 3, w)).toBeCloseTo(product, 14);
      expect(profileRatio(profile, 0.7)).toBeCloseTo(profileSlope(profile, 0.7) / profileValue(profile, 0.7), 14);
    }
    // One input: product and radial agree.
    expect(pairValue('matern32-product', [0.4], 0, [1.9], 0, 1, [2])).toBeCloseTo(pairValue('matern32', [0.4], 0, [1.9], 0, 1, [2]), 14);
  });
  it('rejects an unknown kernel with a TypeError naming the choices', () => {
    expect(() => checkKernelShape('matern12', 'config')).toThrow(/rbf, matern32, matern52, matern32-product, matern52-product/);
  });
  it('ConstantRbfKernel evaluates a Matérn profile and keeps it through toJSON and load', () => {
    const kernel = new ConstantRbfKernel(2, { constant: 2, lengthScale: [0.5, 2], isotropic: false, shape: 'matern32' });
    const k = kernel.matrix(fromRows([[0, 0], [0.5, 2]]));
    // s = (0.5/0.5)² + (2/2)² = 2, r = √6.
    expect(k[1]).toBeCloseTo(2 * (1 + Math.sqrt(6)) * Math.exp(-Math.sqrt(6)), 14);
    const loaded = ConstantRbfKernel.load(kernel.toJSON(), 2);
    expect(loaded.shape).toBe('matern32');
    expect(loaded.toString()).toMatch(/Matern\(nu=1\.5\)/);
  });
  it('the exact GP refuses to optimise a Matérn (its gradient is the RBF\'s) but predicts with one at fixed θ', () => {
    const x = fromRows([[0, 0], [1, 0.5], [2, 1], [3, 1.2], [0.5, 2], [2.5, 0.1]]);
    const y = [0, 0, 1, 1, 0, 1];
    expect(() => new GaussianProcessClassifier({ kernel: { shape: 'matern32' } }).fit(x, y)).toThrow(InvalidDataError);
    expect(() => new GaussianProcessClassifier({ kernel: { shape: 'matern32' } }).fit(x, y)).toThrow(/fits the RBF kernel only/);
    const fixed = new GaussianProcessClassifier({ optimize: false, kernel: { shape: 'matern32' } }).fit(x, y);
    expect(fixed.kernel.shape).toBe('matern32');
  });
});
