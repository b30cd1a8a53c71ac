import { describe, expect, it } from 'vitest';
import { evaluate, wilsonInterval } from '../../../lambdas/core/ml/metrics.ts';
import { fixed } from '../../../lambdas/core/report/format.ts';
import { renderReport } from '../../../lambdas/core/report/model/render-report.ts';
import type { HoldoutEvaluation, ReportData } from '../../../lambdas/core/report/model/report-data.ts';
import { makeReportData, makeReportDataWithCandidates } from './report-fixture.ts';

const SCRIPT = '<script>alert(1)</script>';

function svgsOf(page: string): string[] {
  return page.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
}

/** The page without its SVGs: the part built from the report data by our own templates. */
function textOf(page: string): string {
  return page.replace(/<svg[\s\S]*?<\/svg>/g, '');
}

function section(page: string, id: string): string {
  const start = page.indexOf(`<section id="${id}">`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf('</section>', start));
}

function expectSelfContained(page: string): void {
  // Booleans, so that a failure names the rule instead of printing the whole page.
  expect(page.startsWith('<!doctype html>'), 'starts with a doctype').toBe(true);
  expect(/<script/i.test(page), 'no script element').toBe(false);
  expect(/<(link|iframe|object|embed|img)\b/i.test(page), 'no element that loads a resource').toBe(false);
  expect(/<[a-z][^>]*\s(src|srcset)=/i.test(page), 'no src attribute').toBe(false);
  expect(/@import|url\((?!#)/i.test(page), 'no stylesheet import or url() other than a fragment').toBe(false);
  // The only absolute URLs allowed are SVG namespace declarations, which are never fetched.
  for (const m of page.matchAll(/https?:\/\//g)) {
    expect(page.slice(Math.max(0, m.index - 16), m.index), 'URL outside an xmlns attribute').toMatch(/xmlns(:xlink)?="$/);
  }
  // Several SVGs in one page: a repeated id would make one chart clip with another's shape.
  const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i), 'repeated ids').toEqual([]);
}

/** Every metric of the table, recomputed from the labels and probabilities, appears in the model's column. */
function expectMetricNumbers(table: string, labels: readonly number[], model: HoldoutEvaluation): void {
  const m = evaluate(labels, model.probability, model.threshold);
  for (const [value, digits] of [
    [m.recall, 3],
    [m.precision, 3],
    [m.f2, 3],
    [m.rocAuc, 3],
    [m.averagePrecision, 3],
    [m.brier, 4],
    [m.logLoss, 3],
    [m.accuracy, 3],
    [m.balancedAccuracy, 3],
    [model.threshold, 4],
    [model.thresholdForTargetRecall.threshold, 4],
    [model.thresholdForTargetRecall.precision, 3],
  ] as const) {
    expect(table).toMatch(new RegExp(`<td class="num">${fixed(value, digits).replace('.', '\\.')}(</td>|<br>)`));
  }
  // Recall and precision carry their 95 % Wilson interval, from the confusion counts recomputed here.
  const { tp, fp, fn } = m.confusion;
  for (const [successes, trials] of [[tp, tp + fn], [tp, tp + fp]] as const) {
    const { low, high } = wilsonInterval(successes, trials);
    expect(table).toContain(`<span class="muted">${fixed(low, 2)}–${fixed(high, 2)}</span>`);
  }
}

describe('renderReport', () => {
  it('renders a self-contained report with challenger and champion', async () => {
    const data = makeReportData({ champion: true });
    const page = await renderReport(data);
    expectSelfContained(page);

    // ROC, precision-recall, confusion, calibration, scores, uncertainty, optimiser, input relevance.
    const svgs = svgsOf(page);
    expect(svgs).toHaveLength(8);
    expect(page).toContain('Which inputs each model relies on');
    for (const svg of svgs) expect(svg).toMatch(/class="mark-(line|rect|symbol) role-mark[^"]*"[^>]*><path [^>]*d="M/);

    const metrics = section(page, 'metrics');
    expectMetricNumbers(metrics, data.evaluation.labels, data.evaluation.challenger);
    expectMetricNumbers(metrics, data.evaluation.labels, data.evaluation.champion!);
    expect(metrics).toContain('Champion');
    expect(metrics).toContain('Difference');
    // Recall of "needs maintenance" leads the table.
    expect(metrics.indexOf('Recall (needs maintenance)')).toBeLessThan(metrics.indexOf('Precision'));
    expect(metrics).toContain('Threshold for the target recall of 90% on this holdout');

    // Both models are drawn on the curves.
    expect(svgsOf(section(page, 'curves')).join('')).toContain('>champion</text>');
  });

  it('shows the sections in reading order, with the gate decision up front', async () => {
    const data = makeReportData({ champion: true });
    const page = await renderReport(data);
    const order = ['<header', 'id="metrics"', 'id="gate"', 'id="curves"', 'id="confusion"', 'id="calibration"', 'id="distributions"', 'id="training"', 'id="data"'];
    const positions = order.map((marker) => page.indexOf(marker));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    const header = page.slice(page.indexOf('<header'), page.indexOf('</header>'));
    expect(header).toContain('PROMOTED');
    expect(header).toContain(data.decision.summary);
    for (const fact of [data.version, data.runName, data.contractName, '2026-11-26 20:26:18 UTC']) expect(header).toContain(fact);

    const gate = section(page, 'gate');
    for (const check of data.decision.checks) {
      expect(gate).toContain(check.name);
      expect(gate).toContain(check.detail);
    }
  });

  it('shows a table of every model trained in the run, after the gate, with the pick and why; none for a run without challengers', async () => {
    const base = makeReportData({ champion: true });
    const data = makeReportDataWithCandidates();
    const page = await renderReport(data);
    expectSelfContained(page);
    expect(page.indexOf('id="gate"')).toBeLessThan(page.indexOf('id="models"'));
    expect(page.indexOf('id="models"')).toBeLessThan(page.indexOf('id="curves"'));
    const models = section(page, 'models');
    expect(models).toContain('Picked: gradient-boosted trees');
    expect(models).toContain('gradient-boosting has the highest average precision (0.889)');
    expect(models).toContain('gradient-boosted trees ★');
    for (const value of ['0.712', '0.889', '0.961', '0.983', '0.490']) expect(models).toContain(`<td>${value}</td>`);
    expect(models).toContain('failed: InvalidDataError: one class');
    expect(page).toContain('href="#models"');
    expect(page.slice(page.indexOf('<header class="top">'), page.indexOf('</header>'))).toContain('gradient-boosted trees, picked among the run’s models');

    const plain = await renderReport(base);
    expect(plain).not.toContain('id="models"');
    expect(plain).not.toContain('href="#models"');
  });

  it('says rejected, and which check failed, when the gate rejects', async () => {
    const base = makeReportData({ champion: true });
    const data: ReportData = {
      ...base,
      decision: {
        ...base.decision,
        promote: false,
        checks: [{ name: 'recall at target', passed: false, detail: 'holdout recall 0.850 < target 0.900' }],
        summary: 'Rejected: the challenger misses the target recall.',
      },
    };
    const page = await renderReport(data);
    expect(page).toContain('<div class="decision rejected"');
    expect(page).toContain('REJECTED');
    expect(section(page, 'gate')).toContain('<td class="fail">✗ failed</td><td>holdout recall 0.850 &lt; target 0.900</td>');
  });

  it('leaves the champion column out when there is no champion', async () => {
    const data = makeReportData({ champion: false });
    const page = await renderReport(data);
    expectSelfContained(page);
    const metrics = section(page, 'metrics');
    expect(metrics).not.toContain('Champion');
    expect(metrics).not.toContain('Difference');
    expect(metrics).toContain('no champion yet');
    // With one model there is no "both".
    expect(metrics).toContain('<p>The model is scored on a holdout of ');
    expect(metrics).not.toContain('Both models');
    expectMetricNumbers(metrics, data.evaluation.labels, data.evaluation.challenger);
    expect(svgsOf(page)).toHaveLength(8);
    expect(page).not.toContain('>champion</text>');
  });

  it('says that no optimisation ran in refit mode, and draws no optimiser chart', async () => {
    const data = makeReportData({ champion: true, mode: 'refit' });
    const page = await renderReport(data);
    expectSelfContained(page);
    expect(svgsOf(page)).toHaveLength(7);
    const training = section(page, 'training');
    expect(training).toContain('no optimisation ran');
    expect(svgsOf(training)).toHaveLength(0);
    // The refit keeps the champion's kernel, whose inputs the importance section still shows.
    expect(svgsOf(section(page, 'importance'))).toHaveLength(1);
    expect(training).toContain(data.training.kernel);
    expect(training).toContain('<td class="num">151.3</td>');
  });

  it('shows the data summary: files, totals, window, splits and class balance', async () => {
    const data = makeReportData({ champion: true });
    const page = textOf(await renderReport(data));
    const d = section(page, 'data');
    expect(d).toContain('<code>landing/training/2026-11-26/line-a.csv</code></td><td>ingested now</td><td class="num">6,000</td><td class="num">5,988</td><td class="num">12</td>');
    expect(d).toContain('already ingested by an earlier run');
    expect(d).toContain('10,000 rows read, 9,988 valid, 12 quarantined');
    expect(d).toContain('from 2026-10-28 to 2026-11-26');
    const holdoutShare = ((100 * data.data.holdoutPositives) / data.data.holdoutRows).toFixed(1);
    expect(d).toContain(`<th scope="row">Holdout split</th><td class="num">2,000</td><td class="num">${data.data.holdoutPositives}</td><td class="num">${holdoutShare}%</td>`);
    expect(d).toContain('<th scope="row">Train split</th><td class="num">8,000</td><td class="num">272</td><td class="num">3.4%</td><td class="num">96.6%</td>');
  });

  it('says how many holdout rows Evaluate scored of how many when config.maxHoldoutRows bound', async () => {
    const base = makeReportData({ champion: true });
    const capped = section(textOf(await renderReport({ ...base, data: { ...base.data, holdoutRowsAvailable: 9000 } })), 'data');
    expect(capped).toContain('<th scope="row">Holdout split (scored)</th><td class="num">2,000</td>');
    expect(capped).toContain('Evaluate scored a stratified 2,000 of the 9,000 holdout rows (config.maxHoldoutRows bounds its time); the other 7,000 were used by neither split.');
    const uncapped = section(textOf(await renderReport({ ...base, data: { ...base.data, holdoutRowsAvailable: 2000 } })), 'data');
    expect(uncapped).not.toContain('Evaluate scored');
    expect(uncapped).toContain('<th scope="row">Holdout split</th>');
  });

  it('escapes every string from the data', async () => {
    const base = makeReportData({ champion: true, fileKey: `landing/training/${SCRIPT}.csv`, contractName: '"><img src=x onerror=alert(1)>' });
    const data: ReportData = {
      ...base,
      runName: SCRIPT,
      featureNames: [...base.featureNames, SCRIPT],
      training: { ...base.training, kernel: SCRIPT, hyperparameters: [{ name: SCRIPT, value: 1 }] },
      decision: { ...base.decision, summary: SCRIPT, checks: [{ name: SCRIPT, passed: true, detail: `'${SCRIPT}'` }] },
      data: { ...base.data, window: { from: SCRIPT, to: '2026-11-26' } },
    };
    const page = await renderReport(data);
    expectSelfContained(page);
    expect(page).not.toContain('<img');
    expect(page).toContain('landing/training/&lt;script&gt;alert(1)&lt;/script&gt;.csv');
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('&#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;');
  });

  it('is small, and the same data gives the same bytes', async () => {
    const data = makeReportData({ champion: true, rows: 5000 });
    const page = await renderReport(data);
    // 5,000 holdout rows with two models: the curves are thinned, so the page stays small.
    expect(page.length).toBeLessThan(250_000);
    expect(await renderReport(data)).toBe(page);
  });
});
