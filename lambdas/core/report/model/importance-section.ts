import type { ModelImportance } from '../../registry/model-importance.ts';
import { fixed, integer } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { chartSvg } from '../page.ts';
import type { ReportData } from './report-data.ts';
import { importanceChart } from './importance-chart.ts';
import { figure, KIND_NAMES } from './sections.ts';

/**
 * "Which inputs each model relies on": the permutation importance of every model the run trained
 * (Evaluate, steps/holdout-importance.ts), one chart per model, and beside the GP's the kernel's
 * own relevances (1/length scale), which say what the GP's kernel can use, where the shuffles say
 * what each model loses without an input.
 */

const KIND_COLORS: Readonly<Record<string, string>> = {
  'gpc-exact': '#1d4ed8',
  'gpc-sparse': '#1d4ed8',
  'logistic-regression': '#7c3aed',
  'gradient-boosting': '#0f766e',
};

const RELEVANCE_CAPTION =
  'The Gaussian process’s own view: relevance 1 / length scale of each model input, in standard deviations of the input. A long bar means the probability changes within a fraction of an sd of that input; a bar near zero means the kernel ignores it (its length scale sits at the bound).';

/** Whether the report has this section: a record with importance or with the GP's relevances. */
export function hasImportanceSection(data: ReportData): boolean {
  return (data.evaluation.importance?.length ?? 0) > 0 || data.training.relevances !== undefined;
}

/** On what a model's importance was computed, in words; `holdoutAp` is the model's average precision on the whole holdout, when known. */
function basis(m: Extract<ModelImportance, { status: 'computed' }>, holdoutAp: number | undefined): string {
  const { rows, positives, repeats, classWeights, baseline } = m.importance;
  const name = KIND_NAMES[m.kind] ?? m.kind;
  if (rows >= m.holdoutRows) {
    return `${name}: ${integer(repeats)} shuffles per input on all ${integer(rows)} holdout rows (${integer(positives)} failures); average precision unshuffled ${fixed(baseline)}.`;
  }
  const failures = Math.round(positives * classWeights.positive);
  const kept = classWeights.positive === 1 ? `all ${integer(failures)} failures` : `${integer(positives)} of the ${integer(failures)} failures`;
  const whole = holdoutAp === undefined ? '' : ` (${fixed(holdoutAp)} on the whole holdout)`;
  return `${name}: ${integer(repeats)} shuffles per input on a sample of ${integer(rows)} of the ${integer(m.holdoutRows)} holdout rows, as this model is too slow to shuffle them all within Evaluate’s time. The sample keeps ${kept} and counts each healthy row ${fixed(classWeights.negative, 1)} times, so its average precision estimates the whole holdout’s: ${fixed(baseline)} unshuffled${whole}.`;
}

/**
 * The section, its charts rendered here; empty for a record with neither importance nor
 * relevances (runs from before both).
 * @param relevance the GP's relevance chart, already rendered (report-charts.ts), or null
 */
export async function importanceSection(data: ReportData, relevance: SafeHtml | null): Promise<SafeHtml> {
  if (!hasImportanceSection(data)) return html``;
  const models = data.evaluation.importance ?? [];
  const blocks: SafeHtml[] = [];
  let relevanceShown = false;
  for (const [i, m] of models.entries()) {
    const name = KIND_NAMES[m.kind] ?? m.kind;
    if (m.status === 'skipped') {
      blocks.push(html`<h3>${name}</h3><p class="note">Not computed: ${m.reason}.</p>`);
      continue;
    }
    const svg = await chartSvg(importanceChart(m.importance.features, KIND_COLORS[m.kind] ?? '#4c78a8'), `importance-${i}`);
    const headline = data.evaluation.candidates?.find((c) => c.status === 'trained' && c.holdout.version === m.version);
    const holdoutAp = headline?.status === 'trained' ? headline.holdout.averagePrecision : m.version === data.evaluation.challenger.version ? data.evaluation.challenger.metrics.averagePrecision : undefined;
    const own = figure(svg, basis(m, holdoutAp));
    // The GP's relevances sit beside its importance: two views of the same model.
    const beside = m.kind.startsWith('gpc-') && relevance !== null && !relevanceShown ? figure(relevance, RELEVANCE_CAPTION) : null;
    if (beside !== null) relevanceShown = true;
    blocks.push(html`<h3>${name} <code>${m.version}</code></h3><div class="charts">${own}${beside ?? html``}</div>`);
  }
  const lead =
    models.length === 0
      ? html`<p>Permutation importance was not computed in this run (runs from before it). The Gaussian process’s kernel says which inputs it can use:</p>`
      : html`<p>Each input is shuffled across the holdout rows, which keeps its values but breaks their link with the outcome, and the model scores the rows again. The bar is how much its average precision drops (the mean over the shuffles; the black line spans the smallest to the largest drop). A bar near zero means the model does not use the input. Inputs that carry the same information, such as a sensor and a feature derived from it, share it: shuffling one leaves the other, so each may look less important than the two are together.</p>`;
  const relevanceAlone = !relevanceShown && relevance !== null ? figure(relevance, RELEVANCE_CAPTION) : html``;
  return html`<section id="importance"><h2>Which inputs each model relies on</h2>
${lead}
${blocks}${relevanceAlone}</section>`;
}
