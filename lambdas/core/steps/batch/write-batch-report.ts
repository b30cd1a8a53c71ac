import { z } from 'zod';
import { driftReportSchema } from '../../drift/schemas.ts';
import { isGpManifest } from '../../ml/artifact.ts';
import { reviewLevelOf } from '../../ml/review.ts';
import { readChampion } from '../../registry/champion.ts';
import { realisedMetrics, realisedMetricsSchema } from '../../ml/realised-metrics.ts';
import { contractOf, loadManifest, readJson, writeJson } from '../../registry/model-store.ts';
import { renderBatchReport } from '../../report/batch/batch-report.ts';
import type { BatchFile, BatchReportData } from '../../report/batch/batch-report-data.ts';
import { emptyScoreHistogram, mergeScoreHistograms } from '../../report/batch/batch-score-histogram.ts';
import type { StepContext } from '../context.ts';
import { parseStepInput } from '../run-state.ts';
import { batchTotals, newInBatch, readBatchFiles } from './batch-files.ts';
import { batchInputSchema, type ScoreFileResult } from './batch-state.ts';
import { trainingReferenceOf } from './champion-model.ts';
import { computeDriftResultSchema } from './compute-drift.ts';
import { NoChampionError } from './errors.ts';
import { type FileOutcomes, readFileOutcomes } from './file-outcomes.ts';
import { mergeFlagged, workListCsv, workListHref } from './work-list.ts';
import { batchReportKey, batchSummaryKey, driftKey, workListKey } from '../../storage-keys.ts';

/** Rows of the work list the report shows; flagged.csv has them all. */
export const WORK_LIST_SHOWN = 25;

/**
 * WriteBatchReport: the batch's one-file HTML report beside the predictions
 * (`lake/predictions/reports/<batch>.html`, outside the table's `dt=` partitions) and its
 * `lake/batches/<batch>/summary.json`: every file with what became of it, the row counts, the
 * drift verdict and the retrain decision. Beside the report, the work list
 * `lake/predictions/reports/<batch>/flagged.csv` (work-list.ts); in the report, realised recall,
 * precision and average precision when scored rows carried their label.
 */

/** At most this many unusable files are named in the result (the summary names them all). */
const UNUSABLE_LISTED = 20;

export const writeBatchReportResultSchema = z.object({
  reportKey: z.string(),
  summaryKey: z.string(),
  modelVersion: z.string(),
  files: z.object({ listed: z.int(), scored: z.int(), duplicates: z.int(), unusable: z.int(), skipped: z.int() }),
  /** review: null when the model gives no uncertainty (review does not apply, rather than 0 rows). */
  rows: z.object({ read: z.int(), scored: z.int(), quarantined: z.int(), flagged: z.int(), review: z.int().nullable() }),
  /** The files this batch found unusable, with the reason (the first few). */
  unusable: z.array(z.object({ key: z.string(), reason: z.string() })),
  /** The work list: every flagged row of the batch with its reasons (CSV). */
  workListKey: z.string(),
  /** On the scored rows that carried their label; null when none did. */
  realised: realisedMetricsSchema.nullable(),
});

export type WriteBatchReportResult = z.infer<typeof writeBatchReportResultSchema>;

export async function writeBatchReport(input: unknown, context: StepContext): Promise<WriteBatchReportResult> {
  const { batchName, drift } = parseStepInput('WriteBatchReport', batchInputSchema.extend({ drift: computeDriftResultSchema }), input);
  const entries = await readBatchFiles(context.store, batchName);
  const fresh = newInBatch(entries, batchName);
  const totals = batchTotals(entries, batchName);

  // The version that scored the batch; a batch of repeats only: the serving one.
  const modelVersion = drift.modelVersion ?? (await readChampion(context.store))?.pointer.version;
  if (modelVersion === undefined) throw new NoChampionError('there is no champion: no model to report the batch against');
  const manifest = await loadManifest(context.store, modelVersion);
  const record = z.looseObject({ report: driftReportSchema.nullable() }).parse(await readJson(context.store, driftKey(batchName)));
  const reference = trainingReferenceOf(manifest.extra?.trainingReference, modelVersion);

  const statusOf = (entry: ScoreFileResult): BatchFile['status'] | 'skipped' =>
    entry.status === 'scored' && !fresh.includes(entry) ? 'already-scored' : entry.status;
  const described = entries.map((entry) => ({
    key: entry.key,
    status: statusOf(entry),
    rowsRead: entry.rowsRead,
    rowsScored: entry.rowsScored,
    rowsQuarantined: entry.rowsQuarantined,
    reason: entry.reason,
  }));
  // Folder markers are no files to a reader of the report.
  const files = described.filter((file): file is BatchFile => file.status !== 'skipped');
  const scored = fresh.filter((entry) => entry.status === 'scored');
  const outcomes = await Promise.all(scored.flatMap((entry) => (entry.outcomesKey === null ? [] : [readFileOutcomes(context.store, entry.outcomesKey)])));
  const flagged = mergeFlagged(outcomes.map((o) => o.flagged));
  const listKey = workListKey(batchName);
  await context.store.put(listKey, workListCsv(contractOf(manifest, context.contract), flagged), { contentType: 'text/csv; charset=utf-8' });
  const realised = realisedOf(outcomes, manifest.threshold.value);
  const data: BatchReportData = {
    batchName,
    createdAt: context.now().toISOString(),
    modelVersion,
    threshold: manifest.threshold.value,
    reviewLevel: isGpManifest(manifest) ? reviewLevelOf(manifest.threshold) : null,
    files,
    counts: {
      rowsRead: totals.rows.read,
      rowsScored: totals.rows.scored,
      rowsQuarantined: totals.rows.quarantined,
      rowsFlagged: totals.rows.flagged,
      rowsReview: totals.rows.review,
    },
    scores: scored.map((entry) => entry.scores).filter((h) => h !== null).reduce(mergeScoreHistograms, emptyScoreHistogram()),
    drift: record.report !== null && reference !== undefined ? { report: record.report, reference } : null,
    driftNote: record.report !== null ? null : drift.note,
    workList: { href: workListHref(batchName), key: listKey, rows: flagged.length, explained: flagged.filter((row) => row.reasons !== null).length, top: flagged.slice(0, WORK_LIST_SHOWN) },
    realised,
  };
  const reportKey = batchReportKey(batchName);
  await context.store.put(reportKey, await renderBatchReport(data), { contentType: 'text/html; charset=utf-8' });

  const unusable = fresh.filter((entry) => entry.status === 'unusable').map((entry) => ({ key: entry.key, reason: entry.reason ?? 'unusable' }));
  const summaryKey = batchSummaryKey(batchName);
  await writeJson(context.store, summaryKey, {
    batchName,
    createdAt: data.createdAt,
    modelVersion,
    threshold: data.threshold,
    reportKey,
    workListKey: listKey,
    ...totals,
    drift,
    realised,
    files: described.map((file, i) => ({ ...file, predictionsKey: entries[i].predictionsKey, quarantineKey: entries[i].quarantineKey, firstBatch: entries[i].batchName })),
  });
  context.progress({ kind: 'message', text: `batch report: ${reportKey}` });
  const rows = { ...totals.rows, review: data.reviewLevel === null ? null : totals.rows.review };
  return { reportKey, summaryKey, modelVersion, ...totals, rows, unusable: unusable.slice(0, UNUSABLE_LISTED), workListKey: listKey, realised };
}

/** Realised metrics over the labelled rows of every file scored by the batch. */
function realisedOf(outcomes: readonly FileOutcomes[], threshold: number) {
  const label: number[] = [];
  const probability: number[] = [];
  for (const { labelled } of outcomes) {
    for (let i = 0; i < labelled.label.length; i++) {
      label.push(labelled.label[i]);
      probability.push(labelled.probability[i]);
    }
  }
  return realisedMetrics(label, probability, threshold);
}
