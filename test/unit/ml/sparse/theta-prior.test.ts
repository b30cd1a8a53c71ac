import { describe, expect, it } from 'vitest';
import { logThetaPrior } from '../../../../lambdas/core/ml/sparse/theta-prior.ts';

describe('the Gaussian prior on log θ', () => {
  const prior = { centre: Float64Array.of(0.5, -1, 2), scale: 0.7 };

  it('is −½ Σ ((θ − centre) / scale)², zero at its centre', () => {
    expect(logThetaPrior(prior.centre, prior).value).toBe(0);
    const theta = [1.2, -1, 0.6];
    const expected = -0.5 * ((0.7 / 0.7) ** 2 + 0 + (1.4 / 0.7) ** 2);
    expect(logThetaPrior(theta, prior).value).toBeCloseTo(expected, 12);
  });

  it('has the gradient of its value (central differences)', () => {
    const theta = [1.2, -0.3, 0.6];
    const { gradient } = logThetaPrior(theta, prior);
    const h = 1e-6;
    for (let k = 0; k < theta.length; k++) {
      const up = theta.slice();
      const down = theta.slice();
      up[k] += h;
      down[k] -= h;
      const numeric = (logThetaPrior(up, prior).value - logThetaPrior(down, prior).value) / (2 * h);
      expect(gradient[k]).toBeCloseTo(numeric, 6);
    }
  });

  it('refuses a θ of another length with a RangeError', () => {
    expect(() => logThetaPrior([1, 2], prior)).toThrow(RangeError);
  });
});
