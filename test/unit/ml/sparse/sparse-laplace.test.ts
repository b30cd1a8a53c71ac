import { describe, expect, it } from 'vitest';
import { denseMatrix } from '../../../../lambdas/core/ml/dense.ts';
import { GaussianProcessClassifier } from '../../../../lambdas/core/ml/gpc.ts';
import { SeededRandom } from '../../../../lambdas/core/ml/random.ts';
import { evaluateSparseLaplace, inducingPosterior, type SparseLaplaceParameters, whitenedMode } from '../../../../lambdas/core/ml/sparse/sparse-laplace.ts';
import { SparseGaussianProcessClassifier } from '../../../../lambdas/core/ml/sparse/svgp.ts';

const random = new SeededRandom(5);
const [n, d, m] = [50, 3, 8];
const x = denseMatrix(n, d, Float64Array.from({ length: n * d }, () => random.normal()));
const y = Uint8Array.from({ length: n }, (_, i) => (x.data[i * d] - 0.7 * x.data[i * d + 1] + 0.6 * random.normal() > 0.4 ? 1 : 0));

function parameters(theta: number[], kernel: SparseLaplaceParameters['kernel'] = 'rbf'): SparseLaplaceParameters {
  return { theta: Float64Array.from(theta), inducing: Float64Array.from({ length: m * d }, () => random.normal()), kernel };
}

/** Largest relative gap between central differences of the evidence and its analytic gradient. */
function worstGap(params: SparseLaplaceParameters, values: Float64Array, gradient: Float64Array): number {
  // Each value solves for its own mode: a step of 1e-5 keeps that solve's rounding out of the difference.
  const h = 1e-5;
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    const saved = values[i];
    values[i] = saved + h;
    const up = evaluateSparseLaplace(x, y, params, m, { gradient: false }).value;
    values[i] = saved - h;
    const down = evaluateSparseLaplace(x, y, params, m, { gradient: false }).value;
    values[i] = saved;
    const fd = (up - down) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - gradient[i]) / Math.max(1, Math.abs(fd)));
  }
  return worst;
}

describe('the sparse model under the Laplace approximation', () => {
  for (const [label, theta, kernel] of [
    ['isotropic RBF', [0.4, -0.2], 'rbf'],
    ['RBF with one length scale per input', [0.6, 0.1, -0.3, 0.5], 'rbf'],
    ['Matérn 5/2 with one length scale per input', [0.2, 0.3, 0.0, 0.4], 'matern52'],
  ] as const) {
    describe(label, () => {
      const params = parameters([...theta], kernel);
      const e = evaluateSparseLaplace(x, y, params, m);
      it('finds the mode', () => expect(e.mode.converged).toBe(true));
      it('has the gradient of finite differences in θ', () => expect(worstGap(params, params.theta, e.gradTheta!)).toBeLessThan(1e-6));
      it('… and in the inducing inputs Z', () => expect(worstGap(params, params.inducing, e.gradInducing!)).toBeLessThan(1e-6));
    });
  }

  it('finds the same mode from any start', () => {
    const params = parameters([0.4, 0.2]);
    const fromZero = evaluateSparseLaplace(x, y, params, m, { gradient: false }).mode;
    const a = Float64Array.from({ length: n * m }, () => random.normal());
    const far = whitenedMode(a, y, m, { start: Float64Array.from({ length: m }, () => 30 * random.normal()) });
    const near = whitenedMode(a, y, m);
    expect(far.converged && near.converged).toBe(true);
    expect(Math.abs(far.objective - near.objective)).toBeLessThan(1e-9);
    for (let j = 0; j < m; j++) expect(far.mode[j]).toBeCloseTo(near.mode[j], 6);
    expect(fromZero.iterations).toBeGreaterThan(1);
  });

  it('refuses what it does not model, before any work', () => {
    expect(() => evaluateSparseLaplace(x, y, parameters([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), m)).toThrow(/additive terms are the variational fit's alone/);
    expect(() => evaluateSparseLaplace(x, y, parameters([0, 0, 0, 0], 'matern32-product'), m)).toThrow(/must be radial/);
    expect(() => evaluateSparseLaplace(x, y, parameters([0, 0]), m + 1)).toThrow(/Z has/);
  });

  describe('with every training row an inducing point (Z = X)', () => {
    const theta = [0.5, 0.3];
    const sparse = evaluateSparseLaplace(x, y, { theta: Float64Array.from(theta), inducing: x.data.slice() }, n);
    const exact = new GaussianProcessClassifier({ optimize: false, kernel: { theta, isotropic: true } }).fit(x, y);
    const test = denseMatrix(20, d, Float64Array.from({ length: 20 * d }, () => random.normal()));
    it("is the exact GP's Laplace evidence (up to K_mm's jitter)", () => expect(sparse.value).toBeCloseTo(exact.summary.logMarginalLikelihood, 4));
    it("predicts as the exact GP: q(v) = N(v̂, B⁻¹) in the sparse model's predictions", () => {
      const { mean, cholCov } = inducingPosterior(sparse.mode, n);
      const state = { theta: Float64Array.from(theta), inducing: x.data.slice(), mean, cholCov, nFeatures: d, constantBounds: [1e-3, 1e4] as const, lengthScaleBounds: [1e-2, 1e3] as const };
      const model = SparseGaussianProcessClassifier.fromState(state, undefined as never);
      const p = model.predict(test);
      const q = exact.predict(test);
      for (let i = 0; i < 20; i++) {
        expect(p.latentMean[i]).toBeCloseTo(q.latentMean[i], 4);
        expect(p.latentVariance[i]).toBeCloseTo(q.latentVariance[i], 4);
        expect(p.probability[i]).toBeCloseTo(q.probability[i], 5);
      }
    });
  });
});
