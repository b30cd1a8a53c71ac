import type { TopLevelSpec } from 'vega-lite';
import {
  calibrationRows,
  challengerRows,
  confusionCells,
  precisionRecallOperatingPoints,
  precisionRecallRows,
  rocOperatingPoints,
  rocRows,
  traceRows,
} from './chart-data.ts';
import {
  calibrationChart,
  confusionChart,
  optimizerChart,
  relevanceChart,
  precisionRecallChart,
  rocChart,
  scoreDistributionChart,
  uncertaintyChart,
} from './charts.ts';
import { fixed } from '../format.ts';
import type { ReportData } from './report-data.ts';

/** Every chart of one report as a Vega-Lite spec; `optimizer` is null when nothing was optimised (refit mode). */
export interface ReportChartSpecs {
  readonly roc: TopLevelSpec;
  readonly precisionRecall: TopLevelSpec;
  readonly confusion: TopLevelSpec;
  readonly calibration: TopLevelSpec;
  readonly scores: TopLevelSpec;
  readonly uncertainty: TopLevelSpec;
  readonly optimizer: TopLevelSpec | null;
  /** Null for records written before relevances were kept. */
  readonly relevance: TopLevelSpec | null;
}

export function reportChartSpecs(data: ReportData): ReportChartSpecs {
  const { evaluation, training } = data;
  const rows = challengerRows(evaluation);
  return {
    roc: rocChart(rocRows(evaluation), rocOperatingPoints(evaluation)),
    precisionRecall: precisionRecallChart(precisionRecallRows(evaluation), precisionRecallOperatingPoints(evaluation), evaluation.targetRecall, prevalenceOf(evaluation.labels)),
    confusion: confusionChart(confusionCells(evaluation)),
    calibration: calibrationChart(calibrationRows(evaluation), { value: evaluation.challenger.threshold, label: `threshold ${fixed(evaluation.challenger.threshold, 4)}` }),
    scores: scoreDistributionChart(rows, evaluation.challenger.threshold, `threshold ${fixed(evaluation.challenger.threshold, 4)}`),
    uncertainty: uncertaintyChart(rows),
    optimizer: training.trace.length === 0 ? null : optimizerChart(traceRows(training.trace), training.objective ?? 'log marginal likelihood'),
    relevance: training.relevances === undefined ? null : relevanceChart(training.relevances),
  };
}

/** The holdout's share of rows that needed maintenance: the precision of flagging at random. */
function prevalenceOf(labels: readonly number[]): number {
  return labels.length === 0 ? 0 : labels.reduce((sum, label) => sum + label, 0) / labels.length;
}
