import { describe, expect, it } from 'vitest';
import { InvalidDataError, ShapeError } from '../../../lambdas/core/errors.ts';
import { type DenseMatrix, fromRows, row } from '../../../lambdas/core/ml/dense.ts';
import { averagePrecision } from '../../../lambdas/core/ml/metrics.ts';
import {
  featureGroups,
  permutationImportance,
  permutationImportanceSchema,
  type ProbabilityScorer,
  weightedAveragePrecision,
} from '../../../lambdas/core/ml/permutation-importance.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';

/** A scorer from a per-row formula. */
function scorer(p: (values: Float64Array) => number): ProbabilityScorer {
  return { predict: (x: DenseMatrix) => ({ probability: Float64Array.from({ length: x.rows }, (_, i) => p(row(x, i))) }) };
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * 400 rows: a decisive column (`signal`, the label plus noise), a weak one (`hint`), a column no
 * model below reads (`ignored`), and a three-level one-hot type (type_l, type_m, type_h).
 */
function data(seed = 3) {
  const rng = new SeededRandom(seed);
  const labels: number[] = [];
  const rows: number[][] = [];
  for (let i = 0; i < 400; i++) {
    const y = rng.bernoulli(0.1) ? 1 : 0;
    const type = rng.nextInt(3);
    labels.push(y);
    rows.push([3 * y + rng.normal(), 0.5 * y + rng.normal(), rng.normal(), type === 0 ? 1 : 0, type === 1 ? 1 : 0, type === 2 ? 1 : 0]);
  }
  return { x: fromRows(rows), labels, names: ['signal', 'hint', 'ignored', 'type_l', 'type_m', 'type_h'] };
}

const model = scorer((v) => sigmoid(2 * v[0] + 0.5 * v[1] + 0.3 * v[4] - 4));
const types = [{ name: 'type', columns: ['type_l', 'type_m', 'type_h'] }];

describe('weighted average precision', () => {
  it('is scikit-learn’s average precision with both weights 1, and a hand-computed value with weights', () => {
    const labels = [1, 0, 1, 0];
    const scores = [0.9, 0.8, 0.7, 0.1];
    // Steps at recall 0.5 (precision 1) and 1.0 (precision 2/3).
    expect(weightedAveragePrecision(labels, scores, { positive: 1, negative: 1 })).toBeCloseTo(0.5 + 0.5 * (2 / 3), 15);
    // Each healthy row standing for two: at the second step 2 failures against 2 × 1 false alarm.
    expect(weightedAveragePrecision(labels, scores, { positive: 1, negative: 2 })).toBeCloseTo(0.5 + 0.5 * (2 / 4), 15);
    const { x, labels: y } = data();
    const p = model.predict(x).probability;
    expect(weightedAveragePrecision(y, p, { positive: 1, negative: 1 })).toBe(averagePrecision(y, p));
  });

  it('with an integer weight on the healthy rows equals the plain value on a set where each healthy row is repeated that often', () => {
    const { x, labels } = data(5);
    const p = Array.from(model.predict(x).probability);
    const repeatedLabels: number[] = [];
    const repeatedScores: number[] = [];
    labels.forEach((y, i) => {
      for (let k = 0; k < (y === 1 ? 1 : 3); k++) {
        repeatedLabels.push(y);
        repeatedScores.push(p[i]);
      }
    });
    expect(weightedAveragePrecision(labels, p, { positive: 1, negative: 3 })).toBeCloseTo(averagePrecision(repeatedLabels, repeatedScores), 12);
  });

  it('refuses weights that are not positive and a set without failures', () => {
    expect(() => weightedAveragePrecision([1, 0], [0.2, 0.1], { positive: 1, negative: 0 })).toThrow(InvalidDataError);
    expect(() => weightedAveragePrecision([0, 0], [0.2, 0.1], { positive: 1, negative: 1 })).toThrow('no row needs maintenance');
  });
});

describe('feature groups', () => {
  it('makes one group of a categorical feature’s one-hot columns, at its first column, and one group of every other column', () => {
    expect(featureGroups(['a', 'type_l', 'type_m', 'b', 'type_h'], types)).toEqual([
      { feature: 'a', columns: [0] },
      { feature: 'type', columns: [1, 2, 4] },
      { feature: 'b', columns: [3] },
    ]);
    expect(featureGroups(['a', 'b'])).toEqual([
      { feature: 'a', columns: [0] },
      { feature: 'b', columns: [1] },
    ]);
  });

  it('refuses a repeated column name and a column in two categories', () => {
    expect(() => featureGroups(['a', 'a'])).toThrow(ShapeError);
    expect(() => featureGroups(['x', 'y'], [{ name: 'p', columns: ['x'] }, { name: 'q', columns: ['x', 'y'] }])).toThrow('x belongs to p and q');
  });
});

describe('permutation importance', () => {
  const { x, labels, names } = data();
  const options = { repeats: 5, seed: 11, groups: featureGroups(names, types) };

  it('gives exactly 0 for an input the model ignores, a large drop for a decisive one, a small one for a weak one', () => {
    const result = permutationImportance(model, x, labels, names, options);
    expect(permutationImportanceSchema.parse(result)).toEqual(result);
    const by = Object.fromEntries(result.features.map((f) => [f.feature, f]));
    expect(result.features.map((f) => f.feature)).toEqual(['signal', 'hint', 'ignored', 'type']);
    expect(by.type.columns).toEqual(['type_l', 'type_m', 'type_h']);
    expect(by.ignored.drops).toEqual([0, 0, 0, 0, 0]);
    expect([by.ignored.meanDrop, by.ignored.sdDrop, by.ignored.minDrop, by.ignored.maxDrop]).toEqual([0, 0, 0, 0]);
    expect(result.baseline).toBe(averagePrecision(labels, model.predict(x).probability));
    expect(result.baseline).toBeGreaterThan(0.8);
    // Without `signal` the model ranks by noise: its AP falls towards the share of failures (about 0.1).
    expect(by.signal.meanDrop).toBeGreaterThan(0.5);
    expect(by.signal.minDrop).toBeGreaterThan(0.4);
    expect(by.hint.meanDrop).toBeGreaterThan(0);
    expect(by.hint.meanDrop).toBeLessThan(by.signal.meanDrop / 5);
    expect(Math.abs(by.type.meanDrop)).toBeLessThan(0.05);
    expect(result).toMatchObject({ metric: 'average precision', rows: 400, positives: labels.filter((y) => y === 1).length, repeats: 5, seed: 11, classWeights: { positive: 1, negative: 1 } });
    // The summary statistics are those of the drops.
    const d = by.signal.drops;
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    expect(by.signal.meanDrop).toBeCloseTo(mean, 15);
    expect(by.signal.sdDrop).toBeCloseTo(Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / (d.length - 1)), 15);
    expect([by.signal.minDrop, by.signal.maxDrop]).toEqual([Math.min(...d), Math.max(...d)]);
  });

  it('is deterministic for a seed, differs for another, and does not change the caller’s rows', () => {
    const before = Float64Array.from(x.data);
    const a = permutationImportance(model, x, labels, names, options);
    const b = permutationImportance(model, x, labels, names, options);
    expect(b).toEqual(a);
    expect(x.data).toEqual(before);
    const c = permutationImportance(model, x, labels, names, { ...options, seed: 12 });
    expect(c.features[0].drops).not.toEqual(a.features[0].drops);
    // Each input has its own stream: leaving one input out does not move the others' shuffles.
    const fewer = permutationImportance(model, x, labels, names, { ...options, groups: options.groups.slice(0, 2) });
    expect(fewer.features).toEqual(a.features.slice(0, 2));
  });

  it('permutes the one-hot columns of a type together: every row the model sees is one valid type, and the type counts stay', () => {
    const seen: DenseMatrix[] = [];
    const spy: ProbabilityScorer = {
      predict: (rows) => {
        seen.push({ ...rows, data: Float64Array.from(rows.data) });
        return model.predict(rows);
      },
    };
    permutationImportance(spy, x, labels, names, { ...options, repeats: 2 });
    expect(seen).toHaveLength(1 + 4 * 2);
    const counts = (m: DenseMatrix) => [3, 4, 5].map((j) => Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + j]).reduce((s, v) => s + v, 0));
    for (const m of seen) {
      for (let i = 0; i < m.rows; i++) expect(m.data[i * m.cols + 3] + m.data[i * m.cols + 4] + m.data[i * m.cols + 5]).toBe(1);
      expect(counts(m)).toEqual(counts(x));
    }
    // The type's passes really moved the type (and nothing else).
    const typePass = seen[1 + 3 * 2];
    let moved = 0;
    for (let i = 0; i < x.rows; i++) {
      if (typePass.data[i * x.cols + 3] !== x.data[i * x.cols + 3]) moved++;
      for (const j of [0, 1, 2]) expect(typePass.data[i * x.cols + j]).toBe(x.data[i * x.cols + j]);
    }
    expect(moved).toBeGreaterThan(50);
  });

  it('uses the class weights for the baseline and the drops, and reports progress per input', () => {
    const progress: string[] = [];
    const result = permutationImportance(model, x, labels, names, { ...options, classWeights: { positive: 1, negative: 4 }, onFeature: (done, total, f) => progress.push(`${done}/${total} ${f}`) });
    expect(result.baseline).toBe(weightedAveragePrecision(labels, model.predict(x).probability, { positive: 1, negative: 4 }));
    expect(result.classWeights).toEqual({ positive: 1, negative: 4 });
    expect(progress).toEqual(['1/4 signal', '2/4 hint', '3/4 ignored', '4/4 type']);
  });

  it('refuses bad input with a clear error', () => {
    expect(() => permutationImportance(model, x, labels, names, { ...options, repeats: 0 })).toThrow('repeats must be an integer in [1, 100], got 0');
    expect(() => permutationImportance(model, x, labels, names, { ...options, seed: 0.5 })).toThrow(InvalidDataError);
    expect(() => permutationImportance(model, x, labels, names.slice(1), options)).toThrow(ShapeError);
    expect(() => permutationImportance(model, x, labels.slice(1), names, options)).toThrow('399 labels for 400 rows');
    expect(() => permutationImportance(model, x, labels.map(() => 0), names, options)).toThrow('no row needs maintenance');
    expect(() => permutationImportance(model, x, labels.map((y) => y * 2), names, options)).toThrow(InvalidDataError);
    expect(() => permutationImportance(model, x, labels, names, { ...options, groups: [{ feature: 'a', columns: [0] }, { feature: 'b', columns: [0] }] })).toThrow('column 0 is in two inputs');
    expect(() => permutationImportance(model, x, labels, names, { ...options, groups: [{ feature: 'a', columns: [9] }] })).toThrow(ShapeError);
    const nan = fromRows([[Number.NaN, 0, 0, 1, 0, 0], [0, 0, 0, 1, 0, 0]]);
    expect(() => permutationImportance(model, nan, [1, 0], names, options)).toThrow('signal is NaN');
    const short: ProbabilityScorer = { predict: () => ({ probability: [0.5] }) };
    expect(() => permutationImportance(short, x, labels, names, options)).toThrow('returned 1 probabilities for 400 rows');
  });
});
