import { describe, expect, it } from 'vitest';
import {
  emptySearchLog,
  restartPoints,
  type SearchProblem,
  type SearchRun,
  searchHyperparameters,
  type Stage,
  subsampleRows,
} from '../../../lambdas/core/ml/hyperparameter-search.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';

/**
 * A problem with nothing of a GP in it: a bowl −objective(θ) = rows · Σ (θ − centre)², whose
 * subsample centre sits a little off the full one, as a subsample optimum does. The state a run
 * keeps is the number of the evaluation that was best; the warm state is a label.
 */
class Bowl implements SearchProblem<number, string> {
  readonly bounds: Array<[number, number]> = [[-5, 5], [-5, 5]];
  readonly rows = { full: 1000, subsample: 100 };
  readonly warmSeen: Array<{ stage: Stage; warm?: string }> = [];
  carried?: SearchRun<number>;
  #evaluations = 0;

  constructor(readonly centres: Record<Stage, readonly number[]>) {}

  objective(stage: Stage, from: { warm?: string }) {
    this.warmSeen.push({ stage, warm: from.warm });
    const c = this.centres[stage];
    const rows = this.rows[stage];
    let best: { theta: Float64Array; state: number } | undefined;
    let bestValue = Infinity;
    return {
      evaluate: (theta: Float64Array) => {
        const value = rows * theta.reduce((s, t, i) => s + (t - c[i]) ** 2, 0);
        const state = ++this.#evaluations;
        if (value < bestValue) [bestValue, best] = [value, { theta: theta.slice(), state }];
        return { value, gradient: () => theta.map((t, i) => 2 * rows * (t - c[i])) };
      },
      best: () => best!,
    };
  }

  carryOver(best: SearchRun<number>): string {
    this.carried = best;
    return `from evaluation ${best.best.state}`;
  }
}

describe('searchHyperparameters, generic over its objective', () => {
  it('runs every start on the subsample, then one run on all rows from the best, with its warm state and curvature', () => {
    const bowl = new Bowl({ subsample: [1, -2], full: [1.1, -2.2] });
    const log = emptySearchLog();
    const starts = [[0, 0], [4, 4], [-4, 3]].map((t) => ({ theta0: Float64Array.from(t) }));
    const stages: Stage[] = [];
    const run = searchHyperparameters(bowl, starts, { gradientTolerance: 1e-9, relativeTolerance: 0, refineRelativeTolerance: 0, subsampleRelativeTolerance: 0, onStart: (stage) => stages.push(stage) }, log);
    expect(stages).toEqual(['subsample', 'subsample', 'subsample', 'full']);
    expect(log.starts.map((s) => s.stage)).toEqual(stages);
    // The full run begins where the subsample optimum is, with the model's warm state from it.
    expect(log.starts[3].theta0[0]).toBeCloseTo(1, 6);
    expect(log.starts[3].theta0[1]).toBeCloseTo(-2, 6);
    expect(bowl.warmSeen.at(-1)).toEqual({ stage: 'full', warm: `from evaluation ${bowl.carried!.best.state}` });
    expect(run.stage).toBe('full');
    expect(run.result.x[0]).toBeCloseTo(1.1, 6);
    expect(run.result.x[1]).toBeCloseTo(-2.2, 6);
    expect(run.best.theta[0]).toBeCloseTo(1.1, 6);
    // The objective is reported as maximised (−value) and never falls along the chosen run.
    for (let i = 1; i < log.trace.length; i++) expect(log.trace[i]).toBeGreaterThanOrEqual(log.trace[i - 1]);
    expect(log.trace.at(-1)).toBeCloseTo(0, 8);
    // Curvature from the subsample (Hessian 2·100) scaled by 1000/100 is the full one (2·1000):
    // the first full step lands on the optimum, so the run needs a single iteration.
    expect(log.starts[3].iterations).toBeLessThanOrEqual(2);
    expect(log.evaluations).toBeGreaterThan(4);
  });

  it('without a subsample runs every start on all rows and keeps the best', () => {
    const bowl = new Bowl({ subsample: [0, 0], full: [3, 3] });
    const noSubsample: SearchProblem<number, string> = { bounds: bowl.bounds, rows: { full: 10 }, objective: (stage, from) => bowl.objective(stage, from) };
    const log = emptySearchLog();
    const run = searchHyperparameters(noSubsample, [{ theta0: Float64Array.from([0, 0]) }, { theta0: Float64Array.from([2, 2]) }], {}, log);
    expect(log.starts.map((s) => s.stage)).toEqual(['full', 'full']);
    expect(run.result.x[0]).toBeCloseTo(3, 4);
  });

  it('refuses an empty list of starts with a clear error', () => {
    const bowl = new Bowl({ subsample: [0, 0], full: [0, 0] });
    expect(() => searchHyperparameters({ ...bowl, rows: { full: 10 }, objective: bowl.objective.bind(bowl) }, [], {}, emptySearchLog())).toThrow(/at least one start point/);
  });
});

describe('restartPoints', () => {
  it('draws θ uniformly in log space inside each hyperparameter box, the same for the same seed', () => {
    const box = (m: number) => (m === 0 ? ([0.1, 1000] as const) : ([0.1, 100] as const));
    const points = restartPoints(200, 3, box, new SeededRandom(4));
    expect(points).toHaveLength(200);
    for (const p of points) {
      expect(p[0]).toBeGreaterThanOrEqual(Math.log(0.1));
      expect(p[0]).toBeLessThan(Math.log(1000));
      for (const l of [p[1], p[2]]) {
        expect(l).toBeGreaterThanOrEqual(Math.log(0.1));
        expect(l).toBeLessThan(Math.log(100));
      }
    }
    // Uniform in log space: about half the draws of c lie below the box's geometric centre, 10.
    const below = points.filter((p) => p[0] < Math.log(10)).length;
    expect(below).toBeGreaterThan(70);
    expect(below).toBeLessThan(130);
    expect(restartPoints(3, 3, box, new SeededRandom(4))).toEqual(points.slice(0, 3));
  });
});

describe('subsampleRows', () => {
  const labels = Uint8Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? 1 : 0));

  it('draws min(size, n/2) rows, stratified, and none when that is below 20 rows', () => {
    const rows = subsampleRows(labels, 100, 0)!;
    expect(rows).toHaveLength(100);
    expect(new Set(rows).size).toBe(100);
    expect(Array.from(rows).filter((i) => labels[i] === 1)).toHaveLength(10);
    expect(subsampleRows(labels, 1000, 0)).toHaveLength(150);
    expect(subsampleRows(labels, 19, 0)).toBeUndefined();
    expect(subsampleRows(labels, 0, 0)).toBeUndefined();
    expect(subsampleRows(labels.subarray(0, 38), 500, 0)).toBeUndefined();
  });
});
