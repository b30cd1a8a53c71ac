import { z } from 'zod';
import { objectStoreItemReader } from '../adapters/local/distributed-map.ts';
import {
  failureText,
  isStaleRunRecord,
  readRunRecord,
  type RunOutcome,
  type RunRecord,
  runStateMachine,
} from '../adapters/local/state-machine-runner.ts';
import type { DataContract } from '../core/contract/contract.ts';
import { readChampion } from '../core/registry/champion.ts';
import type { BatchInput } from '../core/steps/batch/batch-state.ts';
import { type ComputeDriftResult, computeDriftResultSchema } from '../core/steps/batch/compute-drift.ts';
import { startRetrainResultSchema } from '../core/steps/batch/start-retrain.ts';
import { type WriteBatchReportResult, writeBatchReportResultSchema } from '../core/steps/batch/write-batch-report.ts';
import { inferenceExecutionName } from '../core/steps/execution-name.ts';
import { BATCH_STATE_MACHINE, batchHandlers, localTrainingOrchestrator, readBatchDefinition } from './batch-workflow.ts';
import { CliError } from './errors.ts';
import { displayPath, fixed, formatTable } from './format.ts';
import type { CliIo } from './io.ts';
import { readBatchConfig } from './config-file.ts';
import { addCostToOutputs } from './run-cost-outputs.ts';
import { liveView, stepPrinter } from './live-view.ts';
import { meteredStepContext, stepContext } from './training-workflow.ts';
import { costText, summarize as summarizeTraining, trainingRunResult, type TrainingRunJson } from './run.ts';
import { type RunRow, runRow } from './run-row.ts';
import { openWorkspace, type Workspace } from './workspace.ts';
import { LANDING_INFERENCE_PREFIX, PREDICTIONS_PREFIX } from '../core/storage-keys.ts';

/** Options of {@link runInference}. */
export interface InferOptions {
  readonly home: string;
  readonly contract: DataContract;
  /** JSON file with batch settings (drift thresholds, retrainOnDrift, retrainCooldownHours, retrainConfig). */
  readonly configFile?: string;
  /** Print the result as JSON ({@link batchJson}) instead of the summary tables. */
  readonly json?: boolean;
}

/** What `prognos infer` came to, for callers (watch, tests). */
export interface InferSummary {
  readonly name: string;
  /** False when this batch (the same files) already ran: nothing new was started. */
  readonly started: boolean;
  readonly record: RunRecord;
  /** The training runs that drift started, finished. */
  readonly retrains: readonly RunOutcome[];
}

/**
 * A finished batch starts nothing new; one that failed, was aborted or was left RUNNING by a dead
 * process runs again under its name. That is safe: every file already scored returns its marker.
 */
function mustRunAgain(record: RunRecord | undefined): boolean {
  if (record === undefined) return false;
  return record.status === 'FAILED' || record.status === 'ABORTED' || record.status === 'TIMED_OUT' || isStaleRunRecord(record);
}

/**
 * `prognos infer`: batch inference over everything in `landing/inference/`, executed from
 * `statemachines/batch-inference.asl.json`: each file scored with the champion (a file scored
 * before is not scored again), predictions under `lake/predictions/`, drift against the model's
 * training data, the batch report; a drift retrain when the configuration asks for one. The
 * batch is named from the files' keys and content, so the same landing zone twice starts one batch.
 */
export async function runInference(options: InferOptions, io: CliIo): Promise<InferSummary> {
  const workspace = openWorkspace(options.home, options.contract);
  try {
    const config = await readBatchConfig(options.configFile);
    const files = (await workspace.store.list(LANDING_INFERENCE_PREFIX)).map((object) => ({ key: object.key, fingerprint: object.etag }));
    if (files.length === 0) {
      throw new CliError(`nothing to score: ${displayPath(workspace.pathOf(LANDING_INFERENCE_PREFIX))} is empty; add readings with 'npx prognos ingest --inference FILE'`);
    }
    if ((await readChampion(workspace.store)) === undefined) throw new CliError('there is no champion yet: train one with npx prognos run before scoring');
    const name = inferenceExecutionName(files);
    const earlier = await readRunRecord(workspace.runsDir, name);
    const replace = mustRunAgain(earlier);
    if (earlier === undefined || replace) {
      io.err(`batch ${name}: scoring ${files.length} landing file${files.length === 1 ? '' : 's'}${replace ? ` (again: the last attempt ended ${earlier!.status.toLowerCase()})` : ''}\n`);
    }

    const context = stepContext(workspace, options.contract, stepPrinter(io));
    const retrain = localTrainingOrchestrator(workspace, context, liveView(io));
    const input: BatchInput = { batchName: name, config };
    const metered = meteredStepContext(context);
    const outcome = await runStateMachine({
      definition: readBatchDefinition(),
      handlers: batchHandlers({ ...metered.context, retrain }),
      input,
      executionName: name,
      runsDir: workspace.runsDir,
      onEvent: liveView(io),
      // The Distributed Map's listing is Step Functions' S3 request, on the batch's bill.
      itemReaders: objectStoreItemReader(metered.meter.store),
      stateMachineName: BATCH_STATE_MACHINE,
      replace,
      estimateCost: (record) => metered.meter.estimate(record),
    });
    if (!outcome.started) {
      io.err(`batch ${name} already exists (${outcome.record.status.toLowerCase()}, started ${outcome.record.startedAt}): the same inference files start no new batch\n`);
    }
    if (outcome.started) await addCostToOutputs(workspace.store, outcome.record, io);
    if (!options.json) io.out(summarizeInferenceRun(workspace, outcome.record));
    const retrains = await retrain.settled();
    for (const run of retrains) {
      await addCostToOutputs(workspace.store, run.record, io);
      if (!options.json) io.out(summarizeTraining(workspace, run.record));
    }
    if (options.json) io.out(batchJson(workspace, outcome, retrains));

    if (outcome.record.status !== 'SUCCEEDED') {
      throw new CliError(`batch ${name} ${outcome.record.status.toLowerCase()}: ${failureText(outcome.record)}`);
    }
    const failedRetrain = retrains.find((run) => run.record.status !== 'SUCCEEDED');
    if (failedRetrain !== undefined) {
      throw new CliError(`the drift retrain ${failedRetrain.record.name} ${failedRetrain.record.status.toLowerCase()}: ${failureText(failedRetrain.record)}; the champion is unchanged`);
    }
    // Loud, after everything else is written: the other files are scored, these need a person.
    const report = outputSchema.safeParse(outcome.record.output);
    const unusable = outcome.started && report.success ? (report.data.report?.unusable ?? []) : [];
    if (unusable.length > 0) {
      const count = report.data?.report?.files.unusable ?? unusable.length;
      throw new CliError(
        `${count} file(s) could not be scored and are quarantined (the others are scored): ${unusable.slice(0, 3).map((file) => file.reason).join('; ')}${count > 3 ? '; …' : ''}; fix and land them under a new name`,
      );
    }
    return { name, started: outcome.started, record: outcome.record, retrains };
  } finally {
    await workspace.close();
  }
}

const outputSchema = z.looseObject({
  drift: computeDriftResultSchema.optional(),
  report: writeBatchReportResultSchema.optional(),
  retrain: startRetrainResultSchema.optional(),
});

/** What `prognos infer --json` prints: the batch as `prognos runs --json` lists it, what it scored, drift, and the retrains it started. */
export interface BatchRunJson extends RunRow {
  /** False when this batch (the same files) had run before. */
  readonly started: boolean;
  readonly modelVersion: string | null;
  readonly files: WriteBatchReportResult['files'] | null;
  readonly rows: WriteBatchReportResult['rows'] | null;
  /** The files set aside whole, with why (the first few). */
  readonly unusable: WriteBatchReportResult['unusable'];
  readonly drift: Omit<ComputeDriftResult, 'key' | 'modelVersion'> | null;
  /** The folder of the predictions (Parquet, one file per landing file). */
  readonly predictions: string;
  /** The path of the batch's HTML report. */
  readonly report: string | null;
  /** The path of the batch's work list (flagged.csv): every flagged machine, by probability, with its top reasons. */
  readonly workList: string | null;
  /** Realised recall, precision and average precision on the scored rows that carried their label; null when none did. */
  readonly realised: WriteBatchReportResult['realised'];
  readonly costUsd: number | null;
  /** The drift retrains this batch started, each as `prognos run --json` prints a run. */
  readonly retrains: readonly TrainingRunJson[];
}

/** The result of a batch as JSON text (one document, newline-terminated). */
export function batchJson(workspace: Pick<Workspace, 'pathOf'>, outcome: Pick<RunOutcome, 'record' | 'started'>, retrains: readonly RunOutcome[]): string {
  const { record } = outcome;
  const parsed = outputSchema.safeParse(record.status === 'SUCCEEDED' ? record.output : undefined);
  const { report, drift } = parsed.success ? parsed.data : {};
  const result: BatchRunJson = {
    ...runRow(record),
    started: outcome.started,
    modelVersion: report?.modelVersion ?? null,
    files: report?.files ?? null,
    rows: report?.rows ?? null,
    unusable: report?.unusable ?? [],
    drift: drift === undefined ? null : { status: drift.status, note: drift.note, rows: drift.rows, enoughRows: drift.enoughRows, drifted: drift.drifted, features: drift.features, categories: drift.categories, latentVariance: drift.latentVariance, retrain: drift.retrain },
    predictions: displayPath(workspace.pathOf(PREDICTIONS_PREFIX)),
    report: report === undefined ? null : displayPath(workspace.pathOf(report.reportKey)),
    workList: report === undefined ? null : displayPath(workspace.pathOf(report.workListKey)),
    realised: report?.realised ?? null,
    costUsd: record.cost?.totalUsd ?? null,
    retrains: retrains.map((run) => trainingRunResult(workspace, run.record, run.started)),
  };
  return `${JSON.stringify(result, null, 2)}\n`;
}

function share(part: number, whole: number): string {
  return whole === 0 ? '0 %' : `${((100 * part) / whole).toFixed(1)} %`;
}

/** The end-of-batch summary (stdout): files, rows, flagged and review shares, drift per feature, retrain, report. */
export function summarizeInferenceRun(workspace: Pick<Workspace, 'pathOf'>, record: RunRecord): string {
  const parsed = outputSchema.safeParse(record.output);
  if (record.status !== 'SUCCEEDED' || !parsed.success || parsed.data.report === undefined || parsed.data.drift === undefined) {
    return `\nBatch ${record.name}: ${record.status.toLowerCase()}\n${costText(record)}`;
  }
  const { report, drift, retrain } = parsed.data;
  const { files, rows } = report;
  const rowsTable: string[][] = [
    ['batch', `${record.name} (${record.status.toLowerCase()})`],
    // Files in the scored-files ledger are neither read nor counted: only those this batch took up.
    ['files', `${files.listed} not in the ledger: ${files.scored} scored, ${files.duplicates} scored before, ${files.unusable} unusable${files.skipped > 0 ? `, ${files.skipped} skipped` : ''}`],
    ['rows scored', `${rows.scored} of ${rows.read} read; ${rows.quarantined} quarantined`],
    ['flagged', `${rows.flagged} need maintenance (${share(rows.flagged, rows.scored)})`],
    ['to review', rows.review === null ? 'does not apply: the model gives no uncertainty' : `${rows.review} sent to a person (${share(rows.review, rows.scored)})`],
    ['model', report.modelVersion],
  ];
  if (drift.status !== 'computed') rowsTable.push(['drift', drift.note ?? drift.status]);
  else {
    rowsTable.push(['drift', `${drift.drifted ? 'DRIFTED' : 'no drift'} over ${drift.rows} rows${drift.note ? ` (${drift.note})` : ''}`]);
    for (const feature of drift.features) {
      rowsTable.push([`  ${feature.name}`, `PSI ${fixed(feature.psi)}  KS ${fixed(feature.ks)}  ${feature.drifted ? 'drifted' : 'ok'}`]);
    }
    for (const category of drift.categories) {
      rowsTable.push([`  ${category.name}`, `PSI ${fixed(category.psi)} over its levels  χ² p ${fixed(category.pValue, 4)}  ${category.drifted ? 'drifted' : 'ok'}`]);
    }
    const lv = drift.latentVariance;
    if (lv !== null) {
      rowsTable.push(['  uncertainty', `mean latent variance ${fixed(lv.batchMean, 4)} vs ${fixed(lv.referenceMean, 4)} in training (shift ${fixed(lv.relativeShift)})  ${lv.drifted ? 'drifted' : 'ok'}`]);
    }
  }
  rowsTable.push(['retrain', retrain ? `${retrain.executionName} ${retrain.started ? 'started' : 'already started before'}` : drift.retrain.reason]);
  const realised = report.realised;
  if (realised !== null) {
    const shown = (p: typeof realised.recall) => (p === null ? '—' : `${fixed(p.value)} (95 % ${fixed(p.low)}–${fixed(p.high)})`);
    rowsTable.push(['realised', `${realised.labelledRows} labelled rows, ${realised.positives} failed: recall ${shown(realised.recall)}, precision ${shown(realised.precision)}, AP ${realised.averagePrecision === null ? '—' : fixed(realised.averagePrecision)}`]);
  }
  rowsTable.push(['predictions', displayPath(workspace.pathOf(PREDICTIONS_PREFIX))]);
  rowsTable.push(['work list', displayPath(workspace.pathOf(report.workListKey))]);
  rowsTable.push(['report', displayPath(workspace.pathOf(report.reportKey))]);
  return `\n${formatTable(rowsTable, { align: ['left', 'left'] })}${costText(record)}`;
}
