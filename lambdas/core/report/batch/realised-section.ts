import type { RealisedMetrics } from '../../ml/realised-metrics.ts';
import type { BatchReportData } from './batch-report-data.ts';
import { fixed, integer } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';

/** The batch report's realised outcomes: how the model did on the rows whose true label came with them. */

function interval(p: RealisedMetrics['recall']): SafeHtml {
  return p === null ? html`<td class="num">—</td><td class="num">—</td>` : html`<td class="num">${fixed(p.value, 3)}</td><td class="num">${fixed(p.low, 3)} – ${fixed(p.high, 3)}</td>`;
}

export function realisedSection(data: BatchReportData): SafeHtml {
  const r = data.realised;
  if (r === null) {
    return html`<section id="realised"><h2>Realised outcomes</h2><p>No scored row carried its label (the contract’s label column, empty or absent), so there is nothing to check the predictions against. A batch whose files carry it gets realised recall and precision here.</p></section>`;
  }
  const caught = r.recall === null ? 0 : Math.round(r.recall.value * r.positives);
  return html`<section id="realised"><h2>Realised outcomes</h2>
<p>${integer(r.labelledRows)} of the ${integer(data.counts.rowsScored)} scored rows carried their true label; ${integer(r.positives)} of them failed, and the model flagged ${integer(r.flagged)}.</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Value</th><th scope="col" class="num">95 % interval</th><th scope="col">Meaning</th></tr></thead><tbody>
<tr><th scope="row">Recall</th>${interval(r.recall)}<td>${r.recall === null ? 'no failure among the labelled rows' : `${integer(caught)} of ${integer(r.positives)} failures were flagged`}</td></tr>
<tr><th scope="row">Precision</th>${interval(r.precision)}<td>${r.precision === null ? 'no labelled row was flagged' : `${integer(caught)} of ${integer(r.flagged)} flagged rows failed`}</td></tr>
<tr><th scope="row">Average precision</th><td class="num">${r.averagePrecision === null ? '—' : fixed(r.averagePrecision, 3)}</td><td class="num"></td><td>precision averaged over every threshold (ranking quality); a model guessing scores ${fixed(r.positives / r.labelledRows, 3)}, the failure share</td></tr>
</tbody></table></div>
<p class="note">At the model’s threshold ${fixed(data.threshold, 4)}. The intervals are Wilson score intervals: with few failures one more or one fewer caught moves recall a lot, and the interval says how much.</p>
</section>`;
}
