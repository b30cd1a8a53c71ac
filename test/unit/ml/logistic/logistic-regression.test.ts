import { describe, expect, it } from 'vitest';
import { ArtifactError, InvalidDataError } from '../../../../lambdas/core/errors.ts';
import { fromRows } from '../../../../lambdas/core/ml/dense.ts';
import { LogisticRegression } from '../../../../lambdas/core/ml/logistic/logistic-regression.ts';
import { golden, goldenSplit } from '../../../fixtures/challengers/golden.ts';

/** Probabilities agree with scikit-learn's (newton-cholesky run to tol 1e-12) to this absolute tolerance. */
const PROBABILITY_TOLERANCE = 1e-8;
/** Coefficients and intercept, relative to the largest of them. */
const COEFFICIENT_TOLERANCE = 1e-6;

describe('LogisticRegression against scikit-learn', () => {
  it.each(golden.logistic)('$name: coefficients, intercept and holdout probabilities', (c) => {
    const { train, test } = goldenSplit(c.data);
    const model = LogisticRegression.fit(train.scaled, train.y, { C: c.C, classWeight: c.classWeight ?? 'none' });
    expect(model.summary.converged).toBe(true);
    // Newton: a handful of steps, even on the collinear ai4i columns with a weak penalty (C = 100).
    expect(model.summary.iterations).toBeLessThan(15);
    const scale = Math.max(...c.coefficients.map(Math.abs), Math.abs(c.intercept));
    const coefficients = model.coefficients;
    c.coefficients.forEach((expected, j) => expect(Math.abs(coefficients[j] - expected) / scale, `coefficient ${j}`).toBeLessThan(COEFFICIENT_TOLERANCE));
    expect(Math.abs(model.intercept - c.intercept) / scale).toBeLessThan(COEFFICIENT_TOLERANCE);
    const proba = model.predictProbability(test.scaled);
    const worst = Math.max(...c.testProbability.map((expected, i) => Math.abs(proba[i] - expected)));
    expect(worst).toBeLessThan(PROBABILITY_TOLERANCE);
  });

  it('weights the classes as scikit-learn does: n / (2 n_class)', () => {
    const { train } = goldenSplit('ai4i');
    const model = LogisticRegression.fit(train.scaled, train.y);
    const n = train.y.length;
    const positives = train.y.reduce((a, b) => a + b, 0);
    expect(model.summary.classWeight).toBe('balanced');
    expect(model.summary.weights.positive).toBeCloseTo(n / (2 * positives), 12);
    expect(model.summary.weights.negative).toBeCloseTo(n / (2 * (n - positives)), 12);
    expect(model.summary.nPositive).toBe(positives);
  });
});

describe('LogisticRegression model', () => {
  const { train, test } = goldenSplit('moons');

  it('is deterministic: the same data and options give the same bytes', () => {
    const a = LogisticRegression.fit(train.scaled, train.y, { C: 0.5 });
    const b = LogisticRegression.fit(train.scaled, train.y, { C: 0.5 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('round-trips through JSON text and predicts bitwise the same', () => {
    const model = LogisticRegression.fit(train.scaled, train.y);
    const loaded = LogisticRegression.load(JSON.stringify(model));
    expect(Array.from(loaded.predictProbability(test.scaled))).toEqual(Array.from(model.predictProbability(test.scaled)));
    expect(loaded.summary).toEqual(model.summary);
  });

  it('a stronger penalty gives smaller coefficients', () => {
    const norm = (m: LogisticRegression) => Math.hypot(...m.coefficients);
    expect(norm(LogisticRegression.fit(train.scaled, train.y, { C: 0.01 }))).toBeLessThan(norm(LogisticRegression.fit(train.scaled, train.y, { C: 1 })));
  });

  it('stays finite on separable data (the penalty bounds the weights)', () => {
    const x = fromRows([[-2], [-1], [1], [2]]);
    const model = LogisticRegression.fit(x, [0, 0, 1, 1], { C: 1e6 });
    expect(model.summary.converged).toBe(true);
    const p = model.predictProbability(x);
    expect(p.every(Number.isFinite)).toBe(true);
    expect(p[0]).toBeLessThan(0.01);
    expect(p[3]).toBeGreaterThan(0.99);
  });
});

describe('LogisticRegression errors', () => {
  const x = fromRows([[0], [1], [2], [3]]);
  const y = [0, 0, 1, 1];

  it('rejects bad training data with InvalidDataError (a RangeError)', () => {
    expect(() => LogisticRegression.fit(x, [0, 0, 0, 0])).toThrow(/single class/);
    expect(() => LogisticRegression.fit(x, [0, 1, 2, 1])).toThrow(/labels must be 0 or 1/);
    expect(() => LogisticRegression.fit(fromRows([[0], [Number.NaN], [2], [3]]), y)).toThrow(/row 1.*NaN/);
    expect(() => LogisticRegression.fit(x, [0, 1])).toThrow(RangeError);
  });

  it('rejects bad options by name', () => {
    expect(() => LogisticRegression.fit(x, y, { C: 0 })).toThrow(InvalidDataError);
    expect(() => LogisticRegression.fit(x, y, { C: 0 })).toThrow(/option C/);
    expect(() => LogisticRegression.fit(x, y, { maxIterations: 1.5 })).toThrow(/maxIterations/);
    expect(() => LogisticRegression.fit(x, y, { classWeight: 'heavy' as never })).toThrow(/classWeight/);
  });

  it('rejects an unknown option name with ShapeError (a TypeError) instead of ignoring it', () => {
    expect(() => LogisticRegression.fit(x, y, { c: 2 } as never)).toThrow(TypeError);
    expect(() => LogisticRegression.fit(x, y, { c: 2 } as never)).toThrow(/unknown logistic regression option\(s\) c; known: C, classWeight/);
  });

  it('rejects prediction input of the wrong width or with NaN', () => {
    const model = LogisticRegression.fit(x, y);
    expect(() => model.predictProbability(fromRows([[1, 2]]))).toThrow(/expected 1 feature column/);
    expect(() => model.predictProbability(fromRows([[Number.POSITIVE_INFINITY]]))).toThrow(InvalidDataError);
  });

  it('load names what is wrong: kind, version, values', () => {
    const json = LogisticRegression.fit(x, y).toJSON();
    expect(() => LogisticRegression.load({ ...json, kind: 'gradient-boosting' })).toThrow(/not a logistic-regression model/);
    expect(() => LogisticRegression.load({ ...json, formatVersion: 2 })).toThrow(/unsupported logistic-regression format version 2/);
    expect(() => LogisticRegression.load({ ...json, coefficients: [1, 2] })).toThrow(/one entry per feature/);
    expect(() => LogisticRegression.load('{')).toThrow(ArtifactError);
  });
});
