import type { Reason } from '../../ml/local-explanation.ts';
import { reasonText } from '../../ml/reason-text.ts';
import type { BatchReportData, WorkListRow } from './batch-report-data.ts';
import { fixed, integer } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';

/**
 * The batch report's work list: the first flagged machines, highest probability first, each with
 * its file and line and the features that move its probability most, and a link to flagged.csv,
 * which lists them all.
 */

function reasons(list: readonly Reason[] | null): SafeHtml {
  if (list === null) return html`<span class="muted">not explained (past the file’s explained rows)</span>`;
  if (list.length === 0) return html`<span class="muted">no feature moves it on its own</span>`;
  return html`<ul class="reasons">${list.map((reason) => html`<li class="${reason.change >= 0 ? 'up' : 'down'}">${reasonText(reason)}</li>`)}</ul>`;
}

function row(r: WorkListRow, rank: number): SafeHtml {
  return html`<tr><td class="num">${integer(rank)}</td><td><code>${String(r.id)}</code></td><td class="key"><code>${r.sourceKey}</code>:${integer(r.sourceLine)}</td><td class="num">${fixed(r.probability, 3)}</td><td>${r.review === null ? '—' : r.review ? 'yes' : 'no'}</td><td>${reasons(r.reasons)}</td></tr>`;
}

export function workListSection(data: BatchReportData): SafeHtml {
  const list = data.workList;
  const link = html`<a href="${list.href}">flagged.csv</a> (<code>${list.key}</code>)`;
  if (list.rows === 0) {
    return html`<section id="work-list"><h2>Work list</h2><p>No machine was flagged in this batch: no probability reached the threshold ${fixed(data.threshold, 4)}. The work list ${link} has its header only.</p></section>`;
  }
  const shown = list.top.length;
  const unexplained = list.rows - list.explained;
  return html`<section id="work-list"><h2>Work list</h2>
<p>${integer(list.rows)} machine${list.rows === 1 ? '' : 's'} flagged (probability ≥ ${fixed(data.threshold, 4)}), highest probability first${shown < list.rows ? html`; the first ${integer(shown)} are shown` : ''}. All of them, with the same columns, are in ${link}.</p>
<div class="table-wrap"><table><thead><tr><th scope="col" class="num">#</th><th scope="col">Id</th><th scope="col">File:line</th><th scope="col" class="num">Probability</th><th scope="col">Review</th><th scope="col">Top reasons</th></tr></thead><tbody>${list.top.map((r, i) => row(r, i + 1))}</tbody></table></div>
<p class="note">A reason names a feature, its value in the reading, its reference (the training mean, or the most common training level) and how much the probability changes when the feature alone is set to its reference: + means the value raises the risk. It is a local, one-feature-at-a-time sensitivity: look at these sensors first, not a proof of the cause.${unexplained > 0 ? html` ${integer(unexplained)} flagged rows have no reasons: each file explains its ${integer(list.explained)} most likely rows at most, within ScoreFile’s time budget.` : ''}</p>
</section>`;
}
