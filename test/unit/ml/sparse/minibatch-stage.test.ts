import { describe, expect, it } from 'vitest';
import { makeMoons } from '../../../../lambdas/cli/sample-data/moons.ts';
import { initialInducingPoints } from '../../../../lambdas/core/ml/sparse/inducing-points.ts';
import { evaluateElbo } from '../../../../lambdas/core/ml/sparse/elbo.ts';
import { batchRows, type MinibatchSettings, minibatchStep, minibatchSteps, startMinibatch } from '../../../../lambdas/core/ml/sparse/minibatch-stage.ts';
import { optimizeVariational } from '../../../../lambdas/core/ml/sparse/natural-gradient.ts';

const SETTINGS: MinibatchSettings = { batchRows: 64, epochs: 3, learningRate: 0.01, naturalStep: 0.1, seed: 7 };

describe('the minibatch stage', () => {
  it('visits every row once per epoch, in a new order each epoch, the same for the same seed', () => {
    const rows = 300;
    expect(minibatchSteps(rows, SETTINGS)).toBe(3 * 5);
    let cache;
    const epochs: number[][] = [[], [], []];
    for (let step = 0; step < minibatchSteps(rows, SETTINGS); step++) {
      const batch = batchRows(rows, step, SETTINGS, cache);
      cache = batch.cache;
      epochs[Math.floor(step / 5)].push(...batch.index);
    }
    for (const seen of epochs) expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, i) => i));
    expect(epochs[1]).not.toEqual(epochs[0]);
    // Recomputed without the cache (as after a resume): the same rows.
    expect(Array.from(batchRows(rows, 7, SETTINGS, undefined).index)).toEqual(epochs[1].slice(2 * 64, 3 * 64));
  });

  it('with the all-rows statistics and γ = 1, its q step is the full natural-gradient fixed point; Adam moves θ uphill', () => {
    const data = makeMoons(200, { seed: 4, noise: 0.3 });
    const m = 10;
    const inducing = initialInducingPoints(data.X, Uint8Array.from(data.y), m, { seed: 1 });
    const cholCov = new Float64Array(m * m);
    for (let j = 0; j < m; j++) cholCov[j * m + j] = 1;
    const y = Uint8Array.from(data.y);
    const params = { theta: Float64Array.of(0, 0), inducing, mean: new Float64Array(m), cholCov };
    // One batch of every row: the step is a full pass, so q lands where one full natural step does.
    const state = startMinibatch(2);
    const all = Int32Array.from({ length: 200 }, (_, i) => i);
    const bounds = { lower: Float64Array.of(-5, -5), upper: Float64Array.of(5, 5) };
    const next = minibatchStep(data.X, y, all, params, state, { ...SETTINGS, naturalStep: 1 }, bounds, 20);
    const full = optimizeVariational(data.X, y, params, { maxIterations: 1 });
    expect(Array.from(next.mean)).toEqual(Array.from(full.mean));
    // Adam's first step moves every coordinate by the learning rate, in the gradient's direction.
    const gradient = evaluateElbo(data.X, y, params).gradTheta!;
    for (let k = 0; k < 2; k++) expect(next.theta[k]).toBeCloseTo(Math.sign(gradient[k]) * 0.01, 6);
    expect(state.step).toBe(1);
    expect(Number.isFinite(state.estimate)).toBe(true);
  });
});
