import { driftFromSummary } from '../../../lambdas/core/drift/drift.ts';
import { buildReference } from '../../../lambdas/core/drift/reference.ts';
import { summarizeBatch } from '../../../lambdas/core/drift/summary.ts';
import type { BatchReportData } from '../../../lambdas/core/report/batch/batch-report-data.ts';
import { scoreHistogram } from '../../../lambdas/core/report/batch/batch-score-histogram.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';
import { fromColumns, normals, oneHot, variances } from '../drift/samples.ts';

/** A batch report's data for tests: hostile strings where user input goes, a shifted feature, a work list. */

export const SCRIPT = '<script>alert(1)</script>';

/** Three inputs: air temperature shifted in the batch, torque unchanged, a one-hot column whose name is hostile. */
export function makeBatchData(overrides: Partial<BatchReportData> = {}): BatchReportData {
  const names = ['air_temperature_k', 'torque_nm', `type_${SCRIPT}`];
  const n = 2_000;
  const m = 800;
  const reference = buildReference(fromColumns([normals(1, n, 300, 2), normals(2, n, 40, 10), oneHot(3, n, 0.3)]), names, variances(4, n, 0.5));
  const summary = summarizeBatch(reference, fromColumns([normals(5, m, 301.5, 2), normals(6, m, 40, 10), oneHot(7, m, 0.3)]), variances(8, m, 0.55));
  const random = new SeededRandom(9);
  const probabilities = Float64Array.from({ length: m }, () => random.next() ** 4);
  return {
    batchName: 'infer-"quoted"&<b>bold</b>',
    createdAt: '2026-11-26T21:50:00.000Z',
    modelVersion: 'v-2026-11-26',
    threshold: 0.3125,
    files: [
      { key: `landing/inference/${SCRIPT}.csv`, status: 'scored', rowsRead: 810, rowsScored: 800, rowsQuarantined: 10, reason: null },
      { key: 'landing/inference/again.csv', status: 'already-scored', rowsRead: 0, rowsScored: 0, rowsQuarantined: 0, reason: null },
      { key: 'landing/inference/bad.csv', status: 'unusable', rowsRead: 0, rowsScored: 0, rowsQuarantined: 0, reason: `no header ${SCRIPT}` },
    ],
    counts: { rowsRead: 810, rowsScored: 800, rowsQuarantined: 10, rowsFlagged: 96, rowsReview: 40 },
    scores: scoreHistogram(probabilities),
    drift: { report: driftFromSummary(reference, summary), reference },
    driftNote: null,
    workList: {
      href: 'infer-x/flagged.csv',
      key: 'lake/predictions/reports/infer-x/flagged.csv',
      rows: 96,
      explained: 95,
      top: [
        { id: 7, sourceKey: `landing/inference/${SCRIPT}.csv`, sourceLine: 9, probability: 0.91, review: false, reasons: [{ feature: 'torque_nm', value: 76, reference: 39.9, change: 0.26 }, { feature: 'air_temperature_k', value: 298.1, reference: 300, change: -0.003 }] },
        { id: SCRIPT, sourceKey: 'landing/inference/b.csv', sourceLine: 2, probability: 0.5, review: null, reasons: [] },
        { id: 9, sourceKey: 'landing/inference/b.csv', sourceLine: 3, probability: 0.4, review: true, reasons: null },
      ],
    },
    realised: null,
    ...overrides,
  };
}
