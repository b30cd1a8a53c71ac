import { z } from 'zod';
import { categoryColumnsOf } from '../../drift/categories.ts';
import { driftFromSummary } from '../../drift/drift.ts';
import { mergeSummaries } from '../../drift/summary.ts';
import type { BatchSummary, DriftReport } from '../../drift/types.ts';
import { contractOf, loadManifest, writeJson } from '../../registry/model-store.ts';
import type { StepContext } from '../context.ts';
import { driftRetrainExecutionName } from '../execution-name.ts';
import { parseStepInput } from '../run-state.ts';
import { newInBatch, readBatchFiles } from './batch-files.ts';
import { type BatchConfig, batchInputSchema } from './batch-state.ts';
import { trainingReferenceOf } from './champion-model.ts';
import { claimRetrain } from './retrain-cooldown.ts';
import { driftKey } from '../../storage-keys.ts';

/**
 * ComputeDrift: merges the drift summaries of the files this batch scored, compares them with
 * the training reference of the model that scored them, writes `lake/batches/<batch>/drift.json`
 * (the full report, bins included, for the batch report), and decides whether drift asks for a
 * retrain: only when `config.retrainOnDrift` is on and no drift retrain was requested within
 * `config.retrainCooldownHours` (see retrain-cooldown.ts). The result carries the numbers a
 * monitor wants (locally in the run record, in AWS as CloudWatch metrics).
 */

export const computeDriftResultSchema = z.object({
  key: z.string(),
  /** computed; no-rows: nothing new was scored; no-reference: the model has no training reference. */
  status: z.enum(['computed', 'no-rows', 'no-reference']),
  /** Why there is no verdict, or what was left out of it; null when there is nothing to say. */
  note: z.string().nullable(),
  modelVersion: z.string().nullable(),
  /** Scored rows compared with the reference. */
  rows: z.int().nonnegative(),
  /** false: fewer rows than config.drift.minRows, so nothing counts as drifted. */
  enoughRows: z.boolean(),
  drifted: z.boolean(),
  features: z.array(z.object({ name: z.string(), psi: z.number(), ks: z.number(), meanShift: z.number(), drifted: z.boolean() })),
  /** Categorical inputs: PSI over their levels and the χ² p-value of the level counts. */
  categories: z.array(z.object({ name: z.string(), psi: z.number(), pValue: z.number(), drifted: z.boolean() })),
  latentVariance: z.object({ referenceMean: z.number(), batchMean: z.number(), relativeShift: z.number(), drifted: z.boolean() }).nullable(),
  retrain: z.object({ requested: z.boolean(), executionName: z.string().nullable(), reason: z.string() }),
});

export type ComputeDriftResult = z.infer<typeof computeDriftResultSchema>;

/** What `drift.json` holds. */
export interface DriftRecord {
  readonly batchName: string;
  readonly computedAt: string;
  readonly status: ComputeDriftResult['status'];
  readonly note: string | null;
  readonly modelVersion: string | null;
  /** The landing keys whose rows are in the statistics. */
  readonly files: readonly string[];
  readonly report: DriftReport | null;
  readonly retrain: ComputeDriftResult['retrain'];
}

interface Scored {
  readonly key: string;
  readonly modelVersion: string;
  readonly drift: BatchSummary | null;
  readonly rowsScored: number;
}

/** The model that scored most of the rows; files scored by another (a promotion mid-batch) are left out of the comparison. */
function majorityVersion(files: readonly Scored[]): string | undefined {
  const rows = new Map<string, number>();
  for (const file of files) rows.set(file.modelVersion, (rows.get(file.modelVersion) ?? 0) + file.rowsScored);
  return [...rows].sort(([va, a], [vb, b]) => b - a || (va < vb ? 1 : -1))[0]?.[0];
}

export async function computeDrift(input: unknown, context: StepContext): Promise<ComputeDriftResult> {
  const { batchName, config } = parseStepInput('ComputeDrift', batchInputSchema, input);
  const key = driftKey(batchName);
  const now = context.now();
  const scored: Scored[] = newInBatch(await readBatchFiles(context.store, batchName), batchName)
    .filter((entry) => entry.status === 'scored' && entry.modelVersion !== null)
    .map((entry) => ({ key: entry.key, modelVersion: entry.modelVersion!, drift: entry.drift, rowsScored: entry.rowsScored }));

  const version = majorityVersion(scored);
  const noRetrain = (reason: string): ComputeDriftResult['retrain'] => ({ requested: false, executionName: null, reason });
  const finish = async (result: ComputeDriftResult, report: DriftReport | null, files: readonly string[]): Promise<ComputeDriftResult> => {
    const record: DriftRecord = { batchName, computedAt: now.toISOString(), status: result.status, note: result.note, modelVersion: result.modelVersion, files, report, retrain: result.retrain };
    await writeJson(context.store, key, record);
    context.progress({ kind: 'message', text: `drift: ${result.note ?? (result.drifted ? 'drifted' : 'no drift')}; retrain: ${result.retrain.reason}` });
    return result;
  };
  const without = (status: ComputeDriftResult['status'], note: string): ComputeDriftResult => ({
    key,
    status,
    note,
    modelVersion: version ?? null,
    rows: 0,
    enoughRows: false,
    drifted: false,
    features: [],
    categories: [],
    latentVariance: null,
    retrain: noRetrain('no drift verdict'),
  });

  if (version === undefined) return finish(without('no-rows', 'no new rows were scored in this batch: nothing to compare'), null, []);
  const mine = scored.filter((file) => file.modelVersion === version);
  const others = scored.length - mine.length;
  const manifest = await loadManifest(context.store, version);
  const reference = trainingReferenceOf(manifest.extra?.trainingReference, version);
  const summaries = mine.map((file) => file.drift).filter((summary): summary is BatchSummary => summary !== null);
  if (reference === undefined || summaries.length === 0) {
    return finish(without('no-reference', `model ${version} carries no training reference (trained before drift monitoring): drift not computed`), null, []);
  }
  // The model's own contract says which inputs are categorical (their one-hot columns drift as level shares).
  const categories = categoryColumnsOf(contractOf(manifest, context.contract));
  const report = driftFromSummary(reference, summaries.reduce(mergeSummaries), config.drift, categories);
  const retrain = await decideRetrain(context, config, batchName, version, report.drifted, now);
  const notes = [
    ...(report.enoughRows ? [] : [`not enough rows: ${report.rows} scored, drift is judged from ${report.thresholds.minRows}`]),
    ...(others > 0 ? [`${others} file(s) scored by another model version are not in the comparison`] : []),
  ];
  const note = notes.length === 0 ? null : notes.join('; ');
  return finish(
    {
      key,
      status: 'computed',
      note,
      modelVersion: version,
      rows: report.rows,
      enoughRows: report.enoughRows,
      drifted: report.drifted,
      features: report.features.map(({ name, psi, ks, meanShift, drifted }) => ({ name, psi, ks, meanShift, drifted })),
      categories: report.categories.map(({ name, psi, pValue, drifted }) => ({ name, psi, pValue, drifted })),
      latentVariance: report.latentVariance,
      retrain,
    },
    report,
    mine.map((file) => file.key),
  );
}

async function decideRetrain(context: StepContext, config: BatchConfig, batchName: string, modelVersion: string, drifted: boolean, now: Date): Promise<ComputeDriftResult['retrain']> {
  if (!drifted) return { requested: false, executionName: null, reason: 'no drift' };
  if (!config.retrainOnDrift) return { requested: false, executionName: null, reason: 'drift, but retrainOnDrift is off: a person decides' };
  const executionName = driftRetrainExecutionName(batchName);
  const decision = await claimRetrain(context.store, { batchName, executionName, requestedAt: now.toISOString(), modelVersion }, config.retrainCooldownHours);
  if (decision.claimed) return { requested: true, executionName, reason: `drift: full retrain ${executionName} requested` };
  return {
    requested: false,
    executionName: null,
    reason: `drift, but within the cooldown: ${decision.previous.executionName} was requested at ${decision.previous.requestedAt}; next one possible after ${decision.until}`,
  };
}
