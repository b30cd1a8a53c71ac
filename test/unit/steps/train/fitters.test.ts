import { describe, expect, it } from 'vitest';
import { NotFittedError } from '../../../../lambdas/core/errors.ts';
import { type DenseMatrix, fromRows } from '../../../../lambdas/core/ml/dense.ts';
import type { MaintenanceModel } from '../../../../lambdas/core/ml/maintenance-model.ts';
import { SeededRandom } from '../../../../lambdas/core/ml/random.ts';
import type { FitCheckpoint, ResumableFit } from '../../../../lambdas/core/ml/resumable-fit.ts';
import { StandardScaler } from '../../../../lambdas/core/ml/scaler.ts';
import { TrainCheckpointError } from '../../../../lambdas/core/steps/train/errors.ts';
import { exactFitter } from '../../../../lambdas/core/steps/train/exact-fit.ts';
import { FITTERS } from '../../../../lambdas/core/steps/train/fitter-table.ts';
import { classifierFitter, type FitData, type FitOptions } from '../../../../lambdas/core/steps/train/fitters.ts';
import { tinyModel } from '../../../support/pipeline-fixture.ts';
import { SparseGaussianProcessClassifier } from '../../../../lambdas/core/ml/sparse/svgp.ts';

function data(rows = 40, seed = 3): FitData {
  const rng = new SeededRandom(seed);
  const x = Array.from({ length: rows }, () => [10 + 3 * rng.normal(), -2 + rng.normal()]);
  const y = x.map((r, i) => (i < 2 ? i : Number(r[0] > 10)));
  const X = fromRows(x);
  return { trainingSet: { X, y, featureNames: ['a', 'b'] }, scaler: new StandardScaler().fit(X) };
}

const OPTIONS: FitOptions = { seed: 0, targetRecall: 0.9, inducingPoints: 7 };

/** A classifier fit that takes two advances and remembers what it was given. */
function twoStepFit(x: DenseMatrix, y: Uint8Array, options: { m: number }, from?: FitCheckpoint): ResumableFit<{ x: DenseMatrix; y: Uint8Array; m: number }> {
  let rounds = from?.rounds ?? 0;
  return {
    kind: 'gpc-sparse',
    advance: () => ++rounds >= 2,
    checkpoint: () => ({ kind: 'gpc-sparse', formatVersion: 1, rounds, state: { rounds } }),
    status: () => ({ iteration: rounds, objective: -rounds, elapsedSeconds: rounds }),
    result: () => ({ x, y, m: options.m }),
  };
}

describe('classifierFitter', () => {
  const built: unknown[] = [];
  const fitter = classifierFitter(
    'gpc-sparse',
    { start: (x, y, o: { m: number }) => twoStepFit(x, y, o), resume: (x, y, checkpoint, o: { m: number }) => twoStepFit(x, y, o, checkpoint) },
    (o) => ({ m: o.inducingPoints ?? 0 }),
    (classifier) => {
      built.push(classifier);
      return tinyModel(['a', 'b']);
    },
  );

  it('fits the classifier on the scaled rows with its own options, and builds the model once, when done', () => {
    const d = data();
    const fit = fitter.start(d, OPTIONS);
    expect(fit.kind).toBe('gpc-sparse');
    expect(fit.advance(0)).toBe(false);
    expect(fit.status()).toEqual({ iteration: 1, objective: -1, elapsedSeconds: 1 });
    expect(fit.checkpoint()).toMatchObject({ kind: 'gpc-sparse', rounds: 1 });
    expect(fit.advance(0)).toBe(true);
    const model: MaintenanceModel = fit.result();
    expect(fit.result()).toBe(model);
    expect(built).toHaveLength(1);
    const classifier = built[0] as { x: DenseMatrix; y: Uint8Array; m: number };
    expect(classifier.x.data).toEqual(d.scaler.transform(d.trainingSet.X).data);
    expect(Array.from(classifier.y)).toEqual(d.trainingSet.y);
    expect(classifier.m).toBe(7);
  });

  it('resumes its own kind’s checkpoint and refuses another kind’s', () => {
    const fit = fitter.resume(data(), { kind: 'gpc-sparse', formatVersion: 1, rounds: 1, state: {} }, OPTIONS);
    expect(fit.advance(0)).toBe(true);
    expect(() => fitter.resume(data(), { kind: 'gpc-exact', formatVersion: 1, rounds: 0, state: null }, OPTIONS)).toThrow(
      new TrainCheckpointError('a gpc-sparse fit cannot resume a gpc-exact checkpoint'),
    );
  });
});

describe('the exact GP as a ResumableFit', () => {
  it('fits in one advance whatever the deadline, then reports done and its log marginal likelihood', () => {
    const steps: number[] = [];
    const fit = exactFitter.start(data(), { ...OPTIONS, onOptimizerStep: (e) => steps.push(e.stage === 'start' ? -1 : e.iteration) });
    expect(fit.kind).toBe('gpc-exact');
    expect(fit.checkpoint()).toEqual({ kind: 'gpc-exact', formatVersion: 1, rounds: 0, state: null });
    expect(() => fit.result()).toThrow(NotFittedError);
    expect(fit.advance(performance.now() - 1000)).toBe(true);
    const model = fit.result();
    expect(fit.status()).toMatchObject({ iteration: steps.length, objective: model.fitSummary.logMarginalLikelihood, remainingSeconds: 0 });
    expect(steps.length).toBeGreaterThan(0);
    expect(fit.advance(0)).toBe(true);
    expect(fit.result()).toBe(model);
  });

  it('keeps a fixed kernel (refit): nothing is optimised', () => {
    const theta = [Math.log(4), Math.log(2)];
    const fit = exactFitter.start(data(), { ...OPTIONS, fixedKernel: { isotropic: true, theta } });
    fit.advance(0);
    const summary = fit.result().fitSummary;
    expect(summary.theta).toEqual(theta);
    if (!('evaluations' in summary.optimizer)) expect.unreachable('an exact fit has an exact fit summary');
    expect(summary.optimizer.evaluations).toBe(0);
  });

  it('resumes only its own checkpoint (by starting over) and refuses another kind’s', () => {
    expect(exactFitter.resume(data(), { kind: 'gpc-exact', formatVersion: 1, rounds: 0, state: null }, OPTIONS).advance(0)).toBe(true);
    expect(() => exactFitter.resume(data(), { kind: 'gpc-sparse', formatVersion: 1, rounds: 3, state: {} }, OPTIONS)).toThrow(TrainCheckpointError);
  });
});

describe('the pipeline\'s fitters', () => {
  it('fit the sparse GP through its resumable fit: advanced to done, a sparse MaintenanceModel with its threshold', () => {
    const fit = FITTERS['gpc-sparse'].start(data(), OPTIONS);
    expect(fit.kind).toBe('gpc-sparse');
    while (!fit.advance(performance.now() + 50)) expect(fit.checkpoint().kind).toBe('gpc-sparse');
    const model = fit.result();
    expect(model.kind).toBe('gpc-sparse');
    expect(model.featureNames).toEqual(['a', 'b']);
    expect(model.threshold.source).toBe('leave-one-out');
    expect(model.predict(data(5, 9).trainingSet.X).probability).toHaveLength(5);
  });

  it('fit the sparse GP with the kernel the options name (config.kernel)', () => {
    const fit = FITTERS['gpc-sparse'].start(data(), { ...OPTIONS, kernel: 'matern32' });
    fit.advance(Infinity);
    expect(fit.result().classifier.kernel.shape).toBe('matern32');
  });

  it('fit the sparse GP with the additive terms when the options ask (config.additiveKernel), and without them otherwise', () => {
    const additive = FITTERS['gpc-sparse'].start(data(), { ...OPTIONS, additiveKernel: true });
    additive.advance(Infinity);
    const classifier = additive.result().classifier;
    if (!(classifier instanceof SparseGaussianProcessClassifier)) expect.unreachable('a sparse GP');
    expect(classifier.additiveTheta).toHaveLength(4);
    const plain = FITTERS['gpc-sparse'].start(data(), { ...OPTIONS, additiveKernel: false });
    plain.advance(Infinity);
    const plainClassifier = plain.result().classifier;
    if (!(plainClassifier instanceof SparseGaussianProcessClassifier)) expect.unreachable('a sparse GP');
    expect(plainClassifier.additiveTheta).toBeUndefined();
  });

  it('fit the sparse GP by the Laplace approximation when the options ask (config.sparseInference), resuming its own checkpoints round by round', () => {
    const options: FitOptions = { ...OPTIONS, sparseInference: 'laplace' };
    const trace: number[] = [];
    const uninterrupted = FITTERS['gpc-sparse'].start(data(), options);
    uninterrupted.advance(Infinity);
    const traced: FitOptions = { ...options, onTraceStep: (step) => trace.push(step.logMarginalLikelihood) };
    let fit = FITTERS['gpc-sparse'].start(data(), traced);
    while (!fit.advance(performance.now())) {
      const checkpoint = JSON.parse(JSON.stringify(fit.checkpoint())) as FitCheckpoint;
      expect((checkpoint.state as { inference: string }).inference).toBe('laplace');
      fit = FITTERS['gpc-sparse'].resume(data(), checkpoint, traced);
    }
    const model = fit.result();
    expect(model.kind).toBe('gpc-sparse');
    expect(model.threshold.source).toBe('leave-one-out');
    expect(model.fitSummary.kernel).toMatch(/7 inducing points, Laplace/);
    // One length scale per input: relevances for the record and the report.
    expect(model.fitSummary.theta).toHaveLength(3);
    expect(Array.from(model.predict(data(5, 9).trainingSet.X).probability)).toEqual(Array.from(uninterrupted.result().predict(data(5, 9).trainingSet.X).probability));
    expect(trace.length).toBeGreaterThan(2);
    // A variational checkpoint is not a Laplace one: refused as bad data (Train then starts over).
    const variational = FITTERS['gpc-sparse'].start(data(), OPTIONS);
    variational.advance(performance.now());
    expect(() => FITTERS['gpc-sparse'].resume(data(), variational.checkpoint(), options)).toThrow(/invalid Laplace sparse fit checkpoint/);
  });

  it('refuse a checkpoint whose state is damaged as one Train starts over from, naming what is wrong', () => {
    for (const options of [OPTIONS, { ...OPTIONS, sparseInference: 'laplace' } as FitOptions]) {
      const fit = FITTERS['gpc-sparse'].start(data(), options);
      fit.advance(performance.now());
      const checkpoint = fit.checkpoint();
      const damaged = { ...checkpoint, state: { ...(checkpoint.state as object), theta: '' } };
      expect(() => FITTERS['gpc-sparse'].resume(data(), damaged, options)).toThrow(TrainCheckpointError);
      expect(() => FITTERS['gpc-sparse'].resume(data(), damaged, options)).toThrow(/the gpc-sparse checkpoint cannot be resumed: checkpoint: theta has 0 values/);
    }
  });

  it('refuse to resume a checkpoint of the other kind', () => {
    expect(() => FITTERS['gpc-sparse'].resume(data(), { kind: 'gpc-exact', formatVersion: 1, rounds: 0, state: null }, OPTIONS)).toThrow(TrainCheckpointError);
  });
});
