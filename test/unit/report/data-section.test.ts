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
});
