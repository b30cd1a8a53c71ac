import { costLines, costTotalText } from '../cost/cost-lines.ts';
import type { CostEstimate } from '../cost/cost-model.ts';
import { html, type SafeHtml } from './html.ts';

/**
 * The "What this run cost" section of the model and batch reports. A report is written by a step
 * inside the run, before the run's cost is known, so the section is added to the finished report
 * when the run ends (see cli/run-cost-outputs.ts), between two markers that let a redrive replace it.
 */

const START = '<!-- prognos:cost -->';
const END = '<!-- /prognos:cost -->';

export function costSection(cost: CostEstimate): SafeHtml {
  return html`<section id="cost"><h2>What this run cost</h2>
<p>${costTotalText(cost)}. Lambda time is the run's measured step durations at each function's configured memory${cost.athena.estimated ? '; the Athena bytes are the Parquet bytes under the table, an upper bound of what Athena scans' : ''}.</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Service</th><th scope="col">Use</th><th scope="col" class="num">Cost (${cost.currency})</th></tr></thead><tbody>${costLines(cost).map(
    (line) => html`<tr><td>${line.service}</td><td>${line.usage}</td><td class="num">${line.usd}</td></tr>`,
  )}</tbody></table></div>
</section>`;
}

/**
 * The report with its cost section: in place of an earlier one, or else last in `<main>`, before
 * its footer.
 * @throws RangeError for a page with no `</main>` (not one of the reports)
 */
export function withCostSection(page: string, cost: CostEstimate): string {
  const section = `${START}\n${costSection(cost).toString()}\n${END}`;
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start !== -1 && end > start) return page.slice(0, start) + section + page.slice(end + END.length);
  const main = page.lastIndexOf('</main>');
  if (main === -1) throw new RangeError('the report has no </main>: cannot add the cost section');
  const footer = page.lastIndexOf('<footer', main);
  const at = footer === -1 ? main : footer;
  return `${page.slice(0, at)}${section}\n${page.slice(at)}`;
}
