import { describe, expect, it } from 'vitest';
import { evaluate, rocAuc } from '../../../lambdas/core/ml/metrics.ts';
import {
  calibrationRows,
  challengerRows,
  confusionCells,
  MAX_CURVE_POINTS,
  precisionRecallOperatingPoints,
  precisionRecallRows,
  rocOperatingPoints,
  rocRows,
  steps,
  traceRows,
} from '../../../lambdas/core/report/model/chart-data.ts';
import { makeReportData } from './report-fixture.ts';

/** Area under a polyline by the trapezoid rule. */
function area(rows: readonly { x: number; y: number }[]): number {
  let sum = 0;
  for (let i = 1; i < rows.length; i++) sum += ((rows[i].x - rows[i - 1].x) * (rows[i].y + rows[i - 1].y)) / 2;
  return sum;
}

describe('chart rows from the report data', () => {
  const data = makeReportData({ champion: true, rows: 6000 });
  const { evaluation } = data;

  it('ROC curves: thinned to the limit, from (0,0) to (1,1), with the area of the full curve', () => {
    const rows = rocRows(evaluation);
    for (const role of ['challenger', 'champion'] as const) {
      const curve = rows.filter((r) => r.model === role);
      const model = role === 'challenger' ? evaluation.challenger : evaluation.champion!;
      expect(curve.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
      expect(curve[0]).toMatchObject({ x: 0, y: 0, order: 0 });
      expect(curve[curve.length - 1]).toMatchObject({ x: 1, y: 1 });
      // Thinning keeps the shape: the area under the drawn curve is the model's ROC AUC.
      expect(area(curve)).toBeCloseTo(rocAuc(evaluation.labels, model.probability), 3);
    }
  });

  it('thins a curve to a given number of points', () => {
    const rows = rocRows(evaluation, 20).filter((r) => r.model === 'challenger');
    expect(rows).toHaveLength(20);
    expect(rows.map((r) => r.order)).toEqual([...Array(20).keys()]);
  });

  it('steps hold each y until the next x', () => {
    expect(steps([1, 0.5, 0], [0.2, 0.6, 1])).toEqual({ xs: [1, 0.5, 0.5, 0, 0], ys: [0.2, 0.2, 0.6, 0.6, 1] });
  });

  it('precision-recall curves end at recall 0 with precision 1, recall falling', () => {
    const curve = precisionRecallRows(evaluation).filter((r) => r.model === 'challenger');
    expect(curve.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
    expect(curve[0].x).toBe(1);
    expect(curve[curve.length - 1]).toMatchObject({ x: 0, y: 1 });
    for (let i = 1; i < curve.length; i++) expect(curve[i].x).toBeLessThanOrEqual(curve[i - 1].x);
  });

  it('operating points are the metrics at each model’s own threshold', () => {
    const m = evaluate(evaluation.labels, evaluation.challenger.probability, evaluation.challenger.threshold);
    const [roc] = rocOperatingPoints(evaluation);
    expect(roc).toEqual({ model: 'challenger', x: m.confusion.fp / m.nNegative, y: m.recall, threshold: evaluation.challenger.threshold });
    const pr = precisionRecallOperatingPoints(evaluation);
    expect(pr.map((p) => p.model)).toEqual(['challenger', 'champion']);
    expect(pr[0]).toMatchObject({ x: m.recall, y: m.precision });
  });

  it('confusion cells hold every holdout row once, labelled by class', () => {
    const cells = confusionCells(evaluation).filter((c) => c.model === 'challenger');
    const { tp, fn } = evaluation.challenger.metrics.confusion;
    expect(cells.reduce((s, c) => s + c.count, 0)).toBe(evaluation.labels.length);
    expect(cells.find((c) => c.actual === 'needs maintenance' && c.predicted === 'healthy')).toMatchObject({
      count: fn,
      shareOfActual: fn / (tp + fn),
    });
  });

  it('calibration bins count every row once per model', () => {
    const rows = calibrationRows(evaluation);
    for (const role of ['challenger', 'champion'] as const) {
      expect(rows.filter((r) => r.model === role).reduce((s, r) => s + r.count, 0)).toBe(evaluation.labels.length);
    }
  });

  it('challenger rows carry the true class with the probability and uncertainty', () => {
    const rows = challengerRows(evaluation);
    const i = evaluation.labels.indexOf(1);
    expect(rows[i]).toEqual({ class: 'needs maintenance', probability: evaluation.challenger.probability[i], latentStd: evaluation.challenger.latentStd![i] });
    expect(rows.filter((r) => r.class === 'healthy')).toHaveLength(evaluation.labels.filter((y) => y === 0).length);
  });

  it('trace rows name the stage and the start', () => {
    const rows = traceRows(data.training.trace);
    expect(rows).toHaveLength(data.training.trace.length);
    expect(new Set(rows.map((r) => `${r.stage} / ${r.start}`))).toEqual(
      new Set(['on a subsample / start 0', 'on a subsample / start 1', 'on a subsample / start 2', 'on all training rows / start 1']),
    );
  });
});
