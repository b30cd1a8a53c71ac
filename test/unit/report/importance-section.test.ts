import { describe, expect, it } from 'vitest';
import type { FeatureImportance } from '../../../lambdas/core/ml/permutation-importance.ts';
import { renderSvg } from '../../../lambdas/core/report/svg.ts';
import { importanceChart } from '../../../lambdas/core/report/model/importance-chart.ts';
import { hasImportanceSection, importanceSection } from '../../../lambdas/core/report/model/importance-section.ts';
import { renderReport } from '../../../lambdas/core/report/model/render-report.ts';
import type { ReportData } from '../../../lambdas/core/report/model/report-data.ts';
import { SafeHtml } from '../../../lambdas/core/report/html.ts';
import type { ModelImportance } from '../../../lambdas/core/registry/model-importance.ts';
import { makeReportData } from './report-fixture.ts';

function feature(name: string, drops: number[], columns = [name]): FeatureImportance {
  const mean = drops.reduce((s, d) => s + d, 0) / drops.length;
  const sd = Math.sqrt(drops.reduce((s, d) => s + (d - mean) ** 2, 0) / Math.max(1, drops.length - 1));
  return { feature: name, columns, drops, meanDrop: mean, sdDrop: sd, minDrop: Math.min(...drops), maxDrop: Math.max(...drops) };
}

const FEATURES = [
  feature('air_temperature_k', [0.01, 0.02, 0.015]),
  feature('torque_nm', [0.31, 0.35, 0.33]),
  feature('product_type', [-0.002, 0.001, 0], ['product_type_l', 'product_type_m', 'product_type_h']),
  feature('rotational_speed_rpm', [0.12, 0.1, 0.14]),
];

const LR_VERSION = '2026-11-26T20-26-18Z-b00002';

const gpSampled: ModelImportance = {
  status: 'computed',
  version: makeReportData().evaluation.challenger.version,
  kind: 'gpc-exact',
  holdoutRows: 2922,
  predictedSeconds: 72.4,
  importance: { metric: 'average precision', baseline: 0.706, rows: 567, positives: 107, repeats: 3, seed: 1, classWeights: { positive: 1, negative: 2815 / 460 }, features: FEATURES },
};
const logistic: ModelImportance = {
  status: 'computed',
  version: LR_VERSION,
  kind: 'logistic-regression',
  holdoutRows: 2922,
  predictedSeconds: 2.7,
  importance: { metric: 'average precision', baseline: 0.463, rows: 2922, positives: 107, repeats: 5, seed: 1, classWeights: { positive: 1, negative: 1 }, features: FEATURES.map((f) => ({ ...f, meanDrop: f.meanDrop / 2 })) },
};
const skipped: ModelImportance = { status: 'skipped', version: '2026-11-26T20-26-18Z-c00003', kind: 'gradient-boosting', reason: '30 s were left of Evaluate’s time' };

const withImportance = (data: ReportData, importance: readonly ModelImportance[] | undefined): ReportData => ({ ...data, evaluation: { ...data.evaluation, importance } });
const relevanceSvg = SafeHtml.trusted('<svg id="relevance-1"></svg>');
const svgCount = (text: string) => text.match(/<svg/g)?.length ?? 0;

describe('the importance chart', () => {
  it('draws a bar per input, largest drop on top, with the range of the drops as an error bar', async () => {
    const { svg, warnings } = await renderSvg(importanceChart(FEATURES, '#1d4ed8'), 'importance-test');
    expect(warnings).toEqual([]);
    const labels = [...svg.matchAll(/<text[^>]*>([a-z_]+)<\/text>/g)].map((m) => m[1]).filter((t) => FEATURES.some((f) => f.feature === t));
    expect(labels).toEqual(['torque_nm', 'rotational_speed_rpm', 'air_temperature_k', 'product_type']);
    expect(svg.match(/role-mark[^"]*"[^>]*>/g)?.length).toBeGreaterThanOrEqual(4);
    expect(svg).toContain('drop in average precision when the input is shuffled');
  });
});

describe('the importance section', () => {
  it('shows a chart per explained model, the GP’s beside its relevances, on what each was computed, and why one was not', async () => {
    const data = withImportance(makeReportData({ champion: true }), [gpSampled, logistic, skipped]);
    expect(hasImportanceSection(data)).toBe(true);
    const text = String(await importanceSection(data, relevanceSvg));
    expect(text).toContain('<section id="importance"><h2>Which inputs each model relies on</h2>');
    expect(svgCount(text)).toBe(3);
    // The GP's chart and its relevances share one row.
    const gpBlock = text.slice(text.indexOf('Gaussian process (exact)'), text.indexOf('logistic regression'));
    expect(gpBlock).toContain(data.evaluation.challenger.version);
    expect(gpBlock).toContain('relevance-1');
    expect(gpBlock).toContain('Gaussian process (exact): 3 shuffles per input on a sample of 567 of the 2,922 holdout rows, as this model is too slow to shuffle them all within Evaluate’s time.');
    expect(gpBlock).toContain(`The sample keeps all 107 failures and counts each healthy row 6.1 times, so its average precision estimates the whole holdout’s: 0.706 unshuffled (${data.evaluation.challenger.metrics.averagePrecision.toFixed(3)} on the whole holdout).`);
    expect(text).toContain('logistic regression: 5 shuffles per input on all 2,922 holdout rows (107 failures); average precision unshuffled 0.463.');
    expect(text).toContain('<h3>gradient-boosted trees</h3><p class="note">Not computed: 30 s were left of Evaluate’s time.</p>');
  });

  it('with a failed challenger shows the models that were trained', async () => {
    const data = withImportance(makeReportData(), [gpSampled, logistic]);
    const text = String(await importanceSection(data, relevanceSvg));
    expect(svgCount(text)).toBe(3);
    expect(text).not.toContain('gradient-boosted trees');
  });

  it('for a run from before the challengers (GP only) and before importance: relevances alone, or nothing', async () => {
    const gpOnly = String(await importanceSection(withImportance(makeReportData(), [gpSampled]), relevanceSvg));
    expect(svgCount(gpOnly)).toBe(2);
    const old = makeReportData();
    const oldText = String(await importanceSection(withImportance(old, undefined), relevanceSvg));
    expect(oldText).toContain('Permutation importance was not computed in this run');
    expect(svgCount(oldText)).toBe(1);
    const { relevances: _dropped, ...training } = old.training;
    const oldest = { ...withImportance(old, undefined), training };
    expect(hasImportanceSection(oldest)).toBe(false);
    expect(String(await importanceSection(oldest, null))).toBe('');
  });

  it('sits in the report after the scores and before training, with its link', async () => {
    const page = await renderReport(withImportance(makeReportData({ champion: true }), [gpSampled, logistic, skipped]));
    const at = (marker: string) => page.indexOf(marker);
    expect(at('id="distributions"')).toBeLessThan(at('id="importance"'));
    expect(at('id="importance"')).toBeLessThan(at('id="training"'));
    expect(page).toContain('<a href="#importance">Inputs that matter</a>');
    // Eight charts as before, the relevances now in this section, and one per explained model.
    expect(svgCount(page)).toBe(10);
    const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
