import { type ModelMetrics, wilsonInterval } from '../../ml/metrics.ts';
import { fixed, integer, percent } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Evaluation, HoldoutEvaluation } from './report-data.ts';

/** One row of the holdout metrics table. */
interface MetricRow {
  readonly label: string;
  readonly meaning: string;
  readonly value: (model: HoldoutEvaluation) => number;
  readonly digits: number;
  /** Which direction is better; null for values that are settings, not scores (the threshold). */
  readonly better: 'higher' | 'lower' | null;
  /** The proportion's successes and trials, for a 95 % Wilson interval beside the value (recall, precision). */
  readonly proportion?: (model: HoldoutEvaluation) => { readonly successes: number; readonly trials: number };
}

const metric = (key: keyof Omit<ModelMetrics, 'confusion'>) => (model: HoldoutEvaluation) => model.metrics[key];

/** Recall first: a missed machine that needs maintenance is the costly error. */
export const METRIC_ROWS: readonly MetricRow[] = [
  {
    label: 'Recall (needs maintenance)',
    meaning: 'Share of the machines that needed maintenance which the model flagged. Every miss is a machine that may fail.',
    value: metric('recall'),
    digits: 3,
    better: 'higher',
    proportion: (model) => ({ successes: model.metrics.confusion.tp, trials: model.metrics.confusion.tp + model.metrics.confusion.fn }),
  },
  {
    label: 'Precision',
    meaning: 'Share of flagged machines that really needed maintenance; the rest are wasted inspections.',
    value: metric('precision'),
    digits: 3,
    better: 'higher',
    proportion: (model) => ({ successes: model.metrics.confusion.tp, trials: model.metrics.confusion.tp + model.metrics.confusion.fp }),
  },
  {
    label: 'F2 score',
    meaning: 'Precision and recall in one number, recall counting twice as much.',
    value: metric('f2'),
    digits: 3,
    better: 'higher',
  },
  {
    label: 'ROC AUC',
    meaning: 'Chance that a machine needing maintenance scores higher than a healthy one (0.5 = guessing).',
    value: metric('rocAuc'),
    digits: 3,
    better: 'higher',
  },
  {
    label: 'Average precision',
    meaning: 'Area under the precision-recall curve: precision averaged over all recall levels.',
    value: metric('averagePrecision'),
    digits: 3,
    better: 'higher',
  },
  {
    label: 'Brier score',
    meaning: 'Mean squared error of the probabilities (0 is perfect).',
    value: metric('brier'),
    digits: 4,
    better: 'lower',
  },
  {
    label: 'Log loss',
    meaning: 'How surprised the model is by the true outcomes; confident mistakes cost most.',
    value: metric('logLoss'),
    digits: 3,
    better: 'lower',
  },
  {
    label: 'Accuracy',
    meaning: 'Share of all machines classified correctly; flatters a model that never flags when failures are rare.',
    value: metric('accuracy'),
    digits: 3,
    better: 'higher',
  },
  {
    label: 'Balanced accuracy',
    meaning: 'Mean of recall and the share of healthy machines left alone: accuracy not fooled by rare failures.',
    value: metric('balancedAccuracy'),
    digits: 3,
    better: 'higher',
  },
  {
    label: 'Decision threshold',
    meaning: 'A machine is flagged when its probability of needing maintenance is at least this.',
    value: (model) => model.threshold,
    digits: 4,
    better: null,
  },
];

/** Challenger minus champion, with a word saying whether that is better (colour alone is not enough). */
function difference(row: MetricRow, challenger: number, champion: number): SafeHtml {
  const delta = challenger - champion;
  const shown = fixed(delta, row.digits);
  const signed = delta > 0 ? `+${shown}` : shown;
  // Differences that round to zero at the shown precision are no change.
  if (row.better === null || Number(shown) === 0) return html`<td class="num">${signed}</td>`;
  const improved = row.better === 'higher' ? delta > 0 : delta < 0;
  return html`<td class="num ${improved ? 'better' : 'worse'}">${signed} ${improved ? 'better' : 'worse'}</td>`;
}

/** The value, and for a proportion its 95 % Wilson interval (how far a holdout this size pins it down). */
function valueCell(row: MetricRow, model: HoldoutEvaluation): SafeHtml {
  const value = fixed(row.value(model), row.digits);
  const counts = row.proportion?.(model);
  if (counts === undefined || counts.trials === 0) return html`<td class="num">${value}</td>`;
  const { low, high } = wilsonInterval(counts.successes, counts.trials);
  return html`<td class="num">${value}<br><span class="muted">${fixed(low, 2)}–${fixed(high, 2)}</span></td>`;
}

function metricRow(row: MetricRow, challenger: HoldoutEvaluation, champion: HoldoutEvaluation | null, key: boolean): SafeHtml {
  const c = row.value(challenger);
  return html`<tr${key ? html` class="key"` : null}><th scope="row">${row.label}</th>${valueCell(row, challenger)}${
    champion ? [valueCell(row, champion), difference(row, c, row.value(champion))] : null
  }<td class="muted">${row.meaning}${row.proportion ? ' Below it: the 95 % Wilson interval, how far this holdout pins the value down.' : ''}</td></tr>`;
}

function targetRows(evaluation: Evaluation): SafeHtml {
  const { challenger, champion } = evaluation;
  const cells = (value: (m: HoldoutEvaluation) => number, digits: number) =>
    html`<td class="num">${fixed(value(challenger), digits)}</td>${champion ? html`<td class="num">${fixed(value(champion), digits)}</td><td></td>` : null}`;
  const span = champion ? 5 : 3;
  const target = percent(evaluation.targetRecall, 0);
  return html`<tr class="group"><th colspan="${span}" scope="rowgroup">Threshold for the target recall of ${target} on this holdout</th></tr>
<tr><th scope="row">Threshold</th>${cells((m) => m.thresholdForTargetRecall.threshold, 4)}<td class="muted">The highest threshold that still flags at least ${target} of the machines needing maintenance in this holdout.</td></tr>
<tr><th scope="row">Recall there</th>${cells((m) => m.thresholdForTargetRecall.recall, 3)}<td class="muted">Recall at that threshold.</td></tr>
<tr><th scope="row">Precision there</th>${cells((m) => m.thresholdForTargetRecall.precision, 3)}<td class="muted">What reaching the target costs in wasted inspections.</td></tr>`;
}

/** The holdout metrics of the challenger, and of the champion with the differences when there is one. */
export function metricsTable(evaluation: Evaluation): SafeHtml {
  const { challenger, champion } = evaluation;
  const m = challenger.metrics;
  const rows = m.nPositive + m.nNegative;
  const scored = champion ? 'Both models are scored on the same holdout' : 'The model is scored on a holdout';
  const untrained = champion ? 'which neither was trained on' : 'which it was not trained on';
  return html`<p>${scored} of ${integer(rows)} machines, ${untrained}: ${integer(m.nPositive)} needed maintenance (${percent(m.nPositive / rows)}), ${integer(m.nNegative)} were healthy.</p>
<div class="table-wrap"><table class="metrics">
<thead><tr><th scope="col">Metric</th><th scope="col" class="num">Challenger<br><code>${challenger.version}</code></th>${
    champion ? html`<th scope="col" class="num">Champion<br><code>${champion.version}</code></th><th scope="col" class="num">Difference</th>` : null
  }<th scope="col">What it means</th></tr></thead>
<tbody>${METRIC_ROWS.map((row, i) => metricRow(row, challenger, champion, i === 0))}</tbody>
<tbody>${targetRows(evaluation)}</tbody>
</table></div>${champion ? null : html`<p class="note">There is no champion yet: this is the first model, so there is nothing to compare with.</p>`}`;
}
