import { describe, expect, it } from 'vitest';
import { makeMoons } from '../../../../lambdas/cli/sample-data/moons.ts';
import { InvalidDataError } from '../../../../lambdas/core/errors.ts';
import { type DenseMatrix, denseMatrix } from '../../../../lambdas/core/ml/dense.ts';
import { GaussianProcessClassifier } from '../../../../lambdas/core/ml/gpc.ts';
import type { FitCheckpoint } from '../../../../lambdas/core/ml/resumable-fit.ts';
import { evaluateElbo } from '../../../../lambdas/core/ml/sparse/elbo.ts';
import { optimizeVariational } from '../../../../lambdas/core/ml/sparse/natural-gradient.ts';
import { fitSparse, resumeSparseFit, type SparseFitOptions, startSparseFit } from '../../../../lambdas/core/ml/sparse/sparse-fit.ts';
import { SparseGaussianProcessClassifier } from '../../../../lambdas/core/ml/sparse/svgp.ts';

const moons = makeMoons(120, { seed: 5, noise: 0.25 });
const OPTIONS: SparseFitOptions = { inducingPoints: 12, maxIterations: 12, seed: 3 };

function bitwiseEqual(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function expectSameModel(a: SparseGaussianProcessClassifier, b: SparseGaussianProcessClassifier, probe: DenseMatrix): void {
  for (const key of ['theta', 'inducing', 'mean', 'cholCov'] as const) expect(bitwiseEqual(a.state[key], b.state[key]), key).toBe(true);
  const [pa, pb] = [a.predict(probe), b.predict(probe)];
  expect(bitwiseEqual(pa.probability, pb.probability)).toBe(true);
  expect(bitwiseEqual(pa.latentVariance, pb.latentVariance)).toBe(true);
}

describe('sparse GP fit', () => {
  it('is deterministic for a seed, and the seed matters', () => {
    const a = fitSparse(moons.X, moons.y, OPTIONS);
    const b = fitSparse(moons.X, moons.y, OPTIONS);
    expectSameModel(a, b, moons.X);
    const other = fitSparse(moons.X, moons.y, { ...OPTIONS, seed: 4, maxIterations: 1 });
    expect(bitwiseEqual(other.state.inducing, a.state.inducing)).toBe(false);
  });

  it('learns: the ELBO rises through the stages and the training rows are separated', () => {
    const model = fitSparse(moons.X, moons.y, OPTIONS);
    const { stages, trace } = model.summary.optimizer;
    expect(stages.map((s) => s.stage)).toEqual(['isotropic', 'ard', 'variational']);
    expect(trace.at(-1)!).toBeGreaterThan(trace[0]);
    const p = model.predict(moons.X).probability;
    const correct = Array.from(p).filter((v, i) => (v >= 0.5 ? 1 : 0) === moons.y[i]).length;
    expect(correct / moons.X.rows).toBeGreaterThan(0.9);
    expect(model.relevances()).toHaveLength(2);
    expect(model.summary.relevances.every((r) => r > 0)).toBe(true);
  });

  const variants: Array<[string, SparseFitOptions]> = [
    ['defaults (Z fixed)', OPTIONS],
    ['Z optimised', { ...OPTIONS, optimizeInducing: true, maxIterations: 6 }],
    ['hyperparameters on a subsample', { ...OPTIONS, optimizeRows: 60 }],
    ['a subsample, then θ refined on every row', { ...OPTIONS, optimizeRows: 60, refineRows: 120, variationalTolerance: 1e-4, stallNats: 0.01 }],
    ['a subsample, then minibatches over every row', { ...OPTIONS, optimizeRows: 60, minibatchEpochs: 2, minibatchRows: 50, additive: true, warp: true }],
    ['a prior on θ through the refine stage', { ...OPTIONS, optimizeRows: 60, refineRows: 120, thetaPriorScale: 0.5, additive: true }],
    ['a prior on θ through the minibatch stage', { ...OPTIONS, optimizeRows: 60, minibatchEpochs: 1, minibatchRows: 50, thetaPriorScale: 0.5 }],
  ];
  for (const [name, options] of variants) {
    it(`resumes bit for bit from JSON checkpoints, whatever the deadlines: ${name}`, () => {
      const uninterrupted = fitSparse(moons.X, moons.y, options);
      let fit = startSparseFit(moons.X, moons.y, options);
      let rounds = 0;
      // A deadline already passed: one unit of work per round, a new "process" after each.
      while (!fit.advance(performance.now())) {
        const checkpoint = JSON.parse(JSON.stringify(fit.checkpoint())) as FitCheckpoint;
        expect(checkpoint.rounds).toBe(++rounds);
        fit = resumeSparseFit(moons.X, moons.y, checkpoint, options);
      }
      expect(rounds).toBeGreaterThan(5);
      expect(fit.status().iteration).toBe(uninterrupted.summary.optimizer.stages.reduce((t, s) => t + s.iterations, 0));
      expectSameModel(fit.result(), uninterrupted, moons.X);
    });
  }

  it('refuses a checkpoint of other data or another kind', () => {
    const fit = startSparseFit(moons.X, moons.y, OPTIONS);
    fit.advance(performance.now());
    const checkpoint = fit.checkpoint();
    const fewer = makeMoons(100, { seed: 5 });
    expect(() => resumeSparseFit(fewer.X, fewer.y, checkpoint, OPTIONS)).toThrow(/checkpoint was taken on 120×2 rows/);
    expect(() => resumeSparseFit(moons.X, moons.y, { ...checkpoint, kind: 'gpc-exact' }, OPTIONS)).toThrow(InvalidDataError);
    expect(() => resumeSparseFit(moons.X, moons.y, { ...checkpoint, state: { version: 1 } }, OPTIONS)).toThrow(/invalid sparse fit checkpoint/);
    // A prior's centre of another length than θ (corrupt) is refused as bad data, before any work.
    const withCentre = { ...checkpoint, state: { ...(checkpoint.state as object), thetaCentre: '' } };
    expect(() => resumeSparseFit(moons.X, moons.y, withCentre, OPTIONS)).toThrow(/thetaCentre has 0 values but theta has/);
    expect(() => fit.result()).toThrow(/not done/);
  });

  it('rejects bad options and data with a message that names them', () => {
    expect(() => startSparseFit(moons.X, moons.y, { inducingPoints: 121 })).toThrow(/inducingPoints is 121 but there are only 120 training rows/);
    expect(() => startSparseFit(moons.X, moons.y, { inducingPoints: 0 })).toThrow(RangeError);
    expect(() => startSparseFit(moons.X, moons.y, { lengthScaleBounds: [2, 1] })).toThrow(/lengthScaleBounds needs 0 < lower < upper/);
    expect(() => startSparseFit(moons.X, moons.y, { constant: -1 })).toThrow(RangeError);
    expect(() => startSparseFit(moons.X, moons.y, { ard: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => startSparseFit(moons.X, new Uint8Array(120))).toThrow(/single class/);
    expect(() => startSparseFit(moons.X, moons.y.slice(1))).toThrow(/120 rows but 119 labels/);
  });
});

describe('sparse → exact as m → n', () => {
  // Z = X and the exact model's θ: the SVGP posterior is then the Gaussian variational
  // approximation of the full GP, which differs from Laplace's, but only a little.
  const data = makeMoons(80, { seed: 9, noise: 0.3 });
  const theta = [Math.log(4), Math.log(0.8)];
  const exact = new GaussianProcessClassifier({ optimize: false, kernel: { theta } }).fit(data.X, data.y);
  const n = data.X.rows;
  const identity = new Float64Array(n * n);
  for (let j = 0; j < n; j++) identity[j * n + j] = 1;
  const params = { theta: Float64Array.from(theta), inducing: data.X.data.slice(), mean: new Float64Array(n), cholCov: identity };
  const q = optimizeVariational(data.X, data.y, params);
  const state = { ...params, ...q, nFeatures: 2, constantBounds: [1e-3, 1e4] as const, lengthScaleBounds: [1e-2, 1e3] as const };
  const rows = evaluateElbo(data.X, data.y, state, { scope: 'none', rows: true }).rows!;
  const summary = { nTrain: n, nPositive: 40, nInducing: n, theta, kernel: '', elbo: q.value, logMarginalLikelihood: q.value, relevances: [1, 1], optimizer: { stages: [], trace: [], variationalIterations: q.iterations }, fitSeconds: 0 };
  const sparse = SparseGaussianProcessClassifier.fromState(state, summary, rows);
  const probe = makeMoons(200, { seed: 10, noise: 0.3 }).X;

  it('gives the exact model’s probabilities within 0.03 on new rows', () => {
    const [ps, pe] = [sparse.predict(probe).probability, exact.predict(probe).probability];
    const gap = Math.max(...Array.from(ps, (v, i) => Math.abs(v - pe[i])));
    expect(gap).toBeLessThan(0.03);
    expect(gap).toBeGreaterThan(0); // two approximations, not one copied
  });

  it('gives cavity scores close to the exact model’s approximate leave-one-out', () => {
    const [ps, pe] = [sparse.leaveOneOut().probability, exact.leaveOneOut().probability];
    expect(Math.max(...Array.from(ps, (v, i) => Math.abs(v - pe[i])))).toBeLessThan(0.05);
  });

  it('is not a copy: with 4 inducing points the gap grows', () => {
    const small = fitSparse(data.X, data.y, { inducingPoints: 4, optimizeInducing: false, maxIterations: 1, ard: false });
    const pe = exact.predict(probe).probability;
    const ps = small.predict(probe).probability;
    expect(Math.max(...Array.from(ps, (v, i) => Math.abs(v - pe[i])))).toBeGreaterThan(0.03);
  });
});

describe('a Matérn kernel in the sparse GP', () => {
  // As above with Z = X, for the Matérn profiles: the exact GP at the same θ and shape is then the
  // model the sparse one approximates, and the RBF at that θ is another model.
  const data = makeMoons(80, { seed: 9, noise: 0.3 });
  const theta = [Math.log(4), Math.log(0.8)];
  const n = data.X.rows;
  const probe = makeMoons(200, { seed: 10, noise: 0.3 }).X;
  for (const kernel of ['matern32', 'matern52', 'matern32-product'] as const) {
    it(`${kernel}: with Z = X it gives the exact ${kernel} model's probabilities within 0.05, unlike the RBF`, () => {
      const exact = new GaussianProcessClassifier({ optimize: false, kernel: { theta, shape: kernel } }).fit(data.X, data.y);
      const identity = new Float64Array(n * n);
      for (let j = 0; j < n; j++) identity[j * n + j] = 1;
      const params = { theta: Float64Array.from(theta), inducing: data.X.data.slice(), mean: new Float64Array(n), cholCov: identity, kernel };
      const q = optimizeVariational(data.X, data.y, params);
      const state = { ...params, ...q, nFeatures: 2, constantBounds: [1e-3, 1e4] as const, lengthScaleBounds: [1e-2, 1e3] as const };
      const summary = { nTrain: n, nPositive: 40, nInducing: n, theta, kernel: '', elbo: q.value, logMarginalLikelihood: q.value, relevances: [1, 1], optimizer: { stages: [], trace: [], variationalIterations: q.iterations }, fitSeconds: 0 };
      const pe = exact.predict(probe).probability;
      const gap = (model: SparseGaussianProcessClassifier) => Math.max(...Array.from(model.predict(probe).probability, (v, i) => Math.abs(v - pe[i])));
      // Variational and Laplace part a little more for the rougher kernels (0.034 and 0.031 measured).
      expect(gap(SparseGaussianProcessClassifier.fromState(state, summary))).toBeLessThan(0.05);
      expect(gap(SparseGaussianProcessClassifier.fromState({ ...state, kernel: 'rbf' }, summary))).toBeGreaterThan(0.1);
    });
  }

  it('is fitted when the options ask for it, and named in the summary and the kernel', () => {
    const model = fitSparse(moons.X, moons.y, { ...OPTIONS, kernel: 'matern52' });
    expect(model.state.kernel).toBe('matern52');
    expect(model.summary.kernel).toMatch(/Matern\(nu=2\.5\)/);
    expect(model.kernel.shape).toBe('matern52');
    const rbf = fitSparse(moons.X, moons.y, OPTIONS);
    expect(rbf.summary.elbo).not.toBe(model.summary.elbo);
  });

  it('rejects an unknown kernel name with a TypeError', () => {
    expect(() => startSparseFit(moons.X, moons.y, { kernel: 'matern12' as unknown as 'rbf' })).toThrow(/kernel must be one of rbf, matern32, matern52, matern32-product, matern52-product/);
    expect(() => startSparseFit(moons.X, moons.y, { kernel: 'matern12' as unknown as 'rbf' })).toThrow(TypeError);
  });
});

describe('refining θ on every row after a subsample', () => {
  const data = makeMoons(300, { seed: 8, noise: 0.35 });
  const subsample: SparseFitOptions = { ...OPTIONS, optimizeRows: 100 };
  const refined = fitSparse(data.X, data.y, { ...subsample, refineRows: 300 });
  const notRefined = fitSparse(data.X, data.y, subsample);

  it('adds a refine stage on every row when there are at most refineRows rows, and the bound on every row rises', () => {
    const stages = refined.summary.optimizer.stages;
    expect(stages.map((s) => [s.stage, s.rows])).toEqual([['isotropic', 100], ['ard', 100], ['refine', 300], ['variational', 300]]);
    expect(notRefined.summary.optimizer.stages.map((s) => s.stage)).toEqual(['isotropic', 'ard', 'variational']);
    // Same subsample stages, then θ fitted to all 300 rows: a better bound on them than θ of the 100.
    expect(stages[1].elbo).toBe(notRefined.summary.optimizer.stages[1].elbo);
    expect(refined.summary.elbo).toBeGreaterThan(notRefined.summary.elbo + 0.5);
  });

  it('skips it beyond refineRows, and when the stages before already saw every row', () => {
    const beyond = fitSparse(data.X, data.y, { ...subsample, refineRows: 299 });
    expectSameModel(beyond, notRefined, data.X);
    const allRows = fitSparse(data.X, data.y, { ...OPTIONS, refineRows: 300 });
    expect(allRows.summary.optimizer.stages.map((s) => s.stage)).toEqual(['isotropic', 'ard', 'variational']);
  });

  it('beyond refineRows, runs the minibatch stage when asked: epochs × ⌈n / B⌉ steps over every row, then the last stage', () => {
    const options = { ...subsample, minibatchEpochs: 2, minibatchRows: 70 };
    const model = fitSparse(data.X, data.y, options);
    const stages = model.summary.optimizer.stages;
    expect(stages.map((s) => [s.stage, s.rows])).toEqual([['isotropic', 100], ['ard', 100], ['minibatch', 300], ['variational', 300]]);
    expect(stages[2].iterations).toBe(2 * Math.ceil(300 / 70));
    // θ moved from the subsample's optimum, and the model is still a good one on every row.
    expect(Array.from(model.state.theta)).not.toEqual(Array.from(notRefined.state.theta));
    expect(model.summary.elbo).toBeGreaterThan(notRefined.summary.elbo - 5);
    expectSameModel(fitSparse(data.X, data.y, options), model, data.X);
    // Refine wins where it is allowed.
    expect(fitSparse(data.X, data.y, { ...options, refineRows: 300 }).summary.optimizer.stages.map((s) => s.stage)).toContain('refine');
    expect(() => startSparseFit(data.X, data.y, { minibatchEpochs: -1 })).toThrow(/minibatchEpochs must be an integer ≥ 0/);
    expect(() => startSparseFit(data.X, data.y, { minibatchLearningRate: 0 })).toThrow(/minibatchLearningRate must be a positive finite number/);
  });

  it('rejects a refineRows or variationalTolerance that is not a count or a tolerance', () => {
    expect(() => startSparseFit(data.X, data.y, { refineRows: -1 })).toThrow(/refineRows must be an integer ≥ 0, got -1/);
    expect(() => startSparseFit(data.X, data.y, { refineRows: 1.5 })).toThrow(InvalidDataError);
    expect(() => startSparseFit(data.X, data.y, { variationalTolerance: Number.NaN })).toThrow(/variationalTolerance must be a finite number ≥ 0/);
  });
});

describe('a prior on θ in the ARD stages', () => {
  // Moons with a third input of noise: without a prior ARD spreads the length scales apart.
  const base = makeMoons(160, { seed: 11, noise: 0.3 });
  const x = denseMatrix(
    base.X.rows,
    3,
    Float64Array.from({ length: base.X.rows * 3 }, (_, k) => (k % 3 < 2 ? base.X.data[Math.floor(k / 3) * 2 + (k % 3)] : Math.sin(k * 12.9898) * 2)),
  );
  const options: SparseFitOptions = { inducingPoints: 16, maxIterations: 30, seed: 2 };
  const free = fitSparse(x, base.y, options);
  const tight = fitSparse(x, base.y, { ...options, thetaPriorScale: 0.05 });
  const loose = fitSparse(x, base.y, { ...options, thetaPriorScale: 1e3 });
  const spread = (m: SparseGaussianProcessClassifier) => Math.max(...m.state.theta.slice(1)) - Math.min(...m.state.theta.slice(1));

  it('keeps the length scales near the isotropic one when tight, and lets ARD spread them without one', () => {
    expect(spread(free)).toBeGreaterThan(0.5);
    expect(spread(tight)).toBeLessThan(0.1);
    // Same isotropic stage: the prior only acts from the ARD stage on.
    expect(tight.summary.optimizer.stages[0].elbo).toBe(free.summary.optimizer.stages[0].elbo);
    // The bound alone is what the fit without a prior maximises, so it is the higher one.
    expect(free.summary.elbo).toBeGreaterThan(tight.summary.elbo);
  });

  it('changes nothing that matters when very loose', () => {
    expect(Math.abs(spread(loose) - spread(free))).toBeLessThan(0.05);
    expect(loose.summary.elbo).toBeCloseTo(free.summary.elbo, 1);
  });

  it('rejects a scale that is not a finite number ≥ 0', () => {
    expect(() => startSparseFit(x, base.y, { thetaPriorScale: -1 })).toThrow(/thetaPriorScale must be a finite number ≥ 0, got -1/);
    expect(() => startSparseFit(x, base.y, { thetaPriorScale: Number.POSITIVE_INFINITY })).toThrow(InvalidDataError);
  });
});

describe('an additive kernel in the sparse GP', () => {
  // The label is a threshold on one input: the shape one one-dimensional term models at once.
  const random = makeMoons(200, { seed: 9, noise: 0.3 });
  const step = { X: random.X, y: Array.from({ length: random.X.rows }, (_, i) => (random.X.data[i * 2] > 0.8 ? 1 : 0)) };
  const additive = fitSparse(step.X, step.y, { ...OPTIONS, additive: true });
  const full = fitSparse(step.X, step.y, OPTIONS);

  it('fits one variance and one length scale per input beside the ARD kernel, and names them', () => {
    expect(additive.state.theta).toHaveLength(1 + 3 * 2);
    expect(additive.additiveTheta).toHaveLength(4);
    expect(full.additiveTheta).toBeUndefined();
    expect(additive.summary.kernel).toMatch(/\+ Sum_d\(a_d \* RBF_d\), a = \[[^\]]+\], length_scale = \[[^\]]+\]/);
    expect(additive.kernel.theta).toHaveLength(3); // the full part: log c and the ARD length scales
  });

  it('bounds the evidence better than the ARD kernel alone on a threshold', () => {
    expect(additive.summary.elbo).toBeGreaterThan(full.summary.elbo);
  });

  it('resumes bit for bit from a checkpoint taken in the additive stage', () => {
    const options = { ...OPTIONS, additive: true };
    let fit = startSparseFit(step.X, step.y, options);
    for (let round = 0; round < 200 && !fit.advance(0); round++) {
      fit = resumeSparseFit(step.X, step.y, JSON.parse(JSON.stringify(fit.checkpoint())) as FitCheckpoint, options);
    }
    expectSameModel(fit.result(), additive, step.X);
  });

  it('needs the ARD stage, and a boolean', () => {
    expect(() => startSparseFit(moons.X, moons.y, { additive: true, ard: false })).toThrow(/additive needs ard/);
    expect(() => startSparseFit(moons.X, moons.y, { additive: 'yes' as unknown as boolean })).toThrow(TypeError);
  });
});

describe('learnt input warping in the sparse GP', () => {
  // A threshold in one input's tail (x₀ > 1.2) and a one-hot-like column (two values) beside it.
  const random = makeMoons(240, { seed: 13, noise: 0.3 });
  const rows = random.X.rows;
  const x = denseMatrix(rows, 3, Float64Array.from({ length: rows * 3 }, (_, i) => (i % 3 === 2 ? Math.floor(i / 3) % 2 : random.X.data[Math.floor(i / 3) * 2 + (i % 3)])));
  const y = Array.from({ length: rows }, (_, i) => (x.data[i * 3] > 1.2 ? 1 : 0));
  const options = { ...OPTIONS, additive: true, warp: true };
  const warped = fitSparse(x, y, options);
  const plain = fitSparse(x, y, { ...OPTIONS, additive: true });

  it('learns b⁺ and b⁻ per input, leaves a two-valued input unwarped, and names the warp', () => {
    const warp = warped.state.warp!;
    expect(warp).toHaveLength(6);
    expect(Math.max(...warp)).toBeGreaterThan(0);
    expect([warp[2], warp[5]]).toEqual([0, 0]);
    expect(warped.summary.kernel).toMatch(/inputs warped \(b\+ = \[[^\]]+\], b- = \[[^\]]+\]\)/);
    expect(plain.state.warp).toBeUndefined();
  });

  it('bounds the evidence at least as well as without the warp on a threshold in one tail', () => {
    expect(warped.summary.elbo).toBeGreaterThanOrEqual(plain.summary.elbo - 1e-6);
  });

  it('resumes bit for bit from checkpoints taken while the warp is learnt', () => {
    let fit = startSparseFit(x, y, options);
    for (let round = 0; round < 300 && !fit.advance(0); round++) {
      fit = resumeSparseFit(x, y, JSON.parse(JSON.stringify(fit.checkpoint())) as FitCheckpoint, options);
    }
    expectSameModel(fit.result(), warped, x);
    expect(bitwiseEqual(fit.result().state.warp!, warped.state.warp!)).toBe(true);
  });

  it('needs the ARD stage, and a boolean', () => {
    expect(() => startSparseFit(moons.X, moons.y, { warp: true, ard: false })).toThrow(/warp needs ard/);
    expect(() => startSparseFit(moons.X, moons.y, { warp: 1 as unknown as boolean })).toThrow(TypeError);
  });
});

describe('the stall rule (stallNats)', () => {
  // Any gain is below a million nats: every stage stops at its fifth iteration or pass. θ on a
  // fifth of the rows, so the last stage has far to go on all of them.
  const noisy = makeMoons(400, { seed: 8, noise: 0.35 });
  const options = { ...OPTIONS, maxIterations: 40, optimizeRows: 80, stallNats: 1e6 };
  const stalled = fitSparse(noisy.X, noisy.y, options);

  it('stops the hyperparameter stages and the last stage once 5 iterations gained at most that many nats', () => {
    const stages = stalled.summary.optimizer.stages;
    expect(stages.map((s) => [s.stage, s.reason, s.iterations])).toEqual([
      ['isotropic', 'stalled', 5],
      ['ard', 'stalled', 5],
      ['variational', 'stalled', 5],
    ]);
    const plain = fitSparse(noisy.X, noisy.y, { ...options, stallNats: 0 }).summary.optimizer.stages;
    expect(plain.some((s) => s.reason === 'stalled')).toBe(false);
  });

  it('resumes bit for bit from checkpoints taken on the way', () => {
    let fit = startSparseFit(noisy.X, noisy.y, options);
    for (let round = 0; round < 100 && !fit.advance(0); round++) {
      fit = resumeSparseFit(noisy.X, noisy.y, JSON.parse(JSON.stringify(fit.checkpoint())) as FitCheckpoint, options);
    }
    expectSameModel(fit.result(), stalled, noisy.X);
  });

  it('is a finite number of nats, not negative', () => {
    expect(() => startSparseFit(moons.X, moons.y, { stallNats: -1 })).toThrow(/stallNats must be a finite number ≥ 0/);
  });
});
