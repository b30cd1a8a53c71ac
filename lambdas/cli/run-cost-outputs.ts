import { z } from 'zod';
import type { RunRecord } from '../adapters/local/run-record.ts';
import type { CostEstimate } from '../core/cost/cost-model.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import { readJson, writeJson } from '../core/registry/model-store.ts';
import { withCostSection } from '../core/report/cost-section.ts';
import type { CliIo } from './io.ts';

/**
 * When a run ends, its cost estimate (in the run record) is also put where its reader looks: the
 * model report of a training run; the batch report and `lake/batches/<batch>/summary.json` of a
 * batch. Their steps ran before the cost was known, so they are updated in place.
 */

const trainingOutputSchema = z.looseObject({ report: z.object({ key: z.string() }) });
const batchOutputSchema = z.looseObject({ report: z.object({ reportKey: z.string(), summaryKey: z.string() }) });

async function addToReport(store: ObjectStore, key: string, cost: CostEstimate): Promise<void> {
  const page = new TextDecoder().decode((await store.get(key)).body);
  await store.put(key, withCostSection(page, cost), { contentType: 'text/html; charset=utf-8' });
}

/**
 * Adds the record's estimate to the run's report (and batch summary). Nothing for a run without an
 * estimate or without a report (one that failed before it). A failure to update is told on
 * stderr, not thrown: the run's own outcome stands.
 */
export async function addCostToOutputs(store: ObjectStore, record: RunRecord, io: CliIo): Promise<void> {
  const cost = record.cost;
  if (cost === undefined || record.status !== 'SUCCEEDED') return;
  try {
    const batch = batchOutputSchema.safeParse(record.output);
    if (batch.success) {
      await addToReport(store, batch.data.report.reportKey, cost);
      const summary = z.looseObject({}).parse(await readJson(store, batch.data.report.summaryKey));
      await writeJson(store, batch.data.report.summaryKey, { ...summary, cost });
      return;
    }
    const training = trainingOutputSchema.safeParse(record.output);
    if (training.success) await addToReport(store, training.data.report.key, cost);
  } catch (error) {
    io.err(`note: the cost estimate of run ${record.name} is in its record, but could not be added to its report: ${(error as Error).message}\n`);
  }
}
