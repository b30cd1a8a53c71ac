import { z } from 'zod';
import { driftReportSchema } from '../../drift/schemas.ts';
import { isGpManifest } from '../../ml/artifact.ts';
import { reviewLevelOf } from '../../ml/review.ts';
import { readChampion } from '../../registry/champion.ts';
import { loadManifest, readJson, writeJson } from '../../registry/model-store.ts';
import { renderBatchReport } from '../../report/batch-report.ts';
import type { BatchFile, BatchReportData } from '../../report/batch-report-data.ts';
import { emptyScoreHistogram, mergeScoreHistograms } from '../../report/batch-score-histogram.ts';
import type { StepContext } from '../context.ts';
import { parseStepInput } from '../run-state.ts';
import { batchTotals, newInBatch, readBatchFiles } from './batch-files.ts';
import { BATCH_REPORTS_PREFIX, BATCHES_PREFIX, batchInputSchema, type ScoreFileResult } from './batch-state.ts';
import { trainingReferenceOf } from './champion-model.ts';
import { computeDriftResultSchema, driftKey } from './compute-drift.ts';
import { NoChampionError } from './errors.ts';

/**
 * WriteBatchReport: the batch's one-file HTML report beside the predictions
 * (`lake/predictions/reports/<batch>.html`, outside the table's `dt=` partitions) and its
 * `lake/batches/<batch>/summary.json`: every file with what became of it, the row counts, the
 * drift verdict and the retrain decision.
 */

/** At most this many unusable files are named in the result (the summary names them all). */
const UNUSABLE_LISTED = 20;

export const writeBatchReportResultSchema = z.object({
  reportKey: z.string(),
  summaryKey: z.string(),
  modelVersion: z.string(),
  files: z.object({ listed: z.int(), scored: z.int(), duplicates: z.int(), unusable: z.int(), skipped: z.int() }),
  rows: z.object({ read: z.int(), scored: z.int(), quarantined: z.int(), flagged: z.int(), review: z.int() }),
  /** The files this batch found unusable, with the reason (the first few). */
  unusable: z.array(z.object({ key: z.string(), reason: z.string() })),
});

export type WriteBatchReportResult = z.infer<typeof writeBatchReportResultSchema>;

export function batchReportKey(batchName: string): string {
  return `${BATCH_REPORTS_PREFIX}${batchName}.html`;
}

export function batchSummaryKey(batchName: string): string {
  return `${BATCHES_PREFIX}${batchName}/summary.json`;
}

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
    ...totals,
    drift,
    files: described.map((file, i) => ({ ...file, predictionsKey: entries[i].predictionsKey, quarantineKey: entries[i].quarantineKey, firstBatch: entries[i].batchName })),
  });
  context.progress({ kind: 'message', text: `batch report: ${reportKey}` });
  return { reportKey, summaryKey, modelVersion, ...totals, unusable: unusable.slice(0, UNUSABLE_LISTED) };
}
