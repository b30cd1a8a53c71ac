/**
 * The batch's work list and realised metrics: ScoreFile keeps each file's flagged rows with their
 * reasons and its labelled rows; WriteBatchReport merges them into flagged.csv and the report. The
 * expected values are recomputed here from the landing CSVs and the champion, by the explanation
 * module and ml/metrics.ts, not read back from what the steps wrote.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT } from '../../../../lambdas/core/contract/contract.ts';
import { encodeRows } from '../../../../lambdas/core/contract/encode.ts';
import { explanationSpace } from '../../../../lambdas/core/contract/explanation-features.ts';
import { splitCsvLine } from '../../../../lambdas/core/data/csv-fields.ts';
import { explainRows } from '../../../../lambdas/core/ml/local-explanation.ts';
import { averagePrecision, confusionMatrix, wilsonInterval } from '../../../../lambdas/core/ml/metrics.ts';
import { reasonText } from '../../../../lambdas/core/ml/reason-text.ts';
import { readChampion } from '../../../../lambdas/core/registry/champion.ts';
import { loadModel } from '../../../../lambdas/core/registry/model-store.ts';
import { readFileOutcomes } from '../../../../lambdas/core/steps/batch/file-outcomes.ts';
import { scoreFile } from '../../../../lambdas/core/steps/batch/score-file.ts';
import { type WriteBatchReportResult } from '../../../../lambdas/core/steps/batch/write-batch-report.ts';
import { readReadingsCsv } from '../../../../lambdas/core/steps/readings-csv.ts';
import { type BatchFixture, createBatchFixture, inferenceCsv } from '../../../support/batch-fixture.ts';

let fixture: BatchFixture;
beforeEach(async () => {
  fixture = await createBatchFixture();
});
afterEach(async () => {
  await fixture.close();
});

const BATCH = 'infer-0123456789abcdef0123bbbb';

/** The CSV without its label column ("Machine failure"). */
function withoutLabel(csv: string): string {
  const lines = csv.trimEnd().split('\n');
  const column = lines[0].split(',').indexOf('Machine failure');
  return lines.map((line) => line.split(',').filter((_, j) => j !== column).join(',')).join('\n') + '\n';
}

/** A CSV's header and its rows keyed by it. */
function readCsv(text: string): { header: string[]; rows: Record<string, string>[] } {
  const [first, ...lines] = text.trimEnd().split('\n').map((line) => {
    const split = splitCsvLine(line);
    if (!split.ok) throw new Error(split.reason);
    return split.fields;
  });
  return { header: first, rows: lines.map((fields) => Object.fromEntries(first.map((name, j) => [name, fields[j]]))) };
}

/** What the champion says about a landing CSV, computed here: probability, label, true label, reasons of the flagged rows. */
async function expected(csv: string) {
  const version = (await readChampion(fixture.store))!.pointer.version;
  const { model } = await loadModel(fixture.store, version);
  const { valid } = await readReadingsCsv('x.csv', new TextEncoder().encode(csv), DEFAULT_CONTRACT, { requireLabel: false });
  const x = encodeRows(DEFAULT_CONTRACT, valid.map((row) => row.reading));
  const p = model.predict(x);
  const reasons = explainRows(model, x, explanationSpace(DEFAULT_CONTRACT, model.scaler.mean));
  return { valid, p, reasons, threshold: model.threshold.value, truth: valid.map((row) => row.reading[DEFAULT_CONTRACT.label.name] as 0 | 1 | null) };
}

describe('ScoreFile keeps the work list of a file', () => {
  it('writes the flagged rows by probability with their reasons, and the labelled rows', async () => {
    await fixture.promoteChampion();
    const csv = inferenceCsv(200, 21, 1);
    const key = await fixture.landInference('a.csv', csv);
    const result = await scoreFile({ key, batchName: BATCH }, fixture.context);
    const entry = JSON.parse((await fixture.bytesOf(`lake/batches/${BATCH}/files/${(await fixture.keys(`lake/batches/${BATCH}/files/`))[0].split('/').pop()}`)).toString('utf8'));
    expect(entry.outcomesKey).toBe(`lake/batches/${BATCH}/outcomes/${entry.sha256.slice(0, 32)}.json`);
    expect(entry.rowsLabelled).toBe(200);
    const outcomes = await readFileOutcomes(fixture.store, entry.outcomesKey);

    const want = await expected(csv);
    const flaggedIndex = want.valid.map((_, i) => i).filter((i) => want.p.label[i] === 1).sort((a, b) => want.p.probability[b] - want.p.probability[a]);
    expect(result.rowsFlagged).toBeGreaterThan(2);
    expect(outcomes.flagged).toHaveLength(result.rowsFlagged);
    expect(outcomes.flagged.map((row) => row.sourceLine)).toEqual(flaggedIndex.map((i) => want.valid[i].line));
    expect(outcomes.flagged.map((row) => row.id)).toEqual(flaggedIndex.map((i) => want.valid[i].reading.udi));
    for (const [k, i] of flaggedIndex.entries()) {
      const row = outcomes.flagged[k];
      expect(row).toMatchObject({ sourceKey: key, probability: want.p.probability[i] });
      expect(row.reasons).toHaveLength(want.reasons[i].length);
      row.reasons!.forEach((reason, r) => {
        expect(reason).toMatchObject({ feature: want.reasons[i][r].feature, value: want.reasons[i][r].value, reference: want.reasons[i][r].reference });
        expect(reason.change).toBeCloseTo(want.reasons[i][r].change, 12);
      });
      expect(row.review).toEqual(expect.any(Boolean));
    }
    expect(outcomes.labelled.label).toEqual(want.truth);
    expect(outcomes.labelled.probability).toEqual(Array.from(want.p.probability));
  });

  it('keeps no labelled rows for a file without the label column', async () => {
    await fixture.promoteChampion();
    const key = await fixture.landInference('a.csv', withoutLabel(inferenceCsv(60, 22, 1)));
    await scoreFile({ key, batchName: BATCH }, fixture.context);
    const [file] = await fixture.keys(`lake/batches/${BATCH}/files/`);
    const entry = JSON.parse((await fixture.bytesOf(file)).toString('utf8'));
    expect(entry.rowsLabelled).toBe(0);
    const outcomes = await readFileOutcomes(fixture.store, entry.outcomesKey);
    expect(outcomes.labelled).toEqual({ probability: [], label: [] });
    expect(outcomes.flagged).toHaveLength(entry.rowsFlagged);
  });

  it('lists a challenger champion’s flagged rows with reasons and an empty review', async () => {
    await fixture.promoteChampion({ challenger: 'logistic-regression' });
    const key = await fixture.landInference('a.csv', inferenceCsv(120, 23, 1));
    await scoreFile({ key, batchName: BATCH }, fixture.context);
    const [file] = await fixture.keys(`lake/batches/${BATCH}/files/`);
    const entry = JSON.parse((await fixture.bytesOf(file)).toString('utf8'));
    const outcomes = await readFileOutcomes(fixture.store, entry.outcomesKey);
    expect(outcomes.flagged.length).toBeGreaterThan(0);
    for (const row of outcomes.flagged) {
      expect(row.review).toBeNull();
      expect(row.reasons!.length).toBeGreaterThan(0);
    }
  });
});

type Output = { report: WriteBatchReportResult };

describe('WriteBatchReport: flagged.csv and realised metrics', () => {
  it('merges the files into flagged.csv and reports realised recall, precision and AP equal to ml/metrics.ts on the labelled rows', async () => {
    await fixture.promoteChampion();
    const labelled = inferenceCsv(150, 31, 1);
    const unlabelled = withoutLabel(inferenceCsv(90, 32, 1001));
    await fixture.landInference('a.csv', labelled);
    await fixture.landInference('b.csv', unlabelled);
    const { record } = await fixture.runBatch('infer-000000000000000000000011');
    expect(record.status).toBe('SUCCEEDED');
    const { report } = record.output as Output;
    expect(report.workListKey).toBe('lake/predictions/reports/infer-000000000000000000000011/flagged.csv');

    // Realised metrics: the 150 labelled rows of a.csv only.
    const a = await expected(labelled);
    const truth = a.truth as (0 | 1)[];
    const predicted = Array.from(a.p.probability, (p) => (p >= a.threshold ? 1 : 0));
    const { tp, fp, fn } = confusionMatrix(truth, predicted);
    expect(tp + fn).toBeGreaterThan(0);
    expect(report.realised).toEqual({
      labelledRows: 150,
      positives: tp + fn,
      flagged: tp + fp,
      recall: { value: tp / (tp + fn), ...wilsonInterval(tp, tp + fn) },
      precision: { value: tp / (tp + fp), ...wilsonInterval(tp, tp + fp) },
      averagePrecision: averagePrecision(truth, a.p.probability),
    });

    // flagged.csv: every flagged row of both files, by probability, with the reasons as text.
    const b = await expected(unlabelled);
    const rows = readCsv((await fixture.bytesOf(report.workListKey)).toString('utf8'));
    expect(rows.header).toEqual(['udi', 'source_key', 'source_line', 'probability', 'review', 'reason_1', 'reason_2', 'reason_3']);
    const want = [
      ...a.valid.map((row, i) => ({ key: 'landing/inference/a.csv', row, p: a.p.probability[i], label: a.p.label[i], reasons: a.reasons[i] })),
      ...b.valid.map((row, i) => ({ key: 'landing/inference/b.csv', row, p: b.p.probability[i], label: b.p.label[i], reasons: b.reasons[i] })),
    ]
      .filter((r) => r.label === 1)
      .sort((x, y) => y.p - x.p);
    expect(rows.rows).toHaveLength(report.rows.flagged);
    expect(rows.rows.map((r) => [r.udi, r.source_key, r.source_line])).toEqual(want.map((w) => [String(w.row.reading.udi), w.key, String(w.row.line)]));
    expect(rows.rows.map((r) => Number(r.probability))).toEqual(want.map((w) => w.p));
    expect(rows.rows.map((r) => r.reason_1)).toEqual(want.map((w) => (w.reasons[0] === undefined ? '' : reasonText(w.reasons[0]))));

    // The report shows the work list and the realised numbers.
    const html = (await fixture.bytesOf(report.reportKey)).toString('utf8');
    expect(html).toContain('<a href="infer-000000000000000000000011/flagged.csv">flagged.csv</a>');
    expect(html).toContain(`150 of the 240 scored rows carried their true label`);
  });

  it('says there is nothing to check against when no file carries labels', async () => {
    await fixture.promoteChampion();
    await fixture.landInference('b.csv', withoutLabel(inferenceCsv(80, 33, 1)));
    const { record } = await fixture.runBatch('infer-000000000000000000000012');
    const { report } = record.output as Output;
    expect(report.realised).toBeNull();
    const html = (await fixture.bytesOf(report.reportKey)).toString('utf8');
    expect(html).toContain('No scored row carried its label');
    expect((await fixture.bytesOf(report.workListKey)).toString('utf8').split('\n')[0]).toBe('udi,source_key,source_line,probability,review,reason_1,reason_2,reason_3');
  });
});
