import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../../../lambdas/core/errors.ts';
import { gaussHermite } from '../../../../lambdas/core/ml/sparse/gauss-hermite.ts';
import { expectedLogSigmoid } from '../../../../lambdas/core/ml/sparse/expected-log-sigmoid.ts';

/** E[g(f)], f ~ N(mean, variance), by the rule. */
function expectation(points: number, mean: number, variance: number, g: (f: number) => number): number {
  const { nodes, weights } = gaussHermite(points);
  let s = 0;
  for (let k = 0; k < points; k++) s += weights[k] * g(mean + Math.sqrt(2 * variance) * nodes[k]);
  return s;
}

describe('Gauss–Hermite quadrature', () => {
  it('has the tabulated nodes of small rules', () => {
    expect(Array.from(gaussHermite(2).nodes)).toEqual([-Math.SQRT1_2, Math.SQRT1_2].map((v) => expect.closeTo(v, 15)));
    // H_3 roots: 0, ±√(3/2); weights √π·(1/6, 2/3, 1/6) before dividing by √π.
    const r3 = gaussHermite(3);
    expect(r3.nodes[2]).toBeCloseTo(Math.sqrt(1.5), 14);
    expect(r3.weights[0]).toBeCloseTo(1 / 6, 14);
    expect(r3.weights[1]).toBeCloseTo(2 / 3, 14);
  });

  it('integrates Gaussian moments exactly up to degree 2K − 1', () => {
    // E[f⁴] = 3 s² + 6 m² s + m⁴ for f ~ N(m, s).
    const [m, s] = [0.7, 2.5];
    expect(expectation(3, m, s, (f) => f ** 4)).toBeCloseTo(3 * s * s + 6 * m * m * s + m ** 4, 11);
    expect(expectation(20, 0, 1, (f) => f ** 6)).toBeCloseTo(15, 10);
  });

  it('matches a closed form that is not a polynomial: E[e^f] = e^{m + s/2}', () => {
    expect(expectation(20, 0.3, 0.8, Math.exp)).toBeCloseTo(Math.exp(0.3 + 0.4), 12);
  });

  it('gives E[log σ(f)] as a fine trapezoid rule does, with consistent derivatives', () => {
    const [mean, variance] = [1.3, 4];
    let reference = 0;
    const h = 1e-3;
    for (let z = -12; z <= 12; z += h) {
      const f = mean + Math.sqrt(variance) * z;
      reference += (h * Math.exp(-0.5 * z * z) * -Math.log1p(Math.exp(-f))) / Math.sqrt(2 * Math.PI);
    }
    const out = new Float64Array(3);
    const { nodes, weights } = gaussHermite(20);
    expectedLogSigmoid(1, mean, variance, nodes, weights, out);
    expect(out[0]).toBeCloseTo(reference, 6);
    const at = (m: number, v: number) => {
      const o = new Float64Array(3);
      expectedLogSigmoid(1, m, v, nodes, weights, o);
      return o[0];
    };
    expect(out[1]).toBeCloseTo((at(mean + 1e-6, variance) - at(mean - 1e-6, variance)) / 2e-6, 7);
    expect(out[2]).toBeCloseTo((at(mean, variance + 1e-6) - at(mean, variance - 1e-6)) / 2e-6, 7);
    // The log-sigmoid is concave: the variance derivative is never positive.
    expect(out[2]).toBeLessThan(0);
  });

  it('rejects a number of points that is not a positive integer up to 100', () => {
    expect(() => gaussHermite(0)).toThrow(InvalidDataError);
    expect(() => gaussHermite(2.5)).toThrow(/integer in \[1, 100\]/);
  });
});
