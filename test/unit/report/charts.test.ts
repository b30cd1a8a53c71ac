import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { reportChartSpecs, type ReportChartSpecs } from '../../../lambdas/core/report/model/report-charts.ts';
import { renderSvg, scopeIds } from '../../../lambdas/core/report/svg.ts';
import { makeReportData } from './report-fixture.ts';

/** The mark each chart must draw: proof that data reached the picture, not just axes. */
const MARKS: Record<keyof ReportChartSpecs, readonly string[]> = {
  roc: ['mark-line', 'mark-symbol', 'mark-rule'],
  precisionRecall: ['mark-line', 'mark-symbol', 'mark-rule', 'mark-text'],
  confusion: ['mark-rect', 'mark-text'],
  calibration: ['mark-line', 'mark-symbol', 'mark-rule', 'mark-text'],
  scores: ['mark-rect', 'mark-rule'],
  uncertainty: ['mark-rect'],
  optimizer: ['mark-line', 'mark-symbol'],
  relevance: ['mark-rect'],
};

/** Whether the SVG has a group of `mark` marks whose first item has geometry (a path, line or text). */
function drawsItems(svg: string, mark: string): boolean {
  return new RegExp(`class="${mark} role-mark[^"]*"[^>]*>(<path [^>]*d="M[-\\d.]+,[-\\d.]+[LAHVCZlahvcz]|<line |<text )`).test(svg);
}

function compileStrict(spec: TopLevelSpec): { spec: vega.Spec; warnings: string[] } {
  const warnings: string[] = [];
  const logger = vega.logger(vega.Warn, undefined, (_method, _level, args) => warnings.push(args.map(String).join(' ')));
  return { spec: compile(spec, { logger }).spec, warnings };
}

describe('report chart specs', () => {
  const full = reportChartSpecs(makeReportData({ champion: true }));
  const charts = Object.entries(full) as [keyof ReportChartSpecs, TopLevelSpec | null][];

  it.each(charts)('%s compiles with Vega-Lite without warnings and parses as Vega', (_name, spec) => {
    expect(spec).not.toBeNull();
    const compiled = compileStrict(spec!);
    expect(compiled.warnings).toEqual([]);
    expect(() => vega.parse(compiled.spec)).not.toThrow();
  });

  it.each(charts)('%s renders to SVG with its marks, without canvas and without warnings', async (name, spec) => {
    const { svg, warnings } = await renderSvg(spec!, name);
    expect(warnings).toEqual([]);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const mark of MARKS[name]) expect(drawsItems(svg, mark), `${name} draws ${mark} items`).toBe(true);
  });

  it('the sparse GP\'s trace is drawn as its ELBO over its three stages, and renders', async () => {
    const spec = reportChartSpecs(makeReportData({ sparse: true })).optimizer!;
    const text = JSON.stringify(spec);
    expect(text).toContain('"title":"ELBO"');
    for (const stage of ['one length scale', 'a length scale per input', 'q(u) on all training rows']) expect(text).toContain(stage);
    const { svg, warnings } = await renderSvg(spec, 'optimizer');
    expect(warnings).toEqual([]);
    expect(drawsItems(svg, 'mark-line')).toBe(true);
  });

  it('resolves the low-probability region: the PR curve has the prevalence line, calibration quantile bins and the threshold, the scores a log scale', async () => {
    const data = makeReportData({ champion: true });
    const labels = data.evaluation.labels;
    const prevalence = labels.filter((y) => y === 1).length / labels.length;
    const pr = JSON.stringify(full.precisionRecall);
    expect(pr).toContain(`"values":[{"y":${prevalence}}]`);
    expect(pr).toContain('(flagging at random)');
    const calibration = full.calibration as unknown as { layer: { data?: { values: { meanPredicted?: number; count?: number }[] } }[] };
    const bins = calibration.layer.at(-1)!.data!.values;
    // Ten bins of about equal row counts per model (quantile bins), not most rows in the first of ten uniform ones.
    const counts = bins.map((b) => b.count!);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(2);
    expect(JSON.stringify(full.calibration)).toContain(`"meanPredicted":${data.evaluation.challenger.threshold}`);
    const scores = JSON.stringify(full.scores);
    expect(scores).toContain('log(max(datum.probability, 0.0001)) / LN10');
    expect(scores).toContain(`"datum":${Math.log10(data.evaluation.challenger.threshold)}`);
  });

  it('the relevance chart is absent for records written before relevances were kept', () => {
    const data = makeReportData({});
    const { relevances: _dropped, ...training } = data.training;
    expect(reportChartSpecs({ ...data, training }).relevance).toBeNull();
  });

  it('the optimiser chart is absent in refit mode, where the trace is empty', () => {
    expect(reportChartSpecs(makeReportData({ mode: 'refit' })).optimizer).toBeNull();
  });

  it('draws the champion only when there is one', () => {
    const first = JSON.stringify(reportChartSpecs(makeReportData({ champion: false })).roc);
    expect(first).not.toContain('champion');
    expect(JSON.stringify(full.roc)).toContain('champion');
  });

  it('runs where the optional canvas package is not installed', async () => {
    // If canvas ever gets installed, the SVG tests above no longer prove the canvas-free path.
    const name = 'canvas';
    await expect(import(name)).rejects.toThrow();
  });
});

describe('scopeIds', () => {
  it('renames ids and every reference to them, in order of appearance', () => {
    const svg =
      '<svg><g clip-path="url(#clip12)"><rect fill="url(#gradient_3)"/><use href="#clip1"/></g>' +
      '<defs><clipPath id="clip12"/><linearGradient id="gradient_3"/><clipPath id="clip1"/></defs></svg>';
    expect(scopeIds(svg, 'roc')).toBe(
      '<svg><g clip-path="url(#roc-1)"><rect fill="url(#roc-2)"/><use href="#roc-3"/></g>' +
        '<defs><clipPath id="roc-1"/><linearGradient id="roc-2"/><clipPath id="roc-3"/></defs></svg>',
    );
  });

  it('gives the same SVG for the same chart however many charts rendered before', async () => {
    // The confusion matrix's colour legend is a gradient, referenced by id.
    const spec = reportChartSpecs(makeReportData({ champion: true, rows: 300 })).confusion;
    const a = await renderSvg(spec, 'confusion');
    await renderSvg(spec, 'other');
    const b = await renderSvg(spec, 'confusion');
    expect(a.svg).toContain('id="confusion-1"');
    expect(a.svg).toContain('url(#confusion-1)');
    expect(b.svg).toBe(a.svg);
  });
});
