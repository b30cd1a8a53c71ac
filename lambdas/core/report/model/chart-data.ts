import { calibrationCurveQuantile, precisionRecallCurve, rocCurve } from '../../ml/metrics.ts';
import { simplifyCurve } from './downsample.ts';
import type { Evaluation, HoldoutEvaluation, OptimizerStep } from './report-data.ts';

/**
 * The rows each chart plots, derived from the report data. Kept apart from the chart specs so
 * the numbers can be tested without rendering, and so the specs stay pure layout.
 */

export type ModelRole = 'challenger' | 'champion';
export type ClassName = 'needs maintenance' | 'healthy';

/** Class 1 is "needs maintenance", as everywhere in the core. */
export function className(label: number): ClassName {
  return label === 1 ? 'needs maintenance' : 'healthy';
}

/** Curves with more points than this are thinned: a chart is ~320 px wide, more points only add bytes. */
export const MAX_CURVE_POINTS = 500;

export interface RoleModel {
  readonly role: ModelRole;
  readonly model: HoldoutEvaluation;
}

/** The models scored on the holdout, challenger first. */
export function modelsOf(evaluation: Evaluation): RoleModel[] {
  const models: RoleModel[] = [{ role: 'challenger', model: evaluation.challenger }];
  if (evaluation.champion) models.push({ role: 'champion', model: evaluation.champion });
  return models;
}

/** One point of a curve; `order` keeps the drawing order where x goes back and forth. */
export interface CurveRow {
  readonly model: ModelRole;
  readonly x: number;
  readonly y: number;
  readonly order: number;
}

/** A model's operating point at its own threshold. */
export interface OperatingPointRow {
  readonly model: ModelRole;
  readonly x: number;
  readonly y: number;
  readonly threshold: number;
}

function thinned(role: ModelRole, xs: readonly number[], ys: readonly number[], maxPoints: number): CurveRow[] {
  const points = xs.map((x, i) => ({ x, y: ys[i] }));
  return simplifyCurve(points, maxPoints).map((p, order) => ({ model: role, x: p.x, y: p.y, order }));
}

/** ROC curve per model: x = false alarm rate, y = recall. */
export function rocRows(evaluation: Evaluation, maxPoints = MAX_CURVE_POINTS): CurveRow[] {
  return modelsOf(evaluation).flatMap(({ role, model }) => {
    const roc = rocCurve(evaluation.labels, model.probability);
    return thinned(role, roc.fpr, roc.tpr, maxPoints);
  });
}

/**
 * The corners of a step curve that holds y[i] from x[i] until x[i + 1] (matplotlib's
 * `steps-post`), so it can be drawn with straight lines and thinned without cutting corners.
 */
export function steps(xs: readonly number[], ys: readonly number[]): { xs: number[]; ys: number[] } {
  const out = { xs: [] as number[], ys: [] as number[] };
  for (let i = 0; i < xs.length; i++) {
    out.xs.push(xs[i]);
    out.ys.push(ys[i]);
    if (i + 1 < xs.length) {
      out.xs.push(xs[i + 1]);
      out.ys.push(ys[i]);
    }
  }
  return out;
}

/**
 * Precision-recall curve per model: x = recall, y = precision, drawn as steps as scikit-learn
 * draws it; a straight line between two points would show precision no threshold achieves.
 */
export function precisionRecallRows(evaluation: Evaluation, maxPoints = MAX_CURVE_POINTS): CurveRow[] {
  return modelsOf(evaluation).flatMap(({ role, model }) => {
    const pr = precisionRecallCurve(evaluation.labels, model.probability);
    const stepped = steps(pr.recall, pr.precision);
    return thinned(role, stepped.xs, stepped.ys, maxPoints);
  });
}

/** Where each model operates on the ROC curve: (false alarm rate, recall) at its threshold. */
export function rocOperatingPoints(evaluation: Evaluation): OperatingPointRow[] {
  return modelsOf(evaluation).map(({ role, model }) => {
    const { fp, tn } = model.metrics.confusion;
    return { model: role, x: fp + tn === 0 ? 0 : fp / (fp + tn), y: model.metrics.recall, threshold: model.threshold };
  });
}

/** Where each model operates on the precision-recall curve: (recall, precision) at its threshold. */
export function precisionRecallOperatingPoints(evaluation: Evaluation): OperatingPointRow[] {
  return modelsOf(evaluation).map(({ role, model }) => ({
    model: role,
    x: model.metrics.recall,
    y: model.metrics.precision,
    threshold: model.threshold,
  }));
}

export interface CalibrationRow {
  readonly model: ModelRole;
  readonly meanPredicted: number;
  readonly fractionPositive: number;
  readonly count: number;
}

/** Reliability diagram per model: ten bins of equal row counts (quantile bins), so the low probabilities where most rows lie are resolved. */
export function calibrationRows(evaluation: Evaluation, nBins = 10): CalibrationRow[] {
  return modelsOf(evaluation).flatMap(({ role, model }) =>
    calibrationCurveQuantile(evaluation.labels, model.probability, nBins).map((bin) => ({
      model: role,
      meanPredicted: bin.meanPredicted,
      fractionPositive: bin.fractionPositive,
      count: bin.count,
    })),
  );
}

export interface ConfusionCell {
  readonly model: ModelRole;
  readonly actual: ClassName;
  readonly predicted: ClassName;
  readonly count: number;
  /** Share of the actual class's rows in this cell: recall on the diagonal of the positive row. */
  readonly shareOfActual: number;
}

/** The four cells of each model's confusion matrix at its own threshold. */
export function confusionCells(evaluation: Evaluation): ConfusionCell[] {
  return modelsOf(evaluation).flatMap(({ role, model }) => {
    const { tp, fp, tn, fn } = model.metrics.confusion;
    const share = (n: number, total: number): number => (total === 0 ? 0 : n / total);
    return [
      { model: role, actual: 'needs maintenance', predicted: 'needs maintenance', count: tp, shareOfActual: share(tp, tp + fn) },
      { model: role, actual: 'needs maintenance', predicted: 'healthy', count: fn, shareOfActual: share(fn, tp + fn) },
      { model: role, actual: 'healthy', predicted: 'needs maintenance', count: fp, shareOfActual: share(fp, fp + tn) },
      { model: role, actual: 'healthy', predicted: 'healthy', count: tn, shareOfActual: share(tn, fp + tn) },
    ] satisfies ConfusionCell[];
  });
}

export interface HoldoutRow {
  readonly class: ClassName;
  readonly probability: number;
  /** Null for a model without uncertainty. */
  readonly latentStd: number | null;
}

/** The challenger's probability and uncertainty per holdout row, with the row's true class. */
export function challengerRows(evaluation: Evaluation): HoldoutRow[] {
  const { probability, latentStd } = evaluation.challenger;
  return evaluation.labels.map((label, i) => ({
    class: className(label),
    probability: probability[i],
    latentStd: latentStd === null ? null : latentStd[i],
  }));
}

export interface TraceRow {
  readonly stage: string;
  readonly start: string;
  readonly iteration: number;
  readonly logMarginalLikelihood: number;
}

const STAGE_NAMES: Readonly<Record<OptimizerStep['stage'], string>> = {
  subsample: 'on a subsample',
  full: 'on all training rows',
  isotropic: 'one length scale',
  ard: 'a length scale per input',
  refine: 'length scales on all training rows',
  minibatch: 'length scales on minibatches of all rows',
  variational: 'q(u) on all training rows',
};

/** One line per optimiser start, one panel per stage (their likelihoods are sums over different row counts). */
export function traceRows(trace: readonly OptimizerStep[]): TraceRow[] {
  return trace.map((step) => ({
    stage: STAGE_NAMES[step.stage],
    start: `start ${step.start}`,
    iteration: step.iteration,
    logMarginalLikelihood: step.logMarginalLikelihood,
  }));
}
