import { cheapestThreshold, costAt, DEFAULT_ERROR_COSTS, precisionAtK } from '../../ml/expected-cost.ts';
import { fixed, integer, percent } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { HoldoutEvaluation, ReportData } from './report-data.ts';

/** Inspection budgets the precision-at-k table shows, as far as the holdout has rows. */
const BUDGETS = [10, 25, 50, 100, 250] as const;

/**
 * The planner's view of the holdout: what the errors at each model's threshold would have cost
 * (config.costs, or a miss at 10 inspections), the cheapest threshold on this holdout for
 * comparison, and precision at k — of the k machines a crew can inspect, how many need it.
 */
export function errorCostSection(data: ReportData): SafeHtml {
  const { evaluation } = data;
  const costs = data.costs ?? DEFAULT_ERROR_COSTS;
  const models: [string, HoldoutEvaluation][] = [['Challenger', evaluation.challenger], ...(evaluation.champion ? [['Champion', evaluation.champion] as [string, HoldoutEvaluation]] : [])];
  const rows = evaluation.labels.length;
  const shown = (threshold: number) => (Number.isFinite(threshold) ? fixed(threshold, 4) : 'flag none');
  const costRows = models.map(([name, model]) => {
    const at = costAt(evaluation.labels, model.probability, model.threshold, costs);
    const best = cheapestThreshold(evaluation.labels, model.probability, costs);
    return html`<tr><th scope="row">${name}</th><td class="num">${fixed(model.threshold, 4)}</td><td class="num">${integer(at.missed)}</td><td class="num">${integer(at.needlessInspections)}</td><td class="num">${fixed(at.cost, 0)}</td><td class="num">${shown(best.threshold)}</td><td class="num">${fixed(best.cost, 0)}</td></tr>`;
  });
  const budgets = BUDGETS.filter((k) => k <= rows);
  const atK = models.map(
    ([name, model]) => html`<tr><th scope="row">${name}</th>${budgets.map((k) => html`<td class="num">${percent(precisionAtK(evaluation.labels, model.probability, k))}</td>`)}</tr>`,
  );
  return html`<section id="costs"><h2>What the errors would cost, and what an inspection budget finds</h2>
<p>On this holdout of ${integer(rows)} machines, with a missed failure costing ${fixed(costs.missedFailure, 2)} and a needless inspection ${fixed(costs.inspection, 2)} (${data.costs ? 'config.costs' : 'the default ratio; set config.costs to your own'}). The threshold follows the target recall; the cheapest threshold on this holdout is shown for comparison, not used (chosen on the holdout, it would flatter).</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Model</th><th scope="col" class="num">Threshold</th><th scope="col" class="num">Missed failures</th><th scope="col" class="num">Needless inspections</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Cheapest threshold here</th><th scope="col" class="num">Its cost</th></tr></thead><tbody>${costRows}</tbody></table></div>
${
  budgets.length === 0
    ? html``
    : html`<p>Precision at k: if a crew can inspect only the k machines the model ranks highest, the share of them that need maintenance.</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Model</th>${budgets.map((k) => html`<th scope="col" class="num">k = ${integer(k)}</th>`)}</tr></thead><tbody>${atK}</tbody></table></div>`
}</section>`;
}
