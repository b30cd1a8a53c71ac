import { describe, expect, it } from 'vitest';
import { driftFromSummary } from '../../../lambdas/core/drift/drift.ts';
import { buildReference } from '../../../lambdas/core/drift/reference.ts';
import { summarizeBatch } from '../../../lambdas/core/drift/summary.ts';
import { binLabels, categoryDriftChart, featureDriftChart, scoreHistogramChart } from '../../../lambdas/core/report/batch/batch-charts.ts';
import { renderBatchReport } from '../../../lambdas/core/report/batch/batch-report.ts';
import { mergeScoreHistograms, scoreHistogram } from '../../../lambdas/core/report/batch/batch-score-histogram.ts';
import { renderSvg } from '../../../lambdas/core/report/svg.ts';
import { InvalidDataError, ShapeError } from '../../../lambdas/core/errors.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';
import { fromColumns, normals, oneHot, variances } from '../drift/samples.ts';
import { makeBatchData, SCRIPT } from './batch-report-fixture.ts';


function svgsOf(page: string): string[] {
  return page.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
}

function section(page: string, id: string): string {
  const start = page.indexOf(`<section id="${id}">`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf('</section>', start));
}

function expectSelfContained(page: string): void {
  expect(page.startsWith('<!doctype html>'), 'starts with a doctype').toBe(true);
  expect(/<script/i.test(page), 'no script element').toBe(false);
  expect(/<(link|iframe|object|embed|img)\b/i.test(page), 'no element that loads a resource').toBe(false);
  expect(/<[a-z][^>]*\s(src|srcset)=/i.test(page), 'no src attribute').toBe(false);
  expect(/@import|url\((?!#)/i.test(page), 'no stylesheet import or url() other than a fragment').toBe(false);
  for (const m of page.matchAll(/https?:\/\//g)) {
    expect(page.slice(Math.max(0, m.index - 16), m.index), 'URL outside an xmlns attribute').toMatch(/xmlns(:xlink)?="$/);
  }
  const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i), 'repeated ids').toEqual([]);
}

describe('renderBatchReport', () => {
  const data = makeBatchData();

  it('renders a self-contained page with the score chart and one drift chart per feature', async () => {
    const page = await renderBatchReport(data);
    expectSelfContained(page);
    const svgs = svgsOf(page);
    expect(svgs).toHaveLength(1 + data.drift!.report.features.length);
    expect(svgsOf(section(page, 'scores'))).toHaveLength(1);
    expect(svgsOf(section(page, 'drift'))).toHaveLength(3);
    // Bars were drawn, not just axes.
    for (const svg of svgs) expect(svg).toMatch(/class="mark-rect role-mark[^"]*"[^>]*><path [^>]*d="M/);
    expect(Buffer.byteLength(page)).toBeLessThan(250_000);
  });

  it('highlights the drifted feature, and only it', async () => {
    const report = data.drift!.report;
    expect(report.features.map((f) => f.drifted)).toEqual([true, false, false]);
    const drift = section(await renderBatchReport(data), 'drift');
    const rows = drift.match(/<tr[^>]*>[\s\S]*?<\/tr>/g)!.filter((row) => row.includes('<code>'));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^<tr class="drifted">/);
    expect(rows[0]).toContain('✗ drifted');
    // Moved 0.75 training sds: the mean shift decides (KS stays under its 0.3 floor).
    expect(rows[0]).toContain(`<td class="num fail">+${report.features[0].meanShift.toFixed(2)}</td>`);
    for (const row of rows.slice(1)) {
      expect(row).toMatch(/^<tr>/);
      expect(row).toContain('✓ stable');
    }
    expect(drift.match(/<figure class="drifted">/g)).toHaveLength(1);
    // The drifted feature's batch bars are red, the others blue.
    const svgs = svgsOf(drift);
    expect(svgs[0]).toContain('#dc2626');
    expect(svgs[1]).not.toContain('#dc2626');
  });

  it('leads with the verdict and names the drifted feature', async () => {
    const page = await renderBatchReport(data);
    const header = page.slice(page.indexOf('<header'), page.indexOf('</header>'));
    expect(header).toContain('<div class="decision drifted"');
    expect(header).toContain('DRIFT DETECTED');
    expect(header).toContain('<code>air_temperature_k</code> drifted');
    expect(header).toContain('v-2026-11-26');
    expect(header).toContain('2026-11-26 21:50:00 UTC');
    expect(header).toContain('1 scored, 1 already scored by an earlier batch, 1 unusable');
  });

  it('shows the shares labelled "needs maintenance" and sent to review', async () => {
    const outcomes = section(await renderBatchReport(data), 'outcomes');
    expect(outcomes).toContain('<td class="num">96</td><td class="num">12.0%</td>');
    expect(outcomes).toContain('<td class="num">40</td><td class="num">5.0%</td>');
    expect(outcomes).toContain('<td class="num">10</td><td class="num">1.2%</td>');
  });

  it('says what review means at the model’s level, and that it does not apply without uncertainty', async () => {
    const gp = section(await renderBatchReport(makeBatchData({ reviewLevel: 0.2 })), 'outcomes');
    expect(gp).toContain('on the other side of the threshold from that label is above 20%');
    expect(gp).not.toContain('95 %');
    const challenger = section(await renderBatchReport(makeBatchData({ reviewLevel: null, counts: { ...data.counts, rowsReview: 0 } })), 'outcomes');
    expect(challenger).toContain('does not apply: the model gives no uncertainty');
    expect(challenger).toContain('so no row is sent to review');
    expect(challenger).not.toContain('<th scope="row">Sent to review</th><td class="num">');
  });

  it('shows the uncertainty shift', async () => {
    const lv = data.drift!.report.latentVariance;
    const drift = section(await renderBatchReport(data), 'drift');
    expect(drift).toContain(`${(lv!.relativeShift * 100).toFixed(0)}%`);
    expect(drift).toContain('Model uncertainty');
  });

  it('escapes every string from the data', async () => {
    const page = await renderBatchReport(data);
    expect(page).not.toContain(SCRIPT);
    expect(page).not.toContain('<b>bold</b>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('infer-&quot;quoted&quot;&amp;&lt;b&gt;bold&lt;/b&gt;');
    expect(section(page, 'files')).toContain(`no header &lt;script&gt;`);
  });

  it('says so when drift was not computed, and when nothing was scored', async () => {
    const note = `model v1 carries no training reference ${SCRIPT}`;
    const page = await renderBatchReport(
      makeBatchData({ drift: null, driftNote: note, counts: { rowsRead: 0, rowsScored: 0, rowsQuarantined: 0, rowsFlagged: 0, rowsReview: 0 }, scores: scoreHistogram([]) }),
    );
    expectSelfContained(page);
    expect(svgsOf(page)).toHaveLength(0);
    expect(page).toContain('DRIFT NOT CHECKED');
    expect(section(page, 'drift')).toContain('model v1 carries no training reference &lt;script&gt;');
    expect(section(page, 'scores')).toContain('No rows were scored');
    expect(page).not.toContain('NaN');
  });

  it('says "no drift" for a batch like the training data', async () => {
    const base = makeBatchData();
    const reference = base.drift!.reference;
    const summary = summarizeBatch(reference, fromColumns([normals(11, 900, 300, 2), normals(12, 900, 40, 10), oneHot(13, 900, 0.3)]), variances(14, 900, 0.5));
    const page = await renderBatchReport({ ...base, drift: { reference, report: driftFromSummary(reference, summary) } });
    expect(page).toContain('<div class="decision stable"');
    expect(page).not.toContain('class="drifted"');
  });
});

describe('renderBatchReport: work list and realised outcomes', () => {
  const section = (page: string, id: string): string => page.slice(page.indexOf(`<section id="${id}"`), page.indexOf('</section>', page.indexOf(`<section id="${id}"`)));

  it('shows the first flagged machines with their reasons and links flagged.csv', async () => {
    const page = await renderBatchReport(makeBatchData());
    const list = section(page, 'work-list');
    expect(list).toContain('96 machines flagged');
    expect(list).toContain('the first 3 are shown');
    expect(list).toContain('<a href="infer-x/flagged.csv">flagged.csv</a>');
    expect(list).toContain('<li class="up">torque_nm = 76 (reference 39.9): +0.260</li>');
    expect(list).toContain('<li class="down">air_temperature_k = 298.1 (reference 300): −0.003</li>');
    expect(list).toContain('not explained');
    expect(list).toContain('1 flagged rows have no reasons');
    expect(list).not.toContain(SCRIPT);
    expect(page).toContain('href="#work-list"');
  });

  it('says so when nothing was flagged', async () => {
    const page = await renderBatchReport(makeBatchData({ workList: { href: 'b/flagged.csv', key: 'k', rows: 0, explained: 0, top: [] } }));
    expect(section(page, 'work-list')).toContain('No machine was flagged in this batch');
  });

  it('shows realised recall, precision and average precision with their intervals when rows carried labels, and says so when none did', async () => {
    const realised = { labelledRows: 800, positives: 20, flagged: 96, recall: { value: 0.9, low: 0.699, high: 0.972 }, precision: { value: 0.1875, low: 0.121, high: 0.278 }, averagePrecision: 0.61 };
    const page = await renderBatchReport(makeBatchData({ realised }));
    const text = section(page, 'realised');
    expect(text).toContain('800 of the 800 scored rows carried their true label; 20 of them failed, and the model flagged 96');
    expect(text).toContain('<td class="num">0.900</td><td class="num">0.699 – 0.972</td><td>18 of 20 failures were flagged</td>');
    expect(text).toContain('18 of 96 flagged rows failed');
    expect(text).toContain('<td class="num">0.610</td>');
    expect(section(await renderBatchReport(makeBatchData()), 'realised')).toContain('No scored row carried its label');
  });
});

describe('renderBatchReport on categorical inputs and small batches', () => {
  const names = ['torque_nm', 'product_type_l', 'product_type_m', 'product_type_h'];
  const category = { name: 'product_type', levels: ['L', 'M', 'H'], columns: ['product_type_l', 'product_type_m', 'product_type_h'] };
  /** Torque and a product type drawn with shares L, M, H. */
  const columns = (seed: number, n: number, shares: readonly [number, number, number]): Float64Array[] => {
    const random = new SeededRandom(seed);
    const level = Array.from({ length: n }, () => {
      const u = random.next();
      return u < shares[0] ? 0 : u < shares[0] + shares[1] ? 1 : 2;
    });
    return [normals(seed + 1, n, 40, 10), ...[0, 1, 2].map((k) => Float64Array.from(level, (l) => (l === k ? 1 : 0)))];
  };
  const reference = buildReference(fromColumns(columns(21, 2_000, [0.5, 0.3, 0.2])), names, variances(22, 2_000, 0.5));

  it('shows a categorical input as level shares with a level chart, not as decile bins', async () => {
    const summary = summarizeBatch(reference, fromColumns(columns(23, 600, [0.3, 0.3, 0.4])), variances(24, 600, 0.5));
    const report = driftFromSummary(reference, summary, {}, [category]);
    expect(report.categories[0].drifted).toBe(true);
    const page = await renderBatchReport({ ...makeBatchData(), drift: { reference, report } });
    const drift = section(page, 'drift');
    expect(drift).toContain('<h3>Categorical features</h3>');
    expect(drift).toContain('<code>product_type</code>');
    for (const level of ['L', 'M', 'H']) expect(drift).toContain(`<td>${level}</td>`);
    expect(drift).not.toContain('product_type_l');
    expect(drift).not.toContain('0.9999');
    // One chart per numeric input and one per categorical input; the drifted mix in red.
    expect(svgsOf(drift)).toHaveLength(2);
    expect(svgsOf(drift)[1]).toContain('#dc2626');
    expect(page).toContain('DRIFT DETECTED');
  });

  it('says a batch under minRows has too few rows, and flags nothing', async () => {
    const summary = summarizeBatch(reference, fromColumns(columns(25, 40, [0, 0, 1])), variances(26, 40, 0.5));
    const report = driftFromSummary(reference, summary, {}, [category]);
    const page = await renderBatchReport({ ...makeBatchData(), drift: { reference, report } });
    expect(page).toContain('TOO FEW ROWS FOR DRIFT');
    expect(page).toContain('drift is judged from 100 rows on');
    expect(page).not.toContain('class="drifted"');
  });
});

describe('batch report charts', () => {
  const data = makeBatchData();

  it('render without warnings', async () => {
    const mix = { name: 'product_type', levels: [{ level: 'L', reference: 0.5, batch: 0.3 }, { level: 'M', reference: 0.3, batch: 0.3 }, { level: 'H', reference: 0.2, batch: 0.4 }], psi: 0.24, pValue: 1e-9, drifted: true };
    for (const [i, spec] of [scoreHistogramChart(data.scores, data.threshold), ...data.drift!.report.features.map(featureDriftChart), categoryDriftChart(mix)].entries()) {
      const { warnings } = await renderSvg(spec, `chart-${i}`);
      expect(warnings).toEqual([]);
    }
  });

  it('label the bins distinctly, with open ends', () => {
    const labels = binLabels([
      { lower: null, upper: 298.11, reference: 0.1, batch: 0.1 },
      { lower: 298.11, upper: 298.12, reference: 0.1, batch: 0.1 },
      { lower: 298.12, upper: null, reference: 0.8, batch: 0.8 },
    ]);
    expect(labels).toEqual(['≤ 298.11', '298.11–298.12', '> 298.12']);
    expect(binLabels(data.drift!.report.features[2].bins)).toEqual(['≤ 0', '0–1', '> 1']);
  });
});

describe('scoreHistogram', () => {
  it('counts probabilities in 20 bins of 0.05, 1 in the last', () => {
    const h = scoreHistogram([0, 0.049, 0.05, 0.5, 0.999, 1]);
    expect(h.counts).toHaveLength(20);
    expect(h.counts[0]).toBe(2);
    expect(h.counts[1]).toBe(1);
    expect(h.counts[10]).toBe(1);
    expect(h.counts[19]).toBe(2);
    expect(h.counts.reduce((s, c) => s + c, 0)).toBe(6);
  });

  it('merges by adding, and refuses bad input', () => {
    const a = scoreHistogram([0.1, 0.2], 4);
    const b = scoreHistogram([0.9], 4);
    expect(mergeScoreHistograms(a, b).counts).toEqual([2, 0, 0, 1]);
    expect(() => mergeScoreHistograms(a, scoreHistogram([], 5))).toThrow(ShapeError);
    expect(() => scoreHistogram([1.5])).toThrow(InvalidDataError);
    expect(() => scoreHistogram([0.5], 0)).toThrow(InvalidDataError);
  });
});
