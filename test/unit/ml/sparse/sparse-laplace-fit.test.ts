import { describe, expect, it } from 'vitest';
import { denseMatrix } from '../../../../lambdas/core/ml/dense.ts';
import { rocAuc } from '../../../../lambdas/core/ml/metrics.ts';
import { SeededRandom } from '../../../../lambdas/core/ml/random.ts';
import { fitSparseLaplace } from '../../../../lambdas/core/ml/sparse/sparse-laplace-fit.ts';
import { evaluateSparseLaplace } from '../../../../lambdas/core/ml/sparse/sparse-laplace.ts';

const random = new SeededRandom(11);
function rows(n: number): { x: ReturnType<typeof denseMatrix>; y: Uint8Array } {
  const x = denseMatrix(n, 3, Float64Array.from({ length: n * 3 }, () => random.normal()));
  // The label depends on the first input strongly, the second weakly and the third not at all.
  const y = Uint8Array.from({ length: n }, (_, i) => (Math.sin(2 * x.data[i * 3]) + 0.3 * x.data[i * 3 + 1] + 0.3 * random.normal() > 0.5 ? 1 : 0));
  return { x, y };
}

describe('fitting the sparse model by the Laplace approximation', () => {
  const train = rows(300);
  const test = rows(400);
  const fit = fitSparseLaplace(train.x, train.y, { inducingPoints: 30, ard: true, seed: 1 });
  const { summary } = fit.model;

  it('raises the evidence from the start in each stage, and reports what it did', () => {
    expect(summary.optimizer.stages.map((s) => s.stage)).toEqual(['isotropic', 'ard']);
    const start = evaluateSparseLaplace(train.x, train.y, { theta: Float64Array.from([0, Math.log(Math.sqrt(3))]), inducing: fit.model.state.inducing }, 30, { gradient: false }).value;
    expect(fit.evidence).toBeGreaterThan(start + 1);
    expect(summary.optimizer.trace[0]).toBeCloseTo(start, 6);
    expect(summary.nInducing).toBe(30);
    expect(summary.kernel).toMatch(/Laplace/);
    expect(Number.isFinite(summary.elbo) && summary.elbo < fit.evidence + 50).toBe(true);
  });

  it('learns which inputs matter (one length scale per input)', () => {
    const [first, second, third] = summary.relevances;
    expect(first).toBeGreaterThan(third);
    expect(second).toBeGreaterThan(third);
  });

  it('predicts held-out rows well, with probabilities and latent variances of the variational model’s shape', () => {
    const p = fit.model.predict(test.x);
    expect(rocAuc(test.y, p.probability)).toBeGreaterThan(0.85);
    for (let i = 0; i < test.x.rows; i++) {
      expect(p.probability[i]).toBeGreaterThan(0);
      expect(p.probability[i]).toBeLessThan(1);
      expect(p.latentVariance[i]).toBeGreaterThan(0);
    }
  });

  it('is deterministic for a seed', () => {
    const again = fitSparseLaplace(train.x, train.y, { inducingPoints: 30, ard: true, seed: 1 });
    expect(Array.from(again.model.state.theta)).toEqual(Array.from(fit.model.state.theta));
  });

  it('refuses bad options with a message that names them', () => {
    expect(() => fitSparseLaplace(train.x, train.y, { inducingPoints: 301 })).toThrow(/inducingPoints must be an integer in \[1, 300\]/);
    expect(() => fitSparseLaplace(train.x, train.y, { lengthScaleBounds: [2, 1] })).toThrow(/lengthScaleBounds/);
    expect(() => fitSparseLaplace(train.x, train.y.subarray(1))).toThrow(/300 rows but 299 labels/);
  });
});
