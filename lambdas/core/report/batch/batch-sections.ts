import type { CategoryDrift, DriftReport, FeatureDrift, FeatureReference } from '../../drift/types.ts';
import type { BatchDrift, BatchReportData } from './batch-report-data.ts';
import { fixed, integer, percent, significant, timestamp } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';

/**
 * The batch report's sections, in reading order. Every value from the data goes through `html`,
 * which escapes it; the SVGs arrive as SafeHtml from the renderer.
 */

/** A chart with its caption; drifted features get a class the stylesheet highlights. */
function figure(svg: SafeHtml, caption: SafeHtml, drifted = false): SafeHtml {
  return html`<figure${drifted ? html` class="drifted"` : ''}><div aria-hidden="true">${svg}</div><figcaption>${caption}</figcaption></figure>`;
}

function list(items: readonly string[]): SafeHtml {
  return html`${items.map((item, i) => html`${i === 0 ? '' : i === items.length - 1 ? ' and ' : ', '}<code>${item}</code>`)}`;
}

function status(data: BatchReportData): SafeHtml {
  const { drift } = data;
  if (drift === null) {
    return html`<div class="decision unknown" role="status"><strong>DRIFT NOT CHECKED</strong><p>${data.driftNote ?? 'No drift statistics were computed for this batch.'}</p></div>`;
  }
  const { report } = drift;
  if (!report.enoughRows) {
    return html`<div class="decision unknown" role="status"><strong>TOO FEW ROWS FOR DRIFT</strong><p>${integer(report.rows)} rows were scored; drift is judged from ${integer(report.thresholds.minRows)} rows on, as a smaller batch differs from the training data by chance alone. The statistics are below for reference.</p></div>`;
  }
  if (!report.drifted) {
    return html`<div class="decision stable" role="status"><strong>NO DRIFT</strong> The batch looks like the training data.<p>No feature and not the model’s uncertainty moved beyond what a batch of this size shows by chance.</p></div>`;
  }
  const drifted = [...report.features, ...report.categories].filter((f) => f.drifted).map((f) => f.name);
  const features = drifted.length === 0 ? null : html`${drifted.length === 1 ? 'Feature' : 'Features'} ${list(drifted)} drifted. `;
  const uncertainty = report.latentVariance?.drifted
    ? html`The model’s uncertainty changed by ${percent(report.latentVariance.relativeShift, 0)} (mean latent variance). `
    : null;
  return html`<div class="decision drifted" role="status"><strong>DRIFT DETECTED</strong> The batch differs from the data the model was trained on.<p>${features}${uncertainty}Its predictions rest on less evidence: check the sensors, and consider retraining on recent data.</p></div>`;
}

export function batchHeaderSection(data: BatchReportData): SafeHtml {
  const byStatus = (s: BatchReportData['files'][number]['status']) => data.files.filter((f) => f.status === s).length;
  return html`<header class="top">
<p class="kicker">Prognos · predictive maintenance · batch report</p>
<h1>Batch <code>${data.batchName}</code></h1>
${status(data)}
<dl class="facts">
<dt>Model version</dt><dd><code>${data.modelVersion}</code></dd>
<dt>Scored</dt><dd>${timestamp(data.createdAt)}</dd>
<dt>Decision threshold</dt><dd>${fixed(data.threshold, 4)} on P(needs maintenance)</dd>
<dt>Files</dt><dd>${integer(byStatus('scored'))} scored, ${integer(byStatus('already-scored'))} already scored by an earlier batch, ${integer(byStatus('unusable'))} unusable</dd>
</dl>
</header>`;
}

function countRow(name: string, count: number, share: number | null, of: string): SafeHtml {
  return html`<tr><th scope="row">${name}</th><td class="num">${integer(count)}</td><td class="num">${share === null ? '' : percent(share)}</td><td>${of}</td></tr>`;
}

/** What "sent to review" means for this batch's model. */
function reviewNote(level: number | null | undefined): string {
  if (level === null) return 'The model gives a probability but no uncertainty about it, so no row is sent to review.';
  const above = level === undefined ? 'the model’s review level' : percent(level, 0);
  return `It is sent to review when the chance, under the model’s uncertainty about the reading, that it lies on the other side of the threshold from that label is above ${above}: the model cannot tell well on which side the machine is, and a person should look.`;
}

export function outcomesSection(data: BatchReportData): SafeHtml {
  const c = data.counts;
  return html`<section id="outcomes"><h2>What the model said</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Rows</th><th scope="col" class="num">Count</th><th scope="col" class="num">Share</th><th scope="col">of</th></tr></thead><tbody>
${countRow('Labelled “needs maintenance”', c.rowsFlagged, c.rowsFlagged / c.rowsScored, 'scored rows')}
${data.reviewLevel === null ? html`<tr><th scope="row">Sent to review</th><td colspan="3">does not apply: the model gives no uncertainty</td></tr>` : countRow('Sent to review', c.rowsReview, c.rowsReview / c.rowsScored, 'scored rows')}
${countRow('Scored', c.rowsScored, c.rowsScored / c.rowsRead, 'rows read')}
${countRow('Quarantined', c.rowsQuarantined, c.rowsQuarantined / c.rowsRead, 'rows read')}
${countRow('Read', c.rowsRead, null, '')}
</tbody></table></div>
<p class="note">A row is labelled “needs maintenance” when its probability reaches the threshold ${fixed(data.threshold, 4)}. ${reviewNote(data.reviewLevel)} Quarantined rows are kept with the reason per row under <code>lake/quarantine/</code>.</p>
</section>`;
}

export function scoresSection(data: BatchReportData, svg: SafeHtml | null): SafeHtml {
  const body =
    svg === null
      ? html`<p>No rows were scored, so there are no probabilities to show.</p>`
      : figure(
          svg,
          html`The probability of needing maintenance over the ${integer(data.counts.rowsScored)} scored rows (bars are shares of them). Rows right of the dashed threshold ${fixed(data.threshold, 4)} are labelled “needs maintenance”.`,
        );
  return html`<section id="scores"><h2>Scores</h2>${body}</section>`;
}

function median(feature: FeatureReference): number {
  const k = feature.probabilities.findIndex((p) => Math.abs(p - 0.5) < 1e-9);
  return k < 0 ? Number.NaN : feature.quantiles[k];
}

function driftRow(f: FeatureDrift, reference: FeatureReference | undefined, report: BatchDrift['report']): SafeHtml {
  const thresholds = report.thresholds;
  // Red where the statistic fires: over its floor and significant at alpha / k.
  const ksOver = f.ks > thresholds.ks && f.ks > f.ksCritical;
  const meanOver = Math.abs(f.meanShift) > thresholds.meanShift && f.meanPValue < thresholds.alpha / Math.max(report.tests, 1);
  return html`<tr${f.drifted ? html` class="drifted"` : ''}><th scope="row"><code>${f.name}</code></th><td class="num${ksOver ? ' fail' : ''}">${fixed(f.ks, 3)}</td><td class="num">${fixed(Math.max(thresholds.ks, f.ksCritical), 3)}</td><td class="num${meanOver ? ' fail' : ''}">${f.meanShift >= 0 ? '+' : '−'}${fixed(Math.abs(f.meanShift), 2)}</td><td class="num">${fixed(f.psi, 3)}</td><td class="${f.drifted ? 'fail' : 'pass'}">${f.drifted ? '✗ drifted' : '✓ stable'}</td><td class="num">${reference === undefined ? '—' : significant(median(reference))}</td><td class="num">${reference === undefined ? '—' : `${significant(reference.min)} – ${significant(reference.max)}`}</td></tr>`;
}

function categoryRows(c: CategoryDrift): SafeHtml {
  return html`${c.levels.map(
    (l, k) =>
      html`<tr${c.drifted ? html` class="drifted"` : ''}>${k === 0 ? html`<th scope="rowgroup" rowspan="${c.levels.length}"><code>${c.name}</code></th>` : ''}<td>${l.level}</td><td class="num">${percent(l.reference)}</td><td class="num">${percent(l.batch)}</td>${k === 0 ? html`<td class="num" rowspan="${c.levels.length}">${fixed(c.psi, 3)}</td><td class="num" rowspan="${c.levels.length}">${pValue(c.pValue)}</td><td class="${c.drifted ? 'fail' : 'pass'}" rowspan="${c.levels.length}">${c.drifted ? '✗ drifted' : '✓ stable'}</td>` : ''}</tr>`,
  )}`;
}

function pValue(p: number): string {
  return p < 1e-4 ? '< 0.0001' : fixed(p, 4);
}

export interface DriftCharts {
  /** One per numeric feature of the drift report, in its order. */
  readonly features: readonly SafeHtml[];
  /** One per categorical feature of the drift report, in its order. */
  readonly categories: readonly SafeHtml[];
}

export function driftSection(data: BatchReportData, charts: DriftCharts): SafeHtml {
  const { drift } = data;
  if (drift === null) {
    return html`<section id="drift"><h2>Drift</h2><p>${data.driftNote ?? 'No drift statistics were computed for this batch.'}</p></section>`;
  }
  const { report, reference } = drift;
  const t = report.thresholds;
  const references = new Map(reference.features.map((f) => [f.name, f]));
  return html`<section id="drift"><h2>Drift against the training data</h2>
<p>Each model input of the ${integer(report.rows)} scored rows compared with the ${integer(reference.rows)} training rows of model <code>${data.modelVersion}</code>. A numeric feature has drifted when its KS statistic exceeds both ${fixed(t.ks, 2)} and the value a batch of this size reaches by chance (the critical value at α = ${fixed(t.alpha, 2)} shared by the batch’s ${integer(report.tests)} tests), or when its mean moved more than ${fixed(t.meanShift, 2)} training standard deviations and a z test says it is no chance. A categorical feature has drifted when the PSI over its levels exceeds ${fixed(t.psi, 2)} and a χ² test of the level counts says it is no chance. Under ${integer(t.minRows)} rows nothing counts as drifted.</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Feature</th><th scope="col" class="num">KS</th><th scope="col" class="num">KS limit</th><th scope="col" class="num">Mean shift (sd)</th><th scope="col" class="num">PSI</th><th scope="col">Status</th><th scope="col" class="num">Training median</th><th scope="col" class="num">Training range</th></tr></thead><tbody>${report.features.map(
    (f) => driftRow(f, references.get(f.name), report),
  )}</tbody></table></div>
<p class="note">KS is the largest gap between the training and the batch cumulative distributions, read at the training data’s 99 percentiles (within 0.01 of the exact two-sample statistic); its limit is the larger of the floor and the critical value for this batch size. The mean shift is the batch mean minus the training mean, in training standard deviations. PSI (population stability index over the training deciles) is shown for reading the charts but does not decide for a numeric feature: readings that follow each other closely (air temperature drifts like the weather) leave some deciles nearly empty in a batch and swing it far beyond chance.</p>
${
  report.categories.length === 0
    ? ''
    : html`<h3>Categorical features</h3>
<div class="table-wrap"><table><thead><tr><th scope="col">Feature</th><th scope="col">Level</th><th scope="col" class="num">Training share</th><th scope="col" class="num">Batch share</th><th scope="col" class="num">PSI</th><th scope="col" class="num">χ² p-value</th><th scope="col">Status</th></tr></thead><tbody>${report.categories.map(categoryRows)}</tbody></table></div>`
}
${uncertaintySection(report)}
<h3>Per feature: training versus batch</h3>
<div class="charts">${report.features.map((f, j) =>
    figure(
      charts.features[j],
      html`<strong><code>${f.name}</code> ${f.drifted ? '— drifted' : ''}</strong> PSI ${fixed(f.psi, 3)}, KS ${fixed(f.ks, 3)}. Share of training rows (grey) and batch rows per bin of the training deciles; the first and last bins are open-ended.`,
      f.drifted,
    ),
  )}${report.categories.map((c, j) =>
    figure(
      charts.categories[j],
      html`<strong><code>${c.name}</code> ${c.drifted ? '— drifted' : ''}</strong> PSI ${fixed(c.psi, 3)} over its levels. Share of training rows (grey) and batch rows per level.`,
      c.drifted,
    ),
  )}</div>
</section>`;
}

function fileStatus(file: BatchReportData['files'][number]): SafeHtml {
  if (file.status === 'scored') return html`scored`;
  if (file.status === 'already-scored') return html`already scored by an earlier batch (not counted again)`;
  return html`<span class="fail">unusable</span>${file.reason === null ? '' : html`: ${file.reason}`}`;
}

export function filesSection(data: BatchReportData): SafeHtml {
  const body =
    data.files.length === 0
      ? html`<p>No files were waiting under <code>landing/inference/</code>.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">File</th><th scope="col">Status</th><th scope="col" class="num">Rows read</th><th scope="col" class="num">Scored</th><th scope="col" class="num">Quarantined</th></tr></thead><tbody>${data.files.map(
          (f) =>
            html`<tr><td class="key"><code>${f.key}</code></td><td>${fileStatus(f)}</td><td class="num">${integer(f.rowsRead)}</td><td class="num">${integer(f.rowsScored)}</td><td class="num">${integer(f.rowsQuarantined)}</td></tr>`,
        )}</tbody></table></div>`;
  return html`<section id="files"><h2>Files</h2>${body}</section>`;
}

/** The model's uncertainty on the batch against its training rows; a model without uncertainty says so. */
function uncertaintySection(report: DriftReport): SafeHtml {
  const lv = report.latentVariance;
  if (lv === null) {
    return html`<h3>Model uncertainty</h3><p>This model gives no uncertainty (only the Gaussian process does), so drift is judged on the features alone.</p>`;
  }
  return html`<h3>Model uncertainty</h3>
<div class="table-wrap"><table><thead><tr><th scope="col">Mean latent variance</th><th scope="col" class="num">Training rows (out of sample)</th><th scope="col" class="num">This batch</th><th scope="col" class="num">Relative shift</th><th scope="col">Status</th></tr></thead><tbody>
<tr${lv.drifted ? html` class="drifted"` : ''}><th scope="row">Gaussian process</th><td class="num">${significant(lv.referenceMean)}</td><td class="num">${significant(lv.batchMean)}</td><td class="num${lv.drifted ? ' fail' : ''}">${percent(lv.relativeShift, 0)}</td><td class="${lv.drifted ? 'fail' : 'pass'}">${lv.drifted ? '✗ drifted' : '✓ stable'}</td></tr>
</tbody></table></div>
<p class="note">The Gaussian process is more uncertain about rows unlike its training data, whatever their true label, so a change of its mean latent variance signals drift without waiting for labels. The threshold is a relative shift of ${percent(report.thresholds.varianceShift, 0)}.</p>`;
}
