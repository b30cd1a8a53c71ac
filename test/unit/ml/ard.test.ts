import { describe, expect, it } from 'vitest';
import { InvalidDataError, ShapeError } from '../../../lambdas/core/errors.ts';
import { denseMatrix } from '../../../lambdas/core/ml/dense.ts';
import { ARD_LENGTH_SCALE_BOUNDS, GaussianProcessClassifier } from '../../../lambdas/core/ml/gpc.ts';
import { ConstantRbfKernel } from '../../../lambdas/core/ml/kernel.ts';
import { posteriorMode } from '../../../lambdas/core/ml/laplace.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';
import { inputRelevances, inputRelevanceSchema } from '../../../lambdas/core/ml/relevance.ts';

/**
 * Four standardised inputs of which only the first two carry the label (a curved boundary in
 * x0, x1, as in a failure rule of two sensors); x2 and x3 are noise.
 */
function twoRelevantInputs(n: number, seed: number) {
  const random = new SeededRandom(seed);
  const x = denseMatrix(n, 4);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < 4; d++) x.data[i * 4 + d] = random.normal();
    const [x0, x1] = [x.data[i * 4], x.data[i * 4 + 1]];
    y[i] = x0 + Math.sin(2 * x1) + 0.3 * random.normal() > 0.4 ? 1 : 0;
  }
  return { x, y };
}

const NAMES = ['torque', 'speed', 'noise a', 'noise b'];

describe("ARD from the isotropic optimum (ard: 'from-isotropic')", () => {
  const { x, y } = twoRelevantInputs(220, 5);

  it('fits the isotropic kernel first, frees one length scale per input from it, and ends at least as high', () => {
    const isotropic = new GaussianProcessClassifier().fit(x, y);
    const ard = new GaussianProcessClassifier({ ard: 'from-isotropic' }).fit(x, y);
    const { starts } = ard.summary.optimizer;
    // One isotropic run (θ = [log c, log l]), then the ARD run on all rows (no subsample here).
    expect(starts.map((s) => s.theta0.length)).toEqual([2, 5]);
    const [logC, logL] = starts[0].theta;
    expect(starts[1].theta0).toEqual([logC, logL, logL, logL, logL]);
    expect(ard.kernel.isotropic).toBe(false);
    expect(ard.kernel.lengthScaleBounds).toEqual(ARD_LENGTH_SCALE_BOUNDS);
    // The ARD model contains the isotropic one and starts at its optimum: it can only climb.
    expect(ard.summary.logMarginalLikelihood).toBeGreaterThan(isotropic.summary.logMarginalLikelihood + 1);
    for (let i = 1; i < ard.summary.optimizer.trace.length; i++) {
      expect(ard.summary.optimizer.trace[i]).toBeGreaterThanOrEqual(ard.summary.optimizer.trace[i - 1]);
    }
  });

  it('gives the inputs that carry the label the highest relevance, and switches the noise off', () => {
    const ard = new GaussianProcessClassifier({ ard: 'from-isotropic' }).fit(x, y);
    const relevances = inputRelevances(ard.kernel, NAMES);
    expect(relevances.map((r) => r.input)).toEqual(NAMES);
    const [torque, speed, noiseA, noiseB] = relevances.map((r) => r.relevance);
    expect(Math.min(torque, speed)).toBeGreaterThan(5 * Math.max(noiseA, noiseB));
    for (const r of relevances) expect(r.relevance).toBeCloseTo(1 / r.lengthScale, 12);
  });

  it('with a subsample, the isotropic starts and the first ARD run use it and the last run all rows', () => {
    const ard = new GaussianProcessClassifier({ ard: 'from-isotropic', subsampleSize: 80, restarts: 2, restartBounds: [[0.1, 1000], [0.1, 100]] }).fit(x, y);
    const { starts } = ard.summary.optimizer;
    expect(starts.map((s) => `${s.stage}:${s.theta.length}`)).toEqual(['subsample:2', 'subsample:2', 'subsample:2', 'subsample:5', 'full:5']);
    // The ARD run begins at the best isotropic subsample optimum.
    const best = starts.slice(0, 3).reduce((a, b) => (b.logMarginalLikelihood > a.logMarginalLikelihood ? b : a));
    expect(starts[3].theta0).toEqual([best.theta[0], ...new Array(4).fill(best.theta[1])]);
    expect(ard.summary.theta).toHaveLength(5);
  });

  it.each([
    [{ ard: 'direct' }, /ard must be 'from-isotropic', got direct/],
    [{ ard: 'from-isotropic', kernel: { isotropic: true } }, /kernel.isotropic is true/],
    [{ ard: 'from-isotropic', kernel: { lengthScale: [1, 2, 3, 4] } }, /give kernel.lengthScale as a number/],
  ])('rejects %o', (options, message) => {
    expect(() => new GaussianProcessClassifier(options as never)).toThrow(InvalidDataError);
    expect(() => new GaussianProcessClassifier(options as never)).toThrow(message);
  });
});

describe('inputRelevances', () => {
  it('is 1/l per named input for an ARD kernel, and the same for every input of an isotropic one', () => {
    const ard = new ConstantRbfKernel(3, { isotropic: false, constant: 2, lengthScale: [0.5, 4, 1000] });
    const relevances = inputRelevances(ard, ['air', 'process', 'wear']);
    expect(relevances.map((r) => r.input)).toEqual(['air', 'process', 'wear']);
    expect(relevances.map((r) => r.lengthScale)).toEqual(Array.from(ard.lengthScales));
    expect(relevances.map((r) => r.relevance)).toEqual(Array.from(ard.lengthScales, (l) => 1 / l));
    expect(relevances[0].relevance).toBeCloseTo(2, 12);
    expect(relevances[2].relevance).toBeCloseTo(0.001, 15);
    for (const r of relevances) expect(inputRelevanceSchema.parse(r)).toEqual(r);

    const isotropic = new ConstantRbfKernel(2, { lengthScale: 0.8 });
    expect(inputRelevances(isotropic, ['a', 'b']).map((r) => r.relevance)).toEqual([1 / isotropic.lengthScales[0], 1 / isotropic.lengthScales[0]]);
  });

  it('refuses a name list that does not match the inputs', () => {
    const kernel = new ConstantRbfKernel(3, { isotropic: false });
    expect(() => inputRelevances(kernel, ['a', 'b'])).toThrow(ShapeError);
    expect(() => inputRelevances(kernel, ['a', 'b'])).toThrow(/3 input\(s\) but 2 name\(s\)/);
  });
});

describe('posteriorMode says whether it converged', () => {
  const { x, y } = twoRelevantInputs(120, 8);
  const kernel = new ConstantRbfKernel(4, { constant: 20, lengthScale: 1.5 });
  const k = kernel.matrix(x);

  it('converged from f = 0 and from a warm start at the mode', () => {
    const cold = posteriorMode(k, y);
    expect(cold.converged).toBe(true);
    expect(cold.iterations).toBeGreaterThan(2);
    const warm = posteriorMode(k, y, { initialLatent: cold.mode });
    expect(warm.converged).toBe(true);
  });

  it('not converged when Newton runs out of iterations, though the iteration count alone could not tell', () => {
    const cold = posteriorMode(k, y);
    const cut = posteriorMode(k, y, { maxIterations: cold.iterations - 1 });
    expect(cut.converged).toBe(false);
    expect(cut.iterations).toBe(cold.iterations - 1);
    // An overconfident start, cut short: damped steps are still under way.
    const far = posteriorMode(k, y, { initialLatent: cold.mode.map((f) => 40 * f), maxIterations: 3 });
    expect(far.converged).toBe(false);
  });
});
