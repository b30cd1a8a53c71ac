import { describe, expect, it } from 'vitest';
import { startStepper, type StepperOptions, type StepperState, stepStepper } from '../../../../lambdas/core/ml/sparse/lbfgs-stepper.ts';

// Rosenbrock's valley: L-BFGS crawls along it, so the last iterations gain little each.
function rosenbrock(x: Float64Array) {
  const [a, b] = [x[0], x[1]];
  const value = (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  const gradient = Float64Array.from([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)]);
  return { value, gradient, extra: undefined };
}

function run(options: StepperOptions): StepperState {
  const { state } = startStepper(Float64Array.from([-1.2, 1]), options, rosenbrock);
  while (!state.reason) stepStepper(state, options, rosenbrock);
  return state;
}

const base: StepperOptions = {
  lower: Float64Array.from([-5, -5]),
  upper: Float64Array.from([5, 5]),
  gradientTolerance: 1e-12,
  relativeTolerance: 0,
  maxIterations: 500,
};

describe('the resumable L-BFGS stepper', () => {
  const full = run(base);
  const stall = { iterations: 5, reduction: 1e-4 };
  const stopped = run({ ...base, stall });

  it('stops as stalled at the first iteration whose last 5 steps gained at most the given reduction', () => {
    expect(stopped.reason).toBe('stalled');
    const t = stopped.trace;
    const gain = (end: number) => t[end - stall.iterations] - t[end];
    expect(gain(t.length - 1)).toBeLessThanOrEqual(stall.reduction);
    for (let end = stall.iterations; end < t.length - 1; end++) expect(gain(end)).toBeGreaterThan(stall.reduction);
  });

  it('takes the same steps as without the rule until it stops, and fewer of them', () => {
    expect(full.reason).not.toBe('stalled');
    expect(stopped.iteration).toBeLessThan(full.iteration);
    expect(stopped.trace).toEqual(full.trace.slice(0, stopped.trace.length));
  });
});
