import { describe, expect, it } from 'vitest';
import { projectedGradient, projectedLineSearch, rememberCurvature, relativeReduction, searchDirection } from '../../../lambdas/core/ml/optimize/projected-lbfgs.ts';

const box = { lower: [0], upper: [1] };
const quadratic = (x: Float64Array) => ({ value: (x[0] - 3) ** 2 });

describe('the parts of projected L-BFGS both drivers share', () => {
  it('zeroes the gradient where a bound is active and it points out, and then steps along steepest descent', () => {
    expect(Array.from(projectedGradient(Float64Array.of(1, 0.5), Float64Array.of(-4, 2), { lower: [0, 0], upper: [1, 1] }))).toEqual([0, 2]);
    // No curvature yet: −g on the free variable.
    expect(searchDirection(Float64Array.of(-6), Float64Array.of(-6), [], [])).toEqual({ direction: Float64Array.of(6), restart: false });
  });

  it('scales the first step to a unit move without curvature, and accepts the first point with sufficient decrease', () => {
    const search = projectedLineSearch(quadratic, Float64Array.of(0), 9, Float64Array.of(-6), Float64Array.of(6), false, box, 30);
    expect(search.evaluations).toBe(1);
    expect(Array.from(search.accepted!.x)).toEqual([1]); // min(1, 1/6)·6 = 1, inside the box
    expect(search.accepted!.evaluation.value).toBe(4);
  });

  it('cuts the step tenfold after a non-finite value, halves it after a value that does not decrease enough', () => {
    const steps: number[] = [];
    const objective = (x: Float64Array) => (steps.push(x[0]), { value: x[0] > 0.5 ? Number.NaN : x[0] > 0.05 ? 100 : (x[0] - 3) ** 2 });
    const search = projectedLineSearch(objective, Float64Array.of(0), 9, Float64Array.of(-6), Float64Array.of(1), true, box, 30);
    expect(steps).toEqual([1, 0.1, 0.05]);
    expect(search).toMatchObject({ evaluations: 3, accepted: { x: Float64Array.of(0.05) } });
  });

  it('gives up when the projection no longer moves, without evaluating', () => {
    expect(projectedLineSearch(quadratic, Float64Array.of(1), 4, Float64Array.of(-4), Float64Array.of(1), true, box, 30)).toEqual({ accepted: undefined, evaluations: 0 });
  });

  it('keeps a curvature pair only with positive curvature, at most `memory` of them', () => {
    const s: Float64Array[] = [];
    const y: Float64Array[] = [];
    rememberCurvature(s, y, Float64Array.of(0), Float64Array.of(1), Float64Array.of(0), Float64Array.of(-1), 2); // sᵀy < 0
    expect(s).toEqual([]);
    for (let k = 1; k <= 3; k++) rememberCurvature(s, y, Float64Array.of(0), Float64Array.of(k), Float64Array.of(0), Float64Array.of(2 * k), 2);
    expect(s.map((v) => v[0])).toEqual([2, 3]);
    expect(y.map((v) => v[0])).toEqual([4, 6]);
    expect(relativeReduction(10, 9)).toBe(0.1);
    expect(relativeReduction(0.5, 0.25)).toBe(0.25);
  });
});
