import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidDataError, ShapeError } from '../../../lambdas/core/errors.ts';
import {
  averagePrecision,
  brierScore,
  calibrationCurve,
  calibrationCurveQuantile,
  wilsonInterval,
  classificationReport,
  confusionMatrix,
  evaluate,
  fBeta,
  logLoss,
  precisionRecallCurve,
  rocAuc,
  rocCurve,
  type ClassificationReport,
} from '../../../lambdas/core/ml/metrics.ts';

/** Golden values from scikit-learn, written by fixtures/make_metrics_fixture.py. */
interface GoldenCase {
  name: string;
  yTrue: number[];
  proba: number[];
  thresholds: number[];
  nBins: number;
  expected: {
    reports: ClassificationReport[];
    roc: { fpr: number[]; tpr: number[]; thresholds: (number | 'Infinity')[] };
    rocAuc: number;
    pr: { precision: number[]; recall: number[]; thresholds: number[] };
    averagePrecision: number;
    brier: number;
    logLoss: number;
    calibration: { fractionPositive: number[]; meanPredicted: number[]; count: number[] };
  };
}

const golden = JSON.parse(readFileSync(new URL('./fixtures/metrics-golden.json', import.meta.url), 'utf8')) as {
  cases: GoldenCase[];
};

const TOL = 1e-12;

function expectClose(actual: number, expected: number, what: string): void {
  const scale = Math.max(1, Math.abs(expected));
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(TOL * scale);
}

function expectAllClose(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  actual.forEach((a, i) => expectClose(a, expected[i], `${what}[${i}]`));
}

function expectReport(actual: ClassificationReport, expected: ClassificationReport, what: string): void {
  expect(actual.threshold).toBe(expected.threshold);
  expect(actual.confusion).toEqual(expected.confusion);
  for (const key of ['accuracy', 'precision', 'recall', 'specificity', 'f1', 'f2', 'balancedAccuracy'] as const) {
    expectClose(actual[key], expected[key], `${what} ${key}`);
  }
}

function expectThrows(fn: () => unknown, errorClass: new (...args: never[]) => Error, message: RegExp): void {
  expect(fn).toThrow(errorClass);
  expect(fn).toThrow(message);
}

describe.each(golden.cases)('metrics against scikit-learn: $name', (c) => {
  const { yTrue, proba, expected } = c;

  it('classificationReport and confusionMatrix match at each threshold', () => {
    c.thresholds.forEach((t, k) => {
      expectReport(classificationReport(yTrue, proba, t), expected.reports[k], `t=${t}`);
      const yPred = proba.map((p) => (p >= t ? 1 : 0));
      expect(confusionMatrix(yTrue, yPred)).toEqual(expected.reports[k].confusion);
    });
  });

  it('fBeta from precision and recall matches f1 and f2', () => {
    for (const r of expected.reports) {
      expectClose(fBeta(r.precision, r.recall, 1), r.f1, 'f1');
      expectClose(fBeta(r.precision, r.recall, 2), r.f2, 'f2');
    }
  });

  it('rocCurve matches roc_curve(drop_intermediate=False)', () => {
    const roc = rocCurve(yTrue, proba);
    expectAllClose(roc.fpr, expected.roc.fpr, 'fpr');
    expectAllClose(roc.tpr, expected.roc.tpr, 'tpr');
    expect(roc.thresholds).toEqual(expected.roc.thresholds.map(Number));
    expect(roc.thresholds[0]).toBe(Infinity);
  });

  it('rocAuc matches roc_auc_score', () => {
    expectClose(rocAuc(yTrue, proba), expected.rocAuc, 'rocAuc');
  });

  it('precisionRecallCurve matches precision_recall_curve (thresholds increasing)', () => {
    const pr = precisionRecallCurve(yTrue, proba);
    expectAllClose(pr.precision, expected.pr.precision, 'precision');
    expectAllClose(pr.recall, expected.pr.recall, 'recall');
    expect(pr.thresholds).toEqual(expected.pr.thresholds);
  });

  it('averagePrecision matches average_precision_score', () => {
    expectClose(averagePrecision(yTrue, proba), expected.averagePrecision, 'averagePrecision');
  });

  it('brierScore and logLoss match brier_score_loss and log_loss(eps=1e-15)', () => {
    expectClose(brierScore(yTrue, proba), expected.brier, 'brier');
    expectClose(logLoss(yTrue, proba), expected.logLoss, 'logLoss');
  });

  it('wilsonInterval matches scipy 1.10 binomtest(k, n).proportion_ci(method=\'wilson\')', () => {
    const cases: [number, number, number, number][] = [
      [37, 40, 0.8013576647568945, 0.9741639742254118],
      [37, 110, 0.254920339373622, 0.42885040308759537],
      [0, 10, 0, 0.27753279986288926],
      [10, 10, 0.7224672001371109, 1],
      [1, 3, 0.06149194472039626, 0.7923403991979523],
    ];
    for (const [k, n, low, high] of cases) {
      const interval = wilsonInterval(k, n);
      expect(interval.low).toBeCloseTo(low, 13);
      expect(interval.high).toBeCloseTo(high, 13);
    }
    expect(() => wilsonInterval(3, 2)).toThrow(InvalidDataError);
    expect(() => wilsonInterval(0, 0)).toThrow(/trials must be a whole number >= 1/);
  });

  it("calibrationCurveQuantile matches calibration_curve(strategy='quantile') (scikit-learn 1.2.1, numbers below)", () => {
    // np.random.RandomState(3): p = round(beta(0.5, 6, 40), 4), y = rand(40) < 1.3 p; calibration_curve(y, p, n_bins=5, strategy='quantile').
    const p = [0.0494, 0.4198, 0.0005, 0.0166, 0.0001, 0.1689, 0.0774, 0.3618, 0.3017, 0.0578, 0.0423, 0.2668, 0.0174, 0.0017, 0.0633, 0.0536, 0.0123, 0.0233, 0.0009, 0.4448, 0.0999, 0.0597, 0.1257, 0.0929, 0.1788, 0.1847, 0.0128, 0.0004, 0.0545, 0.0011, 0.0615, 0.2865, 0.2409, 0.1432, 0.1369, 0.0096, 0.0079, 0.0873, 0.0099, 0.0228];
    const y = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const bins = calibrationCurveQuantile(y, p, 5);
    const expectedFraction = [0.0, 0.125, 0.125, 0.125, 0.5];
    const expectedMean = [0.002775, 0.019674999999999998, 0.059649999999999995, 0.12919999999999998, 0.313375];
    const expectedEdges = [0.0001, 0.009840000000000002, 0.04656000000000001, 0.08135999999999999, 0.17998, 0.4448];
    expect(bins.map((b) => b.fractionPositive)).toEqual(expectedFraction);
    bins.forEach((b, k) => {
      expect(b.meanPredicted).toBeCloseTo(expectedMean[k]!, 12);
      expect(b.lower).toBeCloseTo(expectedEdges[k]!, 12);
      expect(b.upper).toBeCloseTo(expectedEdges[k + 1]!, 12);
      expect(b.count).toBe(8);
    });
  });

  it("calibrationCurve matches calibration_curve(strategy='uniform')", () => {
    const bins = calibrationCurve(yTrue, proba, c.nBins);
    expectAllClose(
      bins.map((b) => b.fractionPositive),
      expected.calibration.fractionPositive,
      'fractionPositive',
    );
    expectAllClose(
      bins.map((b) => b.meanPredicted),
      expected.calibration.meanPredicted,
      'meanPredicted',
    );
    expect(bins.map((b) => b.count)).toEqual(expected.calibration.count);
    for (const b of bins) {
      expect(b.meanPredicted).toBeGreaterThanOrEqual(b.lower);
      expect(b.meanPredicted).toBeLessThanOrEqual(b.upper);
    }
  });

  it('evaluate bundles the same numbers and survives JSON', () => {
    const m = evaluate(yTrue, proba, c.thresholds[0]);
    expectReport(m, expected.reports[0], 'evaluate');
    expectClose(m.rocAuc, expected.rocAuc, 'rocAuc');
    expectClose(m.averagePrecision, expected.averagePrecision, 'averagePrecision');
    expectClose(m.brier, expected.brier, 'brier');
    expectClose(m.logLoss, expected.logLoss, 'logLoss');
    expect(m.nPositive).toBe(yTrue.filter((y) => y === 1).length);
    expect(m.nNegative).toBe(yTrue.filter((y) => y === 0).length);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});

describe('metrics beyond the golden file', () => {
  const imbalanced = golden.cases.find((c) => c.name === 'imbalanced-300')!;

  it('rocAuc equals the pairwise probability that a positive outranks a negative (ties count 1/2)', () => {
    const { yTrue, proba } = imbalanced;
    let wins = 0;
    let pairs = 0;
    yTrue.forEach((yi, i) => {
      if (yi !== 1) return;
      yTrue.forEach((yj, j) => {
        if (yj !== 0) return;
        pairs++;
        wins += proba[i] > proba[j] ? 1 : proba[i] === proba[j] ? 0.5 : 0;
      });
    });
    expectClose(rocAuc(yTrue, proba), wins / pairs, 'rocAuc');
  });

  it('accepts typed arrays', () => {
    const { yTrue, proba } = imbalanced;
    expect(evaluate(Uint8Array.from(yTrue), Float64Array.from(proba), 0.2)).toEqual(evaluate(yTrue, proba, 0.2));
  });

  it('precision is 0 (not NaN) when nothing is flagged', () => {
    const r = classificationReport([0, 1, 0], [0.1, 0.2, 0.3], 0.9);
    expect(r.precision).toBe(0);
    expect(r.f1).toBe(0);
  });

  it('logLoss clips with the given eps', () => {
    // p = 0 becomes eps, p = 1 becomes 1 - eps (as rounded in float64), as numpy's clip does.
    const expected = -(Math.log(1e-7) + Math.log(1 - (1 - 1e-7))) / 2;
    expectClose(logLoss([1, 0], [0, 1], 1e-7), expected, 'logLoss');
  });

  it('handles 3,000 rows with many distinct scores', () => {
    const n = 3000;
    const yTrue = Array.from({ length: n }, (_, i) => (i % 33 === 0 ? 1 : 0));
    const proba = Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n);
    const roc = rocCurve(yTrue, proba);
    expect(roc.fpr).toHaveLength(n + 1);
    expect(roc.fpr.at(-1)).toBe(1);
    expect(roc.tpr.at(-1)).toBe(1);
    expect(precisionRecallCurve(yTrue, proba).thresholds).toHaveLength(n);
  });
});

describe('metrics input errors', () => {
  it('rejects a NaN score, naming its index', () => {
    expectThrows(() => rocAuc([0, 1, 1], [0.2, 0.4, NaN]), InvalidDataError, /scores\[2\] is NaN/);
    expectThrows(() => brierScore([0, 1, 1], [0.2, NaN, 0.3]), InvalidDataError, /proba\[1\] is NaN/);
  });

  it('rejects Infinity and probabilities outside [0, 1]', () => {
    expectThrows(() => averagePrecision([0, 1], [Infinity, 0.5]), InvalidDataError, /scores\[0\] is Infinity/);
    expectThrows(() => logLoss([0, 1], [0.5, 1.5]), InvalidDataError, /proba\[1\] is 1\.5.*\[0, 1\]/);
    expectThrows(() => classificationReport([0, 1], [-0.1, 0.5], 0.5), InvalidDataError, /proba\[0\] is -0\.1/);
  });

  it('rejects a label that is not 0 or 1', () => {
    expectThrows(() => rocCurve([0, 2, 1], [0.1, 0.2, 0.3]), InvalidDataError, /yTrue\[1\] is 2; labels must be 0 or 1/);
    expectThrows(() => confusionMatrix([0, 1], [1, 0.5]), InvalidDataError, /yPred\[1\] is 0\.5/);
  });

  it('rejects mismatched lengths', () => {
    expectThrows(
      () => classificationReport([0, 1, 1], [0.2, 0.4], 0.5),
      ShapeError,
      /yTrue has 3 values but proba has 2/,
    );
    expectThrows(() => rocAuc([0, 1], [0.2, 0.4, 0.6]), ShapeError, /yTrue has 2 values but scores has 3/);
  });

  it('rejects empty input', () => {
    expectThrows(() => evaluate([], [], 0.5), InvalidDataError, /empty/);
    expectThrows(() => precisionRecallCurve([], []), InvalidDataError, /empty/);
  });

  it('refuses metrics that are undefined with one class', () => {
    expectThrows(() => rocAuc([1, 1, 1], [0.2, 0.4, 0.6]), InvalidDataError, /ROC AUC is undefined.*only one class/);
    expectThrows(() => rocCurve([0, 0], [0.2, 0.4]), InvalidDataError, /only one class.*no row needs maintenance/);
    expectThrows(() => averagePrecision([0, 0], [0.2, 0.4]), InvalidDataError, /average precision is undefined.*no positives/);
    expectThrows(() => evaluate([0, 0], [0.2, 0.4], 0.5), InvalidDataError, /only one class/);
  });

  it('rejects bad parameters', () => {
    expectThrows(() => classificationReport([0, 1], [0.2, 0.4], NaN), InvalidDataError, /threshold must be a finite number/);
    expectThrows(() => fBeta(0.5, 0.5, 0), InvalidDataError, /beta must be a finite number > 0, got 0/);
    expectThrows(() => fBeta(1.2, 0.5, 1), InvalidDataError, /precision must be in \[0, 1\], got 1\.2/);
    expectThrows(() => logLoss([0, 1], [0.2, 0.4], 0), InvalidDataError, /eps must be in \(0, 0\.5\), got 0/);
    expectThrows(() => calibrationCurve([0, 1], [0.2, 0.4], 2.5), InvalidDataError, /nBins must be an integer >= 1, got 2\.5/);
  });
});
