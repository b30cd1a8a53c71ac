import { objectStoreItemReader } from '../adapters/local/distributed-map.ts';
import {
  ExecutionDoesNotExistError,
  ExecutionNotRedrivableError,
  failureText,
  listRunRecords,
  readRunRecord,
  redriveStateMachine,
  type RunRecord,
} from '../adapters/local/state-machine-runner.ts';
import type { DataContract } from '../core/contract/contract.ts';
import { BATCH_STATE_MACHINE, batchHandlers, localTrainingOrchestrator, readBatchDefinition } from './batch-workflow.ts';
import { withKillDrill } from './drills.ts';
import { CliError } from './errors.ts';
import { formatTable } from './format.ts';
import { summarizeInferenceRun } from './infer.ts';
import type { CliIo } from './io.ts';
import { liveView, stepPrinter } from './live-view.ts';
import { meteredStepContext, readTrainingDefinition, stepContext, TRAINING_STATE_MACHINE, trainingHandlers } from './training-workflow.ts';
import { retryCommand, summarize as summarizeTraining } from './run.ts';
import { type RunRow, runRow, workflowOf } from './run-row.ts';
import { addCostToOutputs } from './run-cost-outputs.ts';
import { openWorkspace } from './workspace.ts';

/**
 * `prognos runs`: the runs kept under `<home>/runs/` (what Step Functions' execution list shows in
 * AWS), and `prognos runs retry NAME`: RedriveExecution on the local runner.
 */

export interface RunsOptions {
  readonly home: string;
  readonly contract: DataContract;
  readonly json?: boolean;
}

function duration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** `prognos runs`: every run, oldest first; `--json` prints the rows as JSON. */
export async function runList(options: RunsOptions, io: CliIo): Promise<RunRow[]> {
  const workspace = openWorkspace(options.home, options.contract);
  try {
    const { records, unreadable } = await listRunRecords(workspace.runsDir);
    const rows = records.map((record) => runRow(record));
    if (options.json) {
      io.out(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (rows.length === 0) {
      io.err(`no runs yet under ${workspace.runsDir}\n`);
    } else {
      const table = [['name', 'kind', 'mode', 'status', 'started', 'duration', 'result', 'failure']];
      for (const row of rows) {
        const status = row.redriveCount > 0 ? `${row.status} (redriven ${row.redriveCount}×)` : row.status;
        table.push([row.name, row.kind, row.mode ?? '', status, row.startedAt, duration(row.durationMs), row.result ?? '', row.failure ?? '']);
      }
      io.out(formatTable(table, { align: ['left', 'left', 'left', 'left', 'left', 'right', 'left', 'left'] }));
      const retryable = rows.filter((row) => ['failed', 'aborted', 'timed_out', 'stale'].includes(row.status));
      if (retryable.length > 0) io.err(`\n${retryable.length} run(s) did not succeed; continue one from where it failed with '${retryCommand(retryable.at(-1)!.name)}'\n`);
    }
    for (const file of unreadable) io.err(`unreadable run record ${file.file}: ${file.reason} (see 'npx prognos doctor')\n`);
    return rows;
  } finally {
    await workspace.close();
  }
}

export interface RetryOptions {
  readonly home: string;
  readonly contract: DataContract;
  readonly name: string;
}

/**
 * `prognos runs retry NAME`: continues a failed, aborted, timed-out or stale run from the state
 * that did not succeed, reusing the recorded outputs of the states that did (see
 * redriveStateMachine). The run keeps its name and its record, which counts the redrive.
 * @throws CliError when there is no such run, it cannot be redriven, or the redrive did not succeed
 */
export async function runRetry(options: RetryOptions, io: CliIo): Promise<RunRecord> {
  const workspace = openWorkspace(options.home, options.contract);
  try {
    const record = await readRunRecord(workspace.runsDir, options.name);
    if (record === undefined) throw new CliError(`there is no run named ${options.name}; see 'npx prognos runs'`);
    const context = stepContext(workspace, options.contract, stepPrinter(io));
    const onEvent = withKillDrill(liveView(io));
    // The redrive's own S3 requests and queries, added to the earlier attempts' in the record's estimate.
    const metered = meteredStepContext(context);
    const common = { executionName: options.name, runsDir: workspace.runsDir, onEvent, estimateCost: (run: RunRecord) => metered.meter.estimate(run) };
    let redriven: RunRecord;
    try {
      const kind = workflowOf(record);
      if (kind === TRAINING_STATE_MACHINE) {
        redriven = await redriveStateMachine({ ...common, definition: readTrainingDefinition(), handlers: trainingHandlers(metered.context) });
        await addCostToOutputs(workspace.store, redriven, io);
        io.out(summarizeTraining(workspace, redriven));
      } else if (kind === BATCH_STATE_MACHINE) {
        const retrain = localTrainingOrchestrator(workspace, context, liveView(io));
        redriven = await redriveStateMachine({
          ...common,
          definition: readBatchDefinition(),
          handlers: batchHandlers({ ...metered.context, retrain }),
          itemReaders: objectStoreItemReader(metered.meter.store),
        });
        await addCostToOutputs(workspace.store, redriven, io);
        io.out(summarizeInferenceRun(workspace, redriven));
        for (const run of await retrain.settled()) {
          await addCostToOutputs(workspace.store, run.record, io);
          io.out(summarizeTraining(workspace, run.record));
        }
      } else {
        throw new CliError(`run ${options.name} is of a workflow this command does not know (${record.stateMachine})`);
      }
    } catch (error) {
      if (error instanceof ExecutionNotRedrivableError || error instanceof ExecutionDoesNotExistError) throw new CliError(error.message);
      throw error;
    }
    const redrive = redriven.redrives?.at(-1);
    io.err(`run ${redriven.name}: redrive ${redriven.redriveCount ?? 1} from ${redrive?.fromState ?? 'the start'} ${redriven.status.toLowerCase()}\n`);
    if (redriven.status !== 'SUCCEEDED') {
      throw new CliError(`run ${redriven.name} ${redriven.status.toLowerCase()} again: ${failureText(redriven)}; retry it once the cause is fixed with '${retryCommand(redriven.name)}'`);
    }
    return redriven;
  } finally {
    await workspace.close();
  }
}
