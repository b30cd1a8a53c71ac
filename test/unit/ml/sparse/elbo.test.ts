import { describe, expect, it } from 'vitest';
import { denseMatrix } from '../../../../lambdas/core/ml/dense.ts';
import { SeededRandom } from '../../../../lambdas/core/ml/random.ts';
import { evaluateElbo, type SparseParameters } from '../../../../lambdas/core/ml/sparse/elbo.ts';
import { optimizeVariational } from '../../../../lambdas/core/ml/sparse/natural-gradient.ts';

const random = new SeededRandom(3);
const [n, d, m] = [45, 3, 7];
const x = denseMatrix(n, d, Float64Array.from({ length: n * d }, () => random.normal()));
const y = Uint8Array.from({ length: n }, (_, i) => (x.data[i * d] + 0.5 * random.normal() > 0 ? 1 : 0));

function randomParameters(ard: boolean): SparseParameters {
  const cholCov = new Float64Array(m * m);
  for (let j = 0; j < m; j++) for (let k = 0; k <= j; k++) cholCov[j * m + k] = j === k ? 0.5 + random.uniform() : 0.3 * random.normal();
  return {
    theta: ard ? Float64Array.from([0.3, 0.1, -0.2, 0.4]) : Float64Array.from([0.3, 0.1]),
    inducing: Float64Array.from({ length: m * d }, () => random.normal()),
    mean: Float64Array.from({ length: m }, () => random.normal()),
    cholCov,
  };
}

/** Largest relative gap between central differences of the value and the analytic gradient. */
function worstGap(params: SparseParameters, values: Float64Array, gradient: Float64Array, indices: number[]): number {
  const h = 1e-6;
  let worst = 0;
  for (const i of indices) {
    const saved = values[i];
    values[i] = saved + h;
    const up = evaluateElbo(x, y, params, { scope: 'none' }).value;
    values[i] = saved - h;
    const down = evaluateElbo(x, y, params, { scope: 'none' }).value;
    values[i] = saved;
    const fd = (up - down) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - gradient[i]) / Math.max(1, Math.abs(fd)));
  }
  return worst;
}

describe('sparse GP evidence lower bound', () => {
  for (const ard of [false, true]) {
    describe(ard ? 'ARD kernel' : 'isotropic kernel', () => {
      const params = randomParameters(ard);
      const e = evaluateElbo(x, y, params);
      const lower = Array.from({ length: m * m }, (_, i) => i).filter((i) => i % m <= Math.floor(i / m));
      it('has the gradient of finite differences in θ', () => expect(worstGap(params, params.theta, e.gradTheta!, [...params.theta.keys()])).toBeLessThan(1e-6));
      it('… in the inducing inputs Z', () => expect(worstGap(params, params.inducing, e.gradInducing!, [...params.inducing.keys()])).toBeLessThan(1e-6));
      it('… in the variational mean μ', () => expect(worstGap(params, params.mean, e.gradMean!, [...params.mean.keys()])).toBeLessThan(1e-6));
      it('… in the lower triangle of L', () => expect(worstGap(params, params.cholCov, e.gradCholCov!, lower)).toBeLessThan(1e-6));
    });
  }

  for (const kernel of ['matern32', 'matern52', 'matern32-product', 'matern52-product'] as const) {
    describe(`Matérn kernel ${kernel} (ARD)`, () => {
      const params = { ...randomParameters(true), kernel };
      const e = evaluateElbo(x, y, params);
      it('has the gradient of finite differences in θ', () => expect(worstGap(params, params.theta, e.gradTheta!, [...params.theta.keys()])).toBeLessThan(1e-6));
      it('… in the inducing inputs Z', () => expect(worstGap(params, params.inducing, e.gradInducing!, [...params.inducing.keys()])).toBeLessThan(1e-6));
      it('is another bound than the RBF one at the same parameters', () => expect(Math.abs(e.value - evaluateElbo(x, y, { ...params, kernel: 'rbf' }, { scope: 'none' }).value)).toBeGreaterThan(1e-3));
    });
  }

  // θ = [log c, log ℓ_1..3, log a_1..3, log λ_1..3]: the full ARD kernel plus one RBF per input.
  for (const kernel of ['rbf', 'matern52-product'] as const) {
    describe(`additive kernel over ${kernel}`, () => {
      const params = { ...randomParameters(true), kernel, theta: Float64Array.from([0.3, 0.1, -0.2, 0.4, -0.5, 0.2, -1.1, -0.3, 0.6, -0.4]) };
      const e = evaluateElbo(x, y, params);
      const lower = Array.from({ length: m * m }, (_, i) => i).filter((i) => i % m <= Math.floor(i / m));
      it('has the gradient of finite differences in θ (variances and length scales of every term)', () =>
        expect(worstGap(params, params.theta, e.gradTheta!, [...params.theta.keys()])).toBeLessThan(1e-6));
      it('… in the inducing inputs Z', () => expect(worstGap(params, params.inducing, e.gradInducing!, [...params.inducing.keys()])).toBeLessThan(1e-6));
      it('… in the lower triangle of L', () => expect(worstGap(params, params.cholCov, e.gradCholCov!, lower)).toBeLessThan(1e-6));
      it('is the full kernel alone when every additive variance vanishes', () => {
        const vanishing = { ...params, theta: Float64Array.from(params.theta, (v, k) => (k >= 4 && k < 7 ? -60 : v)) };
        const full = { ...params, theta: params.theta.slice(0, 4) };
        expect(evaluateElbo(x, y, vanishing, { scope: 'none' }).value).toBeCloseTo(evaluateElbo(x, y, full, { scope: 'none' }).value, 9);
      });
    });
  }

  // warp = [b⁺_1..3, b⁻_1..3] (input-warp.ts): X and Z warped before the kernel.
  for (const kernel of ['rbf', 'matern52-product'] as const) {
    describe(`warped inputs, additive kernel over ${kernel}`, () => {
      const params = { ...randomParameters(true), kernel, theta: Float64Array.from([0.3, 0.1, -0.2, 0.4, -0.5, 0.2, -1.1, -0.3, 0.6, -0.4]), warp: Float64Array.from([0.4, 0, 1.3, 0.2, 0.9, 0]) };
      const e = evaluateElbo(x, y, params);
      it('has the gradient of finite differences in the warp (both tails of every input)', () => expect(worstGap(params, params.warp, e.gradWarp!, [...params.warp.keys()])).toBeLessThan(1e-6));
      it('… in θ', () => expect(worstGap(params, params.theta, e.gradTheta!, [...params.theta.keys()])).toBeLessThan(1e-6));
      it('… in the inducing inputs Z (through the warp)', () => expect(worstGap(params, params.inducing, e.gradInducing!, [...params.inducing.keys()])).toBeLessThan(1e-6));
      it('is the unwarped bound when the warp is the identity', () => {
        const identity = { ...params, warp: new Float64Array(6) };
        const { warp: _, ...plain } = params;
        expect(evaluateElbo(x, y, identity, { scope: 'none' }).value).toBe(evaluateElbo(x, y, plain, { scope: 'none' }).value);
      });
      it('is another bound when the warp is not the identity', () => {
        const { warp: _, ...plain } = params;
        expect(Math.abs(e.value - evaluateElbo(x, y, plain, { scope: 'none' }).value)).toBeGreaterThan(1e-3);
      });
    });
  }

  it('is the expected log-likelihood alone when q(v) is the prior (KL = 0)', () => {
    const params = randomParameters(false);
    params.mean.fill(0);
    params.cholCov.fill(0);
    for (let j = 0; j < m; j++) params.cholCov[j * m + j] = 1;
    const e = evaluateElbo(x, y, params, { scope: 'none' });
    expect(e.kl).toBeCloseTo(0, 14);
    // Every q(f_i) is then the prior N(0, c): E[log σ(±f)] is the same for every row.
    const c = Math.exp(0.3);
    let reference = 0;
    const h = 1e-3;
    for (let z = -12; z <= 12; z += h) reference += (h * Math.exp(-0.5 * z * z) * -Math.log1p(Math.exp(-Math.sqrt(c) * z))) / Math.sqrt(2 * Math.PI);
    expect(e.value).toBeCloseTo(n * reference, 5);
  });

  it('natural-gradient steps reach the q(v) where the gradient in μ and L vanishes', () => {
    const params = randomParameters(true);
    const q = optimizeVariational(x, y, params);
    const e = evaluateElbo(x, y, { ...params, ...q }, { scope: 'variational' });
    expect(Math.max(...e.gradMean!.map(Math.abs))).toBeLessThan(1e-5);
    expect(Math.max(...e.gradCholCov!.map(Math.abs))).toBeLessThan(1e-5);
    expect(e.value).toBeGreaterThan(evaluateElbo(x, y, params, { scope: 'none' }).value);
  });
});
