import { describe, expect, it } from 'vitest';
import { minimizeBounded } from '../../../lambdas/core/ml/optimize/lbfgsb.ts';

/** Rosenbrock's banana: minimum 0 at (1, 1), a curved valley that defeats steepest descent. */
function rosenbrock(x: Float64Array) {
  const [a, b] = x;
  return {
    value: (1 - a) ** 2 + 100 * (b - a * a) ** 2,
    gradient: () => Float64Array.from([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)]),
  };
}

describe('minimizeBounded (projected L-BFGS)', () => {
  it('finds the unconstrained minimum of Rosenbrock inside a wide box', () => {
    const r = minimizeBounded(rosenbrock, [-1.2, 1], { bounds: [[-5, 5], [-5, 5]], gradientTolerance: 1e-8, relativeTolerance: 0 });
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
    expect(r.reason).toBe('gradient');
  });

  it('stops on an active bound where the gradient points outwards (KKT point)', () => {
    // Box excludes (1, 1); the constrained minimum lies on a ≤ 0.5 at (0.5, 0.25).
    const r = minimizeBounded(rosenbrock, [-1, 1], { bounds: [[-2, 0.5], [-2, 2]], gradientTolerance: 1e-8 });
    expect(r.x[0]).toBe(0.5);
    expect(r.x[1]).toBeCloseTo(0.25, 6);
    expect(r.gradient[0]).toBeLessThan(0); // pushes beyond the upper bound of a
  });

  it('decreases monotonically, never ends above its start, and reports each iteration', () => {
    const seen: number[] = [];
    const r = minimizeBounded(rosenbrock, [0, 3], { bounds: [[-3, 3], [-3, 3]], onIteration: (it) => seen.push(it.value) });
    for (let i = 1; i < r.trace.length; i++) expect(r.trace[i]).toBeLessThanOrEqual(r.trace[i - 1]);
    expect(r.value).toBeLessThanOrEqual(r.trace[0]);
    expect(seen[0]).toBe(r.trace[0]);
    expect(r.gradientEvaluations).toBeLessThanOrEqual(r.evaluations);
  });

  it('projects a start outside the box onto it', () => {
    const r = minimizeBounded((x) => ({ value: (x[0] - 2) ** 2, gradient: () => Float64Array.from([2 * (x[0] - 2)]) }), [10], { bounds: [[-1, 1]] });
    expect(r.x[0]).toBe(1);
  });

  it('rejects a start where the objective is not finite', () => {
    expect(() => minimizeBounded(() => ({ value: Number.NaN, gradient: () => Float64Array.from([0]) }), [0], { bounds: [[-1, 1]] })).toThrow(/objective is NaN at the start point/);
  });
});

describe('minimizeBounded without the gradient at the stopping point', () => {
  it('stops where it would have stopped, one gradient cheaper', () => {
    const options = { bounds: [[-5, 5], [-5, 5]] as Array<[number, number]>, relativeTolerance: 1e-6 };
    const full = minimizeBounded(rosenbrock, [-1.2, 1], options);
    const lean = minimizeBounded(rosenbrock, [-1.2, 1], { ...options, gradientAtStop: false });
    expect(full.reason).toBe('relative-reduction');
    expect(lean.reason).toBe('relative-reduction');
    expect(Array.from(lean.x)).toEqual(Array.from(full.x));
    expect(lean.value).toBe(full.value);
    expect(lean.trace).toEqual(full.trace);
    expect(lean.iterations).toBe(full.iterations);
    expect(lean.evaluations).toBe(full.evaluations);
    expect(lean.gradientEvaluations).toBe(full.gradientEvaluations - 1);
  });
});
