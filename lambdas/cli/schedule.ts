import { Cron } from 'croner';
import { runStateMachine } from '../adapters/local/state-machine-runner.ts';
import type { DataContract } from '../core/contract/contract.ts';
import { CronExpressionError, eventBridgeSchedule, localCronPattern } from '../core/triggers/cron-expression.ts';
import { planTrainingRun } from '../core/triggers/training-starts.ts';
import { readPipelineConfig } from './config-file.ts';
import { CliError, describeError } from './errors.ts';
import type { CliIo } from './io.ts';
import { liveView, stepPrinter } from './live-view.ts';
import { readTrainingDefinition, stepContext, trainingHandlers } from './training-workflow.ts';
import { type RunSummary, summarize } from './run.ts';
import { openWorkspace } from './workspace.ts';

/**
 * `prognos schedule --cron "0 3 * * *"`: the local stand-in for EventBridge's daily schedule. At
 * each tick (UTC) it starts a full retrain over the lake, named `daily-YYYY-MM-DD` by the same
 * starter logic as the AWS trigger (lambdas/core/triggers/training-starts.ts), so a second tick
 * on the same day, or a second scheduler, starts nothing new.
 */

export const DEFAULT_CRON = '0 3 * * *';

export interface ScheduleOptions {
  readonly home: string;
  readonly contract: DataContract;
  /** Five (or six, seconds first) cron fields, or EventBridge's `cron(…)` as in the CDK context; read in UTC. */
  readonly cron: string;
  /** Pipeline settings of each run (as `prognos run --config`). */
  readonly configFile?: string;
}

/** The scheduled full retrain of the day `at` falls on (UTC), run to its end with the live view. */
export async function runScheduledTraining(options: Omit<ScheduleOptions, 'cron'>, at: Date, io: CliIo): Promise<RunSummary> {
  const config = await readPipelineConfig(options.configFile);
  const planned = planTrainingRun({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: at.toISOString() }, config);
  if (planned === undefined) throw new Error('a scheduled event always plans a run');
  const workspace = openWorkspace(options.home, options.contract);
  try {
    const context = stepContext(workspace, options.contract, stepPrinter(io));
    io.err(`scheduled run ${planned.name}: full retrain over the lake\n`);
    const outcome = await runStateMachine({
      definition: readTrainingDefinition(),
      handlers: trainingHandlers(context),
      input: planned.input,
      executionName: planned.name,
      runsDir: workspace.runsDir,
      onEvent: liveView(io),
    });
    if (!outcome.started) io.err(`run ${planned.name} already exists (${outcome.record.status.toLowerCase()}): today's retrain started before\n`);
    io.out(summarize(workspace, outcome.record));
    return { name: planned.name, started: outcome.started, record: outcome.record };
  } finally {
    await workspace.close();
  }
}

/** A running schedule: its cron job, and the run in progress (to wait for on stop). */
export interface Schedule {
  readonly job: Cron;
  /** Stops the ticks and waits for the run in progress. */
  stop(): Promise<void>;
}

/**
 * The cron job: one scheduled retrain per tick, never two at once (a tick during a run is
 * skipped; the day's name would start nothing new anyway). Errors are printed; the schedule goes on.
 * @throws CliError for a pattern croner cannot read
 */
export function startSchedule(options: ScheduleOptions, io: CliIo): Schedule {
  let running: Promise<void> | undefined;
  let job: Cron;
  try {
    job = new Cron(localCronPattern(options.cron), { timezone: 'UTC', protect: () => io.err('a scheduled run is still going: this tick is skipped\n') }, async () => {
      running = runScheduledTraining(options, new Date(), io).then(
        () => undefined,
        (error: unknown) => io.err(`prognos: ${describeError(error).message}\n`),
      );
      await running;
    });
  } catch (error) {
    if (error instanceof CronExpressionError) throw new CliError(`--cron ${error.message}`);
    throw new CliError(`--cron "${options.cron}" is not a cron pattern: ${(error as Error).message}`);
  }
  return {
    job,
    async stop() {
      job.stop();
      await running;
    },
  };
}

/** How the CDK context would say the same schedule, when it converts (a six-field pattern with seconds does not). */
function deployedAs(pattern: string): string {
  try {
    return `; prognos:trainingSchedule ${eventBridgeSchedule(pattern)} in AWS`;
  } catch {
    return '';
  }
}

/** `prognos schedule` until `signal` aborts (Ctrl-C). */
export async function runSchedule(options: ScheduleOptions, io: CliIo, signal: AbortSignal): Promise<void> {
  // A bad settings file fails now, not at the first tick.
  await readPipelineConfig(options.configFile);
  const schedule = startSchedule(options, io);
  io.err(`scheduled full retrain "${schedule.job.getPattern() ?? options.cron}" (UTC${deployedAs(options.cron)}), named daily-YYYY-MM-DD; next at ${schedule.job.nextRun()?.toISOString() ?? 'never'}; Ctrl-C stops\n`);
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  await schedule.stop();
}
