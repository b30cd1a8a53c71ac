import { describe, expect, it } from 'vitest';
import { dataSection } from '../../../lambdas/core/report/model/sections.ts';
import { makeReportData } from './report-fixture.ts';

describe('the report’s data section: rows trained and why', () => {
  it('says which model trained on how many of the train split’s rows, in how many rounds, and why', () => {
    const data = makeReportData();
    const fitted = { model: 'gpc-exact', rows: 2800, reason: 'exact GP on a stratified sample of 2,800 of 7,078 training rows <b>', rounds: 1 } as const;
    const text = String(dataSection({ ...data, data: { ...data.data, trainRows: 7078, fitted } }));
    expect(text).toContain(
      '<p>The exact GP trained on 2,800 of the 7,078 train-split rows, in 1 Train round: exact GP on a stratified sample of 2,800 of 7,078 training rows &lt;b&gt;.</p>',
    );
    const sparse = String(dataSection({ ...data, data: { ...data.data, trainRows: 7078, fitted: { ...fitted, model: 'gpc-sparse', rows: 7078, rounds: 3 } } }));
    expect(sparse).toContain('The sparse GP trained on 7,078 of the 7,078 train-split rows, in 3 Train rounds:');
  });

  it('says nothing of it for a training record from before Train reported it', () => {
    expect(String(dataSection(makeReportData()))).not.toContain('trained on');
  });

  it('accounts for every reading in the window and gives the data’s own span, not the window’s', () => {
    const data = makeReportData();
    const accounting = { readings: 12_000, unlabelled: 500, invalidDerived: 0, replaced: 2_000 };
    const rows = 12_000 - 500 - 2_000;
    const text = String(dataSection({ ...data, data: { ...data.data, trainingSetRows: rows, accounting, dataRange: { basis: 'ingest time', from: '2026-03-01T09:00:00.000Z', to: '2026-03-02T10:00:00.000Z' } } }));
    expect(text).toContain('<tr><td>All readings</td><td class="num">12,000</td></tr>');
    expect(text).toContain('<tr><td>left out: no label (uploaded for scoring)</td><td class="num">500</td></tr>');
    expect(text).toContain('<tr><td>left out: replaced by a later reading of the same id</td><td class="num">2,000</td></tr>');
    expect(text).toContain(`<tr><td>Training set: the latest labelled reading of each id</td><td class="num">9,500</td></tr>`);
    expect(text).toContain('The readings span 2026-03-01 to 2026-03-02 by ingest time (the contract has no reading timestamp).');
    expect(String(dataSection({ ...data, data: { ...data.data, dataRange: null } }))).toContain('No readings were in the window.');
    // Older records have neither: no table, no span.
    expect(String(dataSection(data))).not.toMatch(/All readings|readings span/);
  });
});
