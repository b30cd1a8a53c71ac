import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { GradientBoostingClassifier } from '../../../lambdas/core/ml/boosting/gradient-boosting.ts';
import { type DenseMatrix, fromRows, row } from '../../../lambdas/core/ml/dense.ts';
import { rocAuc } from '../../../lambdas/core/ml/metrics.ts';
import { outOfFoldProbability, stratifiedFolds } from '../../../lambdas/core/ml/out-of-fold.ts';
import { goldenSplit } from '../../fixtures/challengers/golden.ts';

/** A "model" that remembers its training rows: 1 for a row it saw, 0 otherwise. */
function memoriser(x: DenseMatrix) {
  const seen = new Set(Array.from({ length: x.rows }, (_, i) => row(x, i).join(',')));
  return { predictProbability: (q: DenseMatrix) => Float64Array.from({ length: q.rows }, (_, i) => (seen.has(row(q, i).join(',')) ? 1 : 0)) };
}

describe('outOfFoldProbability', () => {
  const x = fromRows(Array.from({ length: 50 }, (_, i) => [i]));
  const y = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 1 : 0));

  it('scores every row with a model that never saw it', () => {
    expect(Array.from(outOfFoldProbability(x, y, memoriser))).toEqual(new Array(50).fill(0));
  });

  it('deals each class evenly over the folds, the same way for the same seed', () => {
    const folds = stratifiedFolds(y, 5, 7);
    for (let k = 0; k < 5; k++) {
      const members = Array.from(folds.keys()).filter((i) => folds[i] === k);
      expect(members).toHaveLength(10);
      expect(members.filter((i) => y[i] === 1)).toHaveLength(2);
    }
    expect(Array.from(stratifiedFolds(y, 5, 7))).toEqual(Array.from(folds));
    expect(Array.from(stratifiedFolds(y, 5, 8))).not.toEqual(Array.from(folds));
  });

  it('boosting: out-of-fold scores rank like unseen data, in-sample ones flatter', () => {
    const { train, test } = goldenSplit('ai4i');
    const fit = (xs: DenseMatrix, ys: Uint8Array) => GradientBoostingClassifier.fit(xs, ys, { earlyStopping: false, maxIterations: 100 });
    const oof = rocAuc(train.y, outOfFoldProbability(train.raw, train.y, fit, { seed: 1 }));
    const inSample = rocAuc(train.y, fit(train.raw, train.y).predictProbability(train.raw));
    const holdout = rocAuc(test.y, fit(train.raw, train.y).predictProbability(test.raw));
    expect(inSample).toBeGreaterThan(0.98);
    expect(Math.abs(oof - holdout)).toBeLessThan(0.05);
    expect(oof).toBeLessThan(inSample - 0.03);
  });

  it('names bad input', () => {
    expect(() => outOfFoldProbability(x, y, memoriser, { folds: 1 })).toThrow(InvalidDataError);
    expect(() => outOfFoldProbability(x, y.slice(1), memoriser)).toThrow(/50 rows but 49 labels/);
    expect(() => stratifiedFolds([0, 0, 0, 1], 2, 0)).toThrow(/class 1 has 1/);
  });
});
