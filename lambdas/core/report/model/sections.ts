import { fixed, integer, percent, seconds, significant, timestamp } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { metricsTable } from './metrics-table.ts';
import type { ReportData } from './report-data.ts';

/**
 * The report's sections, in reading order, as HTML. Every value from the data is interpolated
 * through `html`, which escapes it; the SVGs arrive as SafeHtml from the renderer.
 */

/** A chart with its caption. Screen readers get the caption; the SVG's axis ticks would only be noise. */
export function figure(svg: SafeHtml, caption: string): SafeHtml {
  return html`<figure><div aria-hidden="true">${svg}</div><figcaption>${caption}</figcaption></figure>`;
}

export const KIND_NAMES: Readonly<Record<string, string>> = {
  'gpc-exact': 'Gaussian process (exact)',
  'gpc-sparse': 'Gaussian process (sparse)',
  'logistic-regression': 'logistic regression',
  'gradient-boosting': 'gradient-boosted trees',
};

export function headerSection(data: ReportData): SafeHtml {
  const { decision, training } = data;
  const pick = data.evaluation.pick;
  const mode =
    training.mode === 'full'
      ? 'full retrain (kernel hyperparameters optimised)'
      : 'refit (the champion’s kernel hyperparameters kept, posterior recomputed on the new data)';
  return html`<header class="top">
<p class="kicker">Prognos · predictive maintenance · model report</p>
<h1>Model version <code>${data.version}</code></h1>
<div class="decision ${decision.promote ? 'promoted' : 'rejected'}" role="status">
<strong>${decision.promote ? 'PROMOTED' : 'REJECTED'}</strong> ${
    decision.promote ? 'This version now serves predictions.' : 'The current champion keeps serving predictions.'
  }<p>${decision.summary}</p></div>
<dl class="facts">
<dt>Run</dt><dd><code>${data.runName}</code></dd>
<dt>Created</dt><dd>${timestamp(data.createdAt)}</dd>
<dt>Data contract</dt><dd><code>${data.contractName}</code></dd>
${pick === undefined ? html`` : html`<dt>Model</dt><dd>${KIND_NAMES[pick.kind] ?? pick.kind}, picked among the run’s models (<a href="#models">all models</a>)</dd>`}
<dt>${pick === undefined ? 'Training' : 'Gaussian process'}</dt><dd>${mode}</dd>
</dl>
</header>`;
}

export function metricsSection(data: ReportData): SafeHtml {
  return html`<section id="metrics"><h2>How well it finds machines that need maintenance</h2>${metricsTable(data.evaluation)}</section>`;
}

export function gateSection(data: ReportData): SafeHtml {
  const { decision } = data;
  const passed = decision.checks.filter((c) => c.passed).length;
  return html`<section id="gate"><h2>Gate decision: ${decision.promote ? 'promoted' : 'rejected'}</h2>
<p>${decision.summary}</p>
<p class="note">${integer(passed)} of ${integer(decision.checks.length)} checks passed · decided ${timestamp(decision.decidedAt)}</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Check</th><th scope="col">Result</th><th scope="col">Detail</th></tr></thead><tbody>${decision.checks.map(
    (check) =>
      html`<tr><th scope="row">${check.name}</th><td class="${check.passed ? 'pass' : 'fail'}">${check.passed ? '✓ passed' : '✗ failed'}</td><td>${check.detail}</td></tr>`,
  )}</tbody></table></div></section>`;
}

/** Every model trained in the run on the same holdout, and which one the rule picks; empty for runs from before the challengers. */
export function candidatesSection(data: ReportData): SafeHtml {
  const rows = data.evaluation.candidates;
  if (rows === undefined || rows.length === 0) return html``;
  const { pick } = data.evaluation;
  return html`<section id="models"><h2>All models trained in this run</h2>
<p>Each model is scored on the same holdout rows, at the threshold it chose for recall ${fixed(data.evaluation.targetRecall, 2)} on its own training rows. The rule: among the models that reach the recall target on the holdout, the highest average precision; but the Gaussian process wins while it is within 0.01 of the best, because it also says how sure it is about each reading.</p>
${pick === undefined ? html`` : html`<p><strong>Picked: ${KIND_NAMES[pick.kind] ?? pick.kind}</strong> (<code>${pick.version}</code>): ${pick.reason}. It is the model the gate judged against the champion, and the one this report’s charts show.</p>`}
<div class="table-wrap"><table><thead><tr><th scope="col">Model</th><th scope="col">Fit time</th><th scope="col">ROC AUC</th><th scope="col">Average precision</th><th scope="col">Recall at threshold</th><th scope="col">Precision at threshold</th><th scope="col">Threshold</th></tr></thead><tbody>${rows.map((row) =>
    row.status === 'trained'
      ? html`<tr><th scope="row">${KIND_NAMES[row.kind] ?? row.kind}${pick?.version === row.holdout.version ? ' ★' : ''}</th><td>${seconds(row.fitSeconds)}</td><td>${fixed(row.holdout.rocAuc)}</td><td>${fixed(row.holdout.averagePrecision)}</td><td>${fixed(row.holdout.recall)}</td><td>${fixed(row.holdout.precision)}</td><td>${significant(row.holdout.threshold, 3)}</td></tr>`
      : html`<tr><th scope="row">${KIND_NAMES[row.kind] ?? row.kind}</th><td class="fail" colspan="6">failed: ${row.reason}</td></tr>`,
  )}</tbody></table></div></section>`;
}

export interface CurveCharts {
  readonly roc: SafeHtml;
  readonly precisionRecall: SafeHtml;
}

export function curvesSection(data: ReportData, charts: CurveCharts): SafeHtml {
  const both = data.evaluation.champion !== null;
  const models = both ? 'The challenger (blue) and the champion (orange, dashed) on the same holdout. ' : '';
  return html`<section id="curves"><h2>Catching failures versus false alarms</h2>
<p>Every threshold trades missed failures against needless inspections. The curves show all thresholds; the dots show where each model operates at its own threshold.</p>
<div class="charts">${figure(
    charts.roc,
    `${models}ROC curve: the share of machines needing maintenance that are flagged (recall) against the share of healthy machines flagged (false alarm rate). The dashed diagonal is guessing; up and to the left is better.`,
  )}${figure(
    charts.precisionRecall,
    `${models}Precision-recall curve: of the flagged machines, the share that really need maintenance, at each recall. The dashed line marks the target recall of ${fixed(data.evaluation.targetRecall, 2)}.`,
  )}</div></section>`;
}

export function confusionSection(data: ReportData, svg: SafeHtml): SafeHtml {
  const { tp, fp, fn, tn } = data.evaluation.challenger.metrics.confusion;
  return html`<section id="confusion"><h2>Decisions at the threshold</h2>
<p>At its threshold of ${fixed(data.evaluation.challenger.threshold, 4)} the challenger flags ${integer(tp)} of ${integer(tp + fn)} machines that needed maintenance and misses ${integer(fn)}; it also flags ${integer(fp)} of ${integer(fp + tn)} healthy machines (wasted inspections).</p>
${figure(svg, 'Confusion matrix: rows are the true state, columns the model’s decision. Each cell shows the number of holdout machines and their share of the true class.')}</section>`;
}

export function calibrationSection(svg: SafeHtml): SafeHtml {
  return html`<section id="calibration"><h2>Can the probabilities be taken at face value?</h2>
${figure(
    svg,
    'Calibration: holdout machines sorted by predicted probability and grouped into ten bins of equal size; each dot is the share of a bin that really needed maintenance, at the bin’s mean predicted probability, sized by the number of machines in it. Both axes are on a square-root scale so the low probabilities, where most machines and the threshold (dashed vertical line) lie, are spread out. On the dashed diagonal, "30%" means 30 in 100 such machines need maintenance.',
  )}</section>`;
}

export function distributionSection(data: ReportData, scores: SafeHtml, uncertainty: SafeHtml): SafeHtml {
  return html`<section id="distributions"><h2>Scores and uncertainty per true class</h2>
${figure(
    scores,
    `The challenger’s probability of needing maintenance for the holdout machines, one panel per true class (bars are shares of that class), on a log scale so the many low scores are resolved. The dashed line is the decision threshold ${fixed(data.evaluation.challenger.threshold, 4)}: healthy machines right of it are false alarms, machines needing maintenance left of it are misses.`,
  )}${figure(
    uncertainty,
    'The challenger’s uncertainty (standard deviation of the latent Gaussian process) per true class. High values mean the machine looks unlike the training data, so its probability rests on little evidence.',
  )}</section>`;
}

export function optimizerSection(data: ReportData, svg: SafeHtml | null, relevanceSvg: SafeHtml | null = null): SafeHtml {
  const { training } = data;
  const objective = training.objective ?? 'log marginal likelihood';
  const t = training.threshold;
  let trace: SafeHtml;
  if (training.mode === 'refit') {
    trace = html`<p>Refit mode: no optimisation ran. The champion’s kernel hyperparameters were kept and only the posterior was recomputed on the training rows of this run.</p>`;
  } else if (svg === null) {
    trace = html`<p>The optimiser recorded no steps.</p>`;
  } else {
    trace = figure(
      svg,
      objective === 'ELBO'
        ? 'The ELBO (a lower bound of the log marginal likelihood; higher fits the data better) after each accepted optimiser step: first with one length scale for every input, then one per input, then q(u) on all training rows. Panels differ in scale.'
        : 'Log marginal likelihood (higher fits the data better) after each accepted optimiser step, one line per starting point. Panels differ in scale: a subsample has fewer rows to sum over.',
    );
  }
  return html`<section id="training"><h2>Training: kernel and optimiser</h2>
${trace}
<dl class="facts">
<dt>Kernel</dt><dd><code>${training.kernel}</code></dd>
<dt>${objective === 'ELBO' ? 'ELBO' : 'Log marginal likelihood'}</dt><dd>${fixed(training.logMarginalLikelihood, 2)}</dd>
<dt>Fit time</dt><dd>${seconds(training.fitSeconds)}</dd>
</dl>
<h3>Hyperparameters</h3>
<div class="table-wrap"><table><thead><tr><th scope="col">Hyperparameter</th><th scope="col" class="num">Value</th></tr></thead><tbody>${training.hyperparameters.map(
    (h) => html`<tr><th scope="row">${h.name}</th><td class="num">${significant(h.value)}</td></tr>`,
  )}</tbody></table></div>
${
    relevanceSvg === null
      ? html``
      : html`<h3>Which inputs the model uses</h3>${figure(
          relevanceSvg,
          'Relevance of each model input: 1 / its length scale, in standard deviations of the input. A long bar means the probability changes within a fraction of an sd of that input; a bar near zero means the kernel ignores it (its length scale sits at the bound).',
        )}`
  }
<h3>How the threshold was chosen</h3>
<p>The threshold is the highest one that reaches recall ${fixed(t.targetRecall, 2)} on ${
    t.source === 'leave-one-out' ? 'leave-one-out predictions of the training rows' : t.source
  }, so it was chosen without looking at the holdout.</p>
<div class="table-wrap"><table><tbody>
<tr><th scope="row">Threshold</th><td class="num">${fixed(t.value, 4)}</td></tr>
<tr><th scope="row">Target recall</th><td class="num">${fixed(t.targetRecall, 3)}</td></tr>
<tr><th scope="row">Recall on training rows (out of sample)</th><td class="num">${fixed(t.recall, 3)}</td></tr>
<tr><th scope="row">Precision on training rows (out of sample)</th><td class="num">${fixed(t.precision, 3)}</td></tr>
<tr><th scope="row">ROC AUC on training rows (out of sample)</th><td class="num">${fixed(t.rocAuc, 3)}</td></tr>
</tbody></table></div></section>`;
}

function sizeRow(name: string, rows: number, positives: number | null): SafeHtml {
  return html`<tr><th scope="row">${name}</th><td class="num">${integer(rows)}</td><td class="num">${
    positives === null ? '—' : integer(positives)
  }</td><td class="num">${positives === null ? '—' : percent(positives / rows)}</td><td class="num">${
    positives === null ? '—' : percent((rows - positives) / rows)
  }</td></tr>`;
}

/** How many of the train split's rows the model trained on, which model, and why. */
function fittedRows(d: ReportData['data']): SafeHtml {
  if (d.fitted === undefined) return html``;
  const f = d.fitted;
  const model = f.model === 'gpc-sparse' ? 'sparse GP' : 'exact GP';
  return html`<p>The ${model} trained on ${integer(f.rows)} of the ${integer(d.trainRows)} train-split rows, in ${integer(f.rounds)} Train round${f.rounds === 1 ? '' : 's'}: ${f.reason}.</p>`;
}

/** How many holdout rows Evaluate scored of how many, when config.maxHoldoutRows left some out. */
function scoredHoldout(d: ReportData['data']): SafeHtml {
  const available = d.holdoutRowsAvailable ?? d.holdoutRows;
  if (available <= d.holdoutRows) return html``;
  return html`<p>Evaluate scored a stratified ${integer(d.holdoutRows)} of the ${integer(available)} holdout rows (config.maxHoldoutRows bounds its time); the other ${integer(available - d.holdoutRows)} were used by neither split.</p>`;
}

/** Every reading in the window and what became of it: the rows of the training set are what is left. */
function readingsAccounted(d: ReportData['data']): SafeHtml {
  const a = d.accounting;
  if (a === undefined) return html``;
  const row = (what: string, count: number) => html`<tr><td>${what}</td><td class="num">${integer(count)}</td></tr>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">Readings ingested in the window</th><th scope="col" class="num">Rows</th></tr></thead><tbody>
${row('All readings', a.readings)}
${row('left out: no label (uploaded for scoring)', a.unlabelled)}
${row('left out: a derived value out of its range (ingested under an older contract)', a.invalidDerived)}
${row('left out: replaced by a later reading of the same id', a.replaced)}
${row('Training set: the latest labelled reading of each id', d.trainingSetRows)}
</tbody></table></div>`;
}

/** The data's own time span (not the window's), or nothing when the record does not have it. */
function dataSpan(d: ReportData['data']): string {
  if (d.dataRange === undefined) return '';
  if (d.dataRange === null) return ' No readings were in the window.';
  const day = (iso: string) => iso.slice(0, 10);
  const [from, to] = [day(d.dataRange.from), day(d.dataRange.to)];
  return ` The readings span ${from === to ? from : `${from} to ${to}`} by ${d.dataRange.basis}${d.dataRange.basis === 'ingest time' ? ' (the contract has no reading timestamp)' : ''}.`;
}

export function dataSection(data: ReportData): SafeHtml {
  const d = data.data;
  const sum = (pick: (f: (typeof d.files)[number]) => number) => d.files.reduce((s, f) => s + pick(f), 0);
  // The split partitions the training set; only then is its positive count the sum of the two.
  const setPositives = d.trainRows + d.holdoutRows === d.trainingSetRows ? d.trainPositives + d.holdoutPositives : null;
  const files =
    d.files.length === 0
      ? html`<p>No landing files were ingested by this run: it trained on readings already in the lake.</p>`
      : html`<p>${integer(sum((f) => f.rowsRead))} rows read, ${integer(sum((f) => f.rowsValid))} valid, ${integer(sum((f) => f.rowsQuarantined))} quarantined (kept with the reason per row under <code>lake/quarantine/</code>).</p>
<div class="table-wrap"><table><thead><tr><th scope="col">File</th><th scope="col">Status</th><th scope="col" class="num">Rows read</th><th scope="col" class="num">Valid</th><th scope="col" class="num">Quarantined</th></tr></thead><tbody>${d.files.map(
          (f) =>
            html`<tr><td class="key"><code>${f.key}</code></td><td>${f.status === 'ingested' ? 'ingested now' : f.status === 'quarantined' ? 'set aside as a whole file (lake/quarantine/files/)' : 'already ingested by an earlier run'}</td><td class="num">${integer(f.rowsRead)}</td><td class="num">${integer(f.rowsValid)}</td><td class="num">${integer(f.rowsQuarantined)}</td></tr>`,
        )}</tbody></table></div>`;
  return html`<section id="data"><h2>Data</h2>
<h3>Files ingested</h3>
${files}
<h3>Training data</h3>
<p>Readings ingested from ${d.window.from} to ${d.window.to} (the run's window, inclusive), split into training and holdout rows before any scaling.${dataSpan(d)}</p>
${readingsAccounted(d)}
<div class="table-wrap"><table><thead><tr><th scope="col">Set</th><th scope="col" class="num">Rows</th><th scope="col" class="num">Need maintenance</th><th scope="col" class="num">Share needing maintenance</th><th scope="col" class="num">Share healthy</th></tr></thead><tbody>
${sizeRow('Training set (selected)', d.trainingSetRows, setPositives)}
${sizeRow('Train split', d.trainRows, d.trainPositives)}
${sizeRow((d.holdoutRowsAvailable ?? d.holdoutRows) > d.holdoutRows ? 'Holdout split (scored)' : 'Holdout split', d.holdoutRows, d.holdoutPositives)}
</tbody></table></div>
${scoredHoldout(d)}
${fittedRows(d)}
<p>Model inputs (${integer(data.featureNames.length)}): ${data.featureNames.map((name, i) => html`${i > 0 ? ', ' : ''}<code>${name}</code>`)}.</p>
</section>`;
}
