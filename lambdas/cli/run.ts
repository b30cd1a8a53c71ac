import { z } from 'zod';
import { failureText, readRunRecord, runStateMachine, type RunRecord, shownStatus } from '../adapters/local/state-machine-runner.ts';
import type { DataContract } from '../core/contract/contract.ts';
import { costLines, costTotalText } from '../core/cost/cost-lines.ts';
import { readChampionState } from '../core/registry/champion.ts';
import { trainingExecutionName } from '../core/steps/execution-name.ts';
import type { RunInput, TrainingMode } from '../core/steps/run-state.ts';
import { CliError } from './errors.ts';
import { displayPath, fixed, formatTable } from './format.ts';
import type { CliIo } from './io.ts';
import { readPipelineConfig } from './config-file.ts';
import { addCostToOutputs } from './run-cost-outputs.ts';
import { meteredStepContext, readTrainingDefinition, stepContext, TRAINING_STATE_MACHINE, trainingHandlers } from './training-workflow.ts';
import { withKillDrill } from './drills.ts';
import { runView } from './terminal-view.ts';
import { type RunRow, runRow } from './run-row.ts';
import { openWorkspace, type Workspace } from './workspace.ts';
import { LANDING_TRAINING_PREFIX } from '../core/storage-keys.ts';

/** Options of {@link runTraining}. */
export interface RunOptions {
  readonly home: string;
  readonly contract: DataContract;
  /** @default refit when there is a champion, else full */
  readonly mode?: TrainingMode;
  /** JSON file with pipeline settings (see PipelineConfig); defaults for the rest. */
  readonly configFile?: string;
  /** The run's date (`YYYY-MM-DD`): the training window ends on it. @default today (UTC) */
  readonly date?: string;
  /** Print the result as JSON ({@link runJson}) instead of the summary table. */
  readonly json?: boolean;
}

/** What a run came to, for the summary and for callers (the demo, tests). */
export interface RunSummary {
  readonly name: string;
  /** False when a run with this name (the same files and settings) had already succeeded: nothing new was started. */
  readonly started: boolean;
  readonly record: RunRecord;
}

async function landingFiles(workspace: Workspace): Promise<{ key: string; fingerprint: string }[]> {
  return (await workspace.store.list(LANDING_TRAINING_PREFIX)).map((object) => ({ key: object.key, fingerprint: object.etag }));
}

/** The command that continues a run from where it failed. */
export function retryCommand(name: string): string {
  return `npx prognos runs retry ${name}`;
}

/**
 * `prognos run`: the training workflow over what is in `landing/training/`, executed from
 * `statemachines/training.asl.json`. The run's name comes from the files' keys and content and
 * the settings asked for (mode, configuration), so the same landing zone with the same settings
 * twice starts one run, and other settings start another. A run that exists already is reported:
 * succeeded (exit 0), or failed, aborted or stale with the command that retries it (exit 1).
 * @throws CliError when the run did not succeed (now or before)
 */
export async function runTraining(options: RunOptions, io: CliIo): Promise<RunSummary> {
  const workspace = openWorkspace(options.home, options.contract);
  try {
    const config = await readPipelineConfig(options.configFile);
    const files = await landingFiles(workspace);
    if (files.length === 0) {
      throw new CliError(`nothing to train on: ${displayPath(workspace.pathOf(LANDING_TRAINING_PREFIX))} is empty; add readings with 'npx prognos ingest FILE'`);
    }
    // The settings as asked for: "auto" mode stays "auto", so a second run after a promotion is the same run.
    const name = trainingExecutionName(files, { mode: options.mode ?? 'auto', config });
    const earlier = await readRunRecord(workspace.runsDir, name);
    if (earlier !== undefined) return reportEarlierRun(workspace, earlier, io, options.json);

    // An unreadable champion.json does not stop the run: Train falls back to full and says why.
    const champion = await readChampionState(workspace.store);
    const mode = options.mode ?? (champion.kind === 'readable' ? 'refit' : 'full');
    const input: RunInput = {
      runName: name,
      runDate: options.date ?? new Date().toISOString().slice(0, 10),
      mode,
      files: files.map((file) => file.key),
      config,
    };
    const view = runView(io);
    const { context, meter } = meteredStepContext(stepContext(workspace, options.contract, view.onProgress));
    io.err(`run ${name}: ${mode} training over ${files.length} landing file${files.length === 1 ? '' : 's'}\n`);
    const outcome = await runStateMachine({
      definition: readTrainingDefinition(),
      handlers: trainingHandlers(context),
      input,
      executionName: name,
      runsDir: workspace.runsDir,
      stateMachineName: TRAINING_STATE_MACHINE,
      onEvent: withKillDrill(view.onEvent),
      estimateCost: (record) => meter.estimate(record),
    }).finally(() => view.close());
    // Another process started the same run a moment before this one.
    if (!outcome.started) return reportEarlierRun(workspace, outcome.record, io, options.json);
    await addCostToOutputs(workspace.store, outcome.record, io);
    io.out(options.json ? runJson(workspace, outcome.record, true) : summarize(workspace, outcome.record));
    if (outcome.record.status !== 'SUCCEEDED') {
      const version = champion.kind === 'readable' ? champion.current.pointer.version : undefined;
      throw new CliError(
        `run ${name} ${outcome.record.status.toLowerCase()}: ${failureText(outcome.record)}; the champion is unchanged (${version ?? 'none yet'}); retry it from where it failed with '${retryCommand(name)}'`,
      );
    }
    return { name, started: true, record: outcome.record };
  } finally {
    await workspace.close();
  }
}

/**
 * A run with this name exists: a success is reported as such; anything else is an error that
 * says how to go on.
 * @throws CliError unless it succeeded
 */
function reportEarlierRun(workspace: Workspace, record: RunRecord, io: CliIo, json = false): RunSummary {
  const status = shownStatus(record);
  const when = `started ${record.startedAt}`;
  // JSON always describes the run, whatever became of it; the table only a success.
  if (json) io.out(runJson(workspace, record, false));
  if (status === 'SUCCEEDED') {
    io.err(`run ${record.name} already succeeded (${when}): the same landing files start no new training run (with the same mode and configuration)\n`);
    if (!json) io.out(summarize(workspace, record));
    return { name: record.name, started: false, record };
  }
  if (status === 'RUNNING') {
    throw new CliError(`run ${record.name} is already running (${when}, pid ${record.runner.pid} on ${record.runner.hostname}); wait for it, or see 'npx prognos runs'`);
  }
  const why = status === 'STALE' ? `was left running by a process that ended (pid ${record.runner.pid})` : `${status.toLowerCase()}: ${failureText(record)}`;
  throw new CliError(`run ${record.name} (${when}) ${why}; retry it from where it failed with '${retryCommand(record.name)}'`);
}

const outputSchema = z.looseObject({
  ingest: z.array(z.object({ key: z.string(), rowsRead: z.number(), rowsValid: z.number(), rowsQuarantined: z.number(), status: z.string(), reason: z.string().nullish() })).optional(),
  trainingSet: z
    .object({
      rows: z.number(),
      positives: z.number(),
      accounting: z.object({ readings: z.number(), unlabelled: z.number(), invalidDerived: z.number(), replaced: z.number() }).optional(),
      dataRange: z.object({ basis: z.string(), from: z.string(), to: z.string() }).nullable().optional(),
    })
    .optional(),
  split: z.object({ trainRows: z.number(), holdoutRows: z.number(), holdoutRowsAvailable: z.number().optional() }).optional(),
  train: z
    .object({
      version: z.string(),
      mode: z.string(),
      /** Why the run trained in another mode than it asked for (a refit that had to be full). */
      modeNote: z.string().nullish(),
      fitSeconds: z.number(),
      // Absent from runs recorded before Train reported its model and rows.
      model: z.string().optional(),
      round: z.number().optional(),
      trainRows: z.number().optional(),
      trainRowsAvailable: z.number().optional(),
      modelReason: z.string().optional(),
    })
    .optional(),
  evaluation: z
    .object({
      challenger: z.object({ recall: z.number(), precision: z.number(), averagePrecision: z.number(), rocAuc: z.number(), threshold: z.number() }),
      champion: z.object({ version: z.string(), recall: z.number(), precision: z.number(), averagePrecision: z.number(), rocAuc: z.number(), threshold: z.number() }).nullable(),
      // Absent from runs recorded before the challengers.
      candidates: z
        .array(z.looseObject({ status: z.string(), kind: z.string(), fitSeconds: z.number().optional(), holdout: z.looseObject({ averagePrecision: z.number() }).optional() }))
        .optional(),
      pick: z.object({ version: z.string(), kind: z.string(), reason: z.string() }).optional(),
    })
    .optional(),
  gate: z.object({ promote: z.boolean(), summary: z.string() }).optional(),
  report: z.object({ key: z.string() }).optional(),
  promotion: z.object({ champion: z.string() }).optional(),
});

/** What `prognos run --json` prints: the run as `prognos runs --json` lists it, and what each step came to. */
export interface TrainingRunJson extends RunRow {
  /** False when the run existed already (the same landing files and settings). */
  readonly started: boolean;
  readonly ingest: z.infer<typeof outputSchema>['ingest'] | null;
  readonly trainingSet: z.infer<typeof outputSchema>['trainingSet'] | null;
  readonly split: z.infer<typeof outputSchema>['split'] | null;
  readonly train: z.infer<typeof outputSchema>['train'] | null;
  readonly evaluation: z.infer<typeof outputSchema>['evaluation'] | null;
  readonly gate: z.infer<typeof outputSchema>['gate'] | null;
  /** The version this run promoted; null when it promoted none. */
  readonly promoted: string | null;
  /** The path of the model's HTML report. */
  readonly report: string | null;
  /** The run's cost in AWS at list prices, in US dollars (see `prognos runs`); null for older records. */
  readonly costUsd: number | null;
}

/** The result of a training run as JSON text (one document, newline-terminated). */
export function runJson(workspace: Pick<Workspace, 'pathOf'>, record: RunRecord, started: boolean): string {
  return `${JSON.stringify(trainingRunResult(workspace, record, started), null, 2)}\n`;
}

/** The result of a training run, as `prognos run --json` prints it. */
export function trainingRunResult(workspace: Pick<Workspace, 'pathOf'>, record: RunRecord, started: boolean): TrainingRunJson {
  const parsed = outputSchema.safeParse(record.status === 'SUCCEEDED' ? record.output : undefined);
  const out = parsed.success ? parsed.data : {};
  return {
    ...runRow(record),
    started,
    ingest: out.ingest ?? null,
    trainingSet: out.trainingSet ?? null,
    split: out.split ?? null,
    train: out.train ?? null,
    evaluation: out.evaluation ?? null,
    gate: out.gate ?? null,
    promoted: out.promotion?.champion ?? null,
    report: out.report ? displayPath(workspace.pathOf(out.report.key)) : null,
    costUsd: record.cost?.totalUsd ?? null,
  };
}

/** The end-of-run summary (stdout): rows in and quarantined, metrics, decision, champion, report. */
export function summarize(workspace: Pick<Workspace, 'pathOf'>, record: RunRecord): string {
  const parsed = outputSchema.safeParse(record.status === 'SUCCEEDED' ? record.output : record.input);
  if (!parsed.success || record.status !== 'SUCCEEDED') return `\nRun ${record.name}: ${record.status.toLowerCase()}\n${costText(record)}`;
  const out = parsed.data;
  const files = out.ingest ?? [];
  const rows: string[][] = [
    ['run', `${record.name} (${record.status.toLowerCase()})`],
    ['rows ingested', `${files.reduce((s, f) => s + f.rowsValid, 0)} valid of ${files.reduce((s, f) => s + f.rowsRead, 0)} read from ${files.length} file(s)`],
    ['rows quarantined', String(files.reduce((s, f) => s + f.rowsQuarantined, 0))],
  ];
  // Files set aside whole (unusable, or edited after ingest); each reason names its file.
  for (const file of files.filter((f) => f.status === 'quarantined')) rows.push(['file set aside', file.reason ?? `${file.key} (see lake/quarantine/files/)`]);
  if (out.trainingSet && out.split) {
    const { holdoutRows, holdoutRowsAvailable = holdoutRows } = out.split;
    const holdout = holdoutRowsAvailable > holdoutRows ? `${holdoutRows} of ${holdoutRowsAvailable} holdout scored (config.maxHoldoutRows)` : `${holdoutRows} holdout`;
    rows.push(['training set', `${out.trainingSet.rows} rows, ${out.trainingSet.positives} needing maintenance; ${out.split.trainRows} train / ${holdout}`]);
    const { accounting, dataRange } = out.trainingSet;
    if (accounting !== undefined) {
      const left = [
        [accounting.replaced, 'replaced by a later reading of the same id'],
        [accounting.unlabelled, 'unlabelled'],
        [accounting.invalidDerived, 'with a derived value out of range'],
      ] as const;
      const parts = left.filter(([count]) => count > 0).map(([count, why]) => `${count} ${why}`);
      if (parts.length > 0) rows.push(['readings left out', `${parts.join(', ')} (of ${accounting.readings} in the window)`]);
    }
    if (dataRange) rows.push(['data span', `${dataRange.from.slice(0, 10)} … ${dataRange.to.slice(0, 10)} (by ${dataRange.basis})`]);
  }
  if (out.train) {
    const { train } = out;
    const rounds = train.round === undefined ? '' : `, ${train.round} Train round${train.round === 1 ? '' : 's'}`;
    rows.push(['model', `${train.version} (${train.mode}, fit ${fixed(train.fitSeconds, 1)} s${rounds})`]);
    if (train.modeNote) rows.push(['mode', train.modeNote]);
    if (train.trainRows !== undefined && train.trainRowsAvailable !== undefined) {
      rows.push(['rows trained', `${train.trainRows} of ${train.trainRowsAvailable}: ${train.modelReason ?? ''}`]);
    }
  }
  if (out.evaluation) {
    const { challenger: c, candidates, pick } = out.evaluation;
    if (candidates && candidates.length > 1) {
      const each = candidates.map((row) => (row.status === 'trained' && row.holdout ? `${row.kind} ${fixed(row.holdout.averagePrecision)}` : `${row.kind} failed`));
      rows.push(['models (AP)', each.join(', ')]);
    }
    if (pick) rows.push(['picked', `${pick.kind} ${pick.version}: ${pick.reason}`]);
    rows.push(['holdout', `recall ${fixed(c.recall)}  precision ${fixed(c.precision)}  avg precision ${fixed(c.averagePrecision)}  ROC AUC ${fixed(c.rocAuc)}  threshold ${fixed(c.threshold, 4)}`]);
    const champion = out.evaluation.champion;
    if (champion) rows.push(['champion on it', `recall ${fixed(champion.recall)}  precision ${fixed(champion.precision)}  avg precision ${fixed(champion.averagePrecision)}  (${champion.version})`]);
  }
  if (out.gate) rows.push(['gate', out.gate.summary]);
  rows.push(['champion', out.promotion ? `${out.promotion.champion} (promoted by run ${record.name})` : 'unchanged by this run']);
  if (out.report) rows.push(['report', displayPath(workspace.pathOf(out.report.key))]);
  return `\n${formatTable(rows, { align: ['left', 'left'] })}${costText(record)}`;
}

/** The run's cost estimate as a small table (nothing for a record without one). */
export function costText(record: Pick<RunRecord, 'cost'>): string {
  if (record.cost === undefined) return '';
  const rows = costLines(record.cost).map((line) => [`  ${line.service}`, line.usage, line.usd]);
  return `  cost in AWS  ${costTotalText(record.cost)}\n${formatTable(rows, { align: ['left', 'left', 'right'] })}`;
}
