import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../../../lambdas/core/errors.ts';
import { deserializeModel, serializeModel } from '../../../../lambdas/core/ml/artifact.ts';
import { type DenseMatrix, denseMatrix } from '../../../../lambdas/core/ml/dense.ts';
import { MaintenanceModel } from '../../../../lambdas/core/ml/maintenance-model.ts';
import { rocAuc } from '../../../../lambdas/core/ml/metrics.ts';
import { SeededRandom } from '../../../../lambdas/core/ml/random.ts';
import type { FitCheckpoint } from '../../../../lambdas/core/ml/resumable-fit.ts';
import { StandardScaler } from '../../../../lambdas/core/ml/scaler.ts';
import { fitSparseLaplace, resumeSparseLaplaceFit, type SparseLaplaceFitOptions, startSparseLaplaceFit } from '../../../../lambdas/core/ml/sparse/sparse-laplace-fit.ts';
import { evaluateSparseLaplace } from '../../../../lambdas/core/ml/sparse/sparse-laplace.ts';
import { startSparseFit } from '../../../../lambdas/core/ml/sparse/sparse-fit.ts';
import type { SparseGaussianProcessClassifier } from '../../../../lambdas/core/ml/sparse/svgp.ts';
import { asGp } from '../../../support/deployed.ts';

const random = new SeededRandom(11);
function rows(n: number): { x: DenseMatrix; y: Uint8Array } {
  const x = denseMatrix(n, 3, Float64Array.from({ length: n * 3 }, () => random.normal()));
  // The label depends on the first input strongly, the second weakly and the third not at all.
  const y = Uint8Array.from({ length: n }, (_, i) => (Math.sin(2 * x.data[i * 3]) + 0.3 * x.data[i * 3 + 1] + 0.3 * random.normal() > 0.5 ? 1 : 0));
  return { x, y };
}

const OPTIONS: SparseLaplaceFitOptions = { inducingPoints: 30, ard: true, seed: 1 };
const train = rows(300);
const test = rows(400);

const bitwiseEqual = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

function expectSameModel(a: SparseGaussianProcessClassifier, b: SparseGaussianProcessClassifier): void {
  for (const key of ['theta', 'inducing', 'mean', 'cholCov'] as const) expect(bitwiseEqual(a.state[key], b.state[key]), key).toBe(true);
  expect(bitwiseEqual(a.predict(test.x).probability, b.predict(test.x).probability)).toBe(true);
}

describe('fitting the sparse model by the Laplace approximation', () => {
  const model = fitSparseLaplace(train.x, train.y, OPTIONS);
  const { summary } = model;

  it('raises the evidence in each stage from where it starts, and reports what it did', () => {
    expect(summary.optimizer.stages.map((s) => s.stage)).toEqual(['isotropic', 'ard']);
    const start = evaluateSparseLaplace(train.x, train.y, { theta: Float64Array.from([0, Math.log(Math.sqrt(3))]), inducing: model.state.inducing }, 30, { gradient: false }).value;
    expect(summary.optimizer.trace[0]).toBeCloseTo(start, 6);
    const [isotropic, ard] = summary.optimizer.stages;
    expect(isotropic.elbo).toBeGreaterThan(start + 1);
    expect(ard.elbo).toBeGreaterThanOrEqual(isotropic.elbo);
    expect(summary.kernel).toMatch(/30 inducing points, Laplace \(evidence/);
    // The summary's ELBO is the variational bound at q(v) = N(v̂, B⁻¹): below the evidence of the same model.
    expect(summary.elbo).toBeLessThan(ard.elbo);
  });

  it('learns which inputs matter (one length scale per input)', () => {
    const [first, second, third] = summary.relevances;
    expect(first).toBeGreaterThan(third);
    expect(second).toBeGreaterThan(third);
  });

  it('predicts held-out rows well', () => expect(rocAuc(test.y, model.predict(test.x).probability)).toBeGreaterThan(0.85));

  it('gives cavity scores of its training rows, and goes into a MaintenanceModel and its artifact like any sparse model', () => {
    const loo = model.leaveOneOut();
    expect(rocAuc(train.y, loo.probability)).toBeGreaterThan(0.8);
    // Leaving a row's own site out makes its score less sure than the posterior's.
    const posterior = model.predict(train.x);
    for (let i = 0; i < train.x.rows; i++) expect(loo.latentVariance[i]).toBeGreaterThanOrEqual(posterior.latentVariance[i] - 1e-12);
    const names = ['a', 'b', 'c'];
    const wrapped = MaintenanceModel.fromClassifier({ X: train.x, y: train.y, featureNames: names }, new StandardScaler().fit(train.x), model, { targetRecall: 0.9 });
    expect(wrapped.threshold.recall).toBeGreaterThanOrEqual(0.9);
    const loaded = asGp(deserializeModel(serializeModel(wrapped, { modelVersion: 'laplace-1', createdAt: '2026-12-06T00:00:00.000Z' })).model);
    expect(bitwiseEqual(loaded.predict(test.x).probability, wrapped.predict(test.x).probability)).toBe(true);
  });

  it('stops a stage that stalls, when asked (stallNats: gain over its last 5 iterations)', () => {
    const stalled = fitSparseLaplace(train.x, train.y, { ...OPTIONS, stallNats: 1e6 });
    expect(stalled.summary.optimizer.stages.map((st) => [st.stage, st.iterations, st.reason])).toEqual([
      ['isotropic', 5, 'stalled'],
      ['ard', 5, 'stalled'],
    ]);
    expect(summary.optimizer.stages.every((st) => st.reason !== 'stalled')).toBe(true);
  });

  it('is deterministic for a seed', () => expectSameModel(fitSparseLaplace(train.x, train.y, OPTIONS), model));

  for (const [name, options] of [
    ['isotropic, then ARD', OPTIONS],
    ['Z moved with θ', { ...OPTIONS, ard: false, optimizeInducing: true, maxIterations: 8 }],
  ] as Array<[string, SparseLaplaceFitOptions]>) {
    it(`resumes bit for bit from JSON checkpoints, whatever the deadlines: ${name}`, () => {
      const uninterrupted = fitSparseLaplace(train.x, train.y, options);
      let fit = startSparseLaplaceFit(train.x, train.y, options);
      let rounds = 0;
      // A deadline already passed: one L-BFGS iteration per round, a new "process" after each.
      while (!fit.advance(performance.now())) {
        const checkpoint = JSON.parse(JSON.stringify(fit.checkpoint())) as FitCheckpoint;
        expect(checkpoint.rounds).toBe(++rounds);
        fit = resumeSparseLaplaceFit(train.x, train.y, checkpoint, options);
      }
      expect(rounds).toBeGreaterThan(5);
      expect(fit.status()).toMatchObject({ objectiveName: 'evidence', objective: uninterrupted.summary.optimizer.stages.at(-1)!.elbo });
      expect(fit.status().iteration).toBe(uninterrupted.summary.optimizer.stages.reduce((t, s) => t + s.iterations, 0));
      expectSameModel(fit.result(), uninterrupted);
    });
  }

  it("refuses a checkpoint of other data, of the variational fit, or damaged, before any work", () => {
    const fit = startSparseLaplaceFit(train.x, train.y, OPTIONS);
    fit.advance(performance.now());
    const checkpoint = fit.checkpoint();
    const fewer = rows(200);
    expect(() => resumeSparseLaplaceFit(fewer.x, fewer.y, checkpoint, OPTIONS)).toThrow(/checkpoint was taken on 300×3 rows/);
    expect(() => resumeSparseLaplaceFit(train.x, train.y, { ...checkpoint, kind: 'gpc-exact' }, OPTIONS)).toThrow(InvalidDataError);
    const variational = startSparseFit(train.x, train.y, { inducingPoints: 30 });
    variational.advance(performance.now());
    expect(() => resumeSparseLaplaceFit(train.x, train.y, variational.checkpoint(), OPTIONS)).toThrow(/invalid Laplace sparse fit checkpoint/);
    const damaged = (edit: Record<string, unknown>) => ({ ...checkpoint, state: { ...(checkpoint.state as object), ...edit } });
    expect(() => resumeSparseLaplaceFit(train.x, train.y, damaged({ modeStart: '' }), OPTIONS)).toThrow(/modeStart has 0 values/);
    expect(() => resumeSparseLaplaceFit(train.x, train.y, damaged({ theta: '' }), OPTIONS)).toThrow(/theta has 0 values/);
    expect(() => resumeSparseLaplaceFit(train.x, train.y, checkpoint, { ...OPTIONS, inducingPoints: 20 })).toThrow(/inducing has 90 values/);
    expect(() => fit.result()).toThrow(/not done/);
  });

  it('refuses bad options and data with a message that names them', () => {
    expect(() => fitSparseLaplace(train.x, train.y, { inducingPoints: 301 })).toThrow(/inducingPoints must be an integer in \[1, 300\]/);
    expect(() => fitSparseLaplace(train.x, train.y, { lengthScaleBounds: [2, 1] })).toThrow(/lengthScaleBounds needs 0 < lower < upper/);
    expect(() => fitSparseLaplace(train.x, train.y, { kernel: 'matern32-product' })).toThrow(/must be radial/);
    expect(() => fitSparseLaplace(train.x, train.y, { stallNats: -1 })).toThrow(/stallNats must be a finite number ≥ 0/);
    expect(() => fitSparseLaplace(train.x, train.y.subarray(1))).toThrow(InvalidDataError);
  });
});
