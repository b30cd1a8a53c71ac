import { readFileSync } from 'node:fs';
import { localRunMeter, type RunMeter } from '../adapters/local/run-cost.ts';
import type { DataContract } from '../core/contract/contract.ts';
import type { StepContext, StepProgress } from '../core/steps/context.ts';
import { TRAINING_STEPS, type TrainingTaskState } from '../core/steps/index.ts';
import { killIfDrilledTask } from './drills.ts';
import { CliError } from './errors.ts';
import type { Workspace } from './workspace.ts';
import { SerialLane } from '../adapters/local/serial-lane.ts';
import { FEATURES_PREFIX } from '../core/storage-keys.ts';

/**
 * The training state machine's Tasks bound to the local adapters: what each Lambda does in AWS,
 * done in this process. `statemachines/training.asl.json` is read as it ships.
 */

/** The training workflow's name in run records and execution ids (`prognos runs` shows it as the kind). */
export const TRAINING_STATE_MACHINE = 'training';

export const TRAINING_DEFINITION_URL = new URL('../../statemachines/training.asl.json', import.meta.url);

/** A state machine definition as it ships, from `statemachines/`. */
export function readDefinition(url: URL): unknown {
  return JSON.parse(readFileSync(url, 'utf8'));
}

export function readTrainingDefinition(): unknown {
  return readDefinition(TRAINING_DEFINITION_URL);
}

/**
 * A drill switch: `PROGNOS_FAIL_STEP=Train` makes that step fail as a permanent error would, so
 * an operator (or a test) can watch the failure path leave the champion untouched.
 * `PROGNOS_FAIL_STEP=Promote:PreconditionFailedError` fails it with that error name instead, for
 * the paths a state machine's Catch takes by name (here: a lost promotion race).
 */
export class InjectedFailureError extends Error {
  constructor(
    message: string,
    override readonly name: string = 'InjectedFailureError',
  ) {
    super(message);
  }
}

/** `Step` or `Step:ErrorName` as the drill switch gives it. */
export function parseFailDrill(value: string | undefined): { readonly state: string; readonly errorName?: string } | undefined {
  if (value === undefined || value === '') return undefined;
  const [state, errorName] = value.split(':', 2) as [string, string | undefined];
  return errorName ? { state, errorName } : { state };
}

export function stepContext(workspace: Workspace, contract: DataContract, progress: (event: StepProgress) => void): StepContext {
  return {
    store: workspace.store,
    queries: { query: async (sql) => (await workspace.queries()).query(sql), close: () => workspace.close() },
    contract,
    now: () => new Date(),
    progress,
  };
}

/**
 * One run's meter (run-cost.ts) and the context whose store and queries go through it: the run's
 * S3 requests and Athena bytes, priced in its record when it ends. One per run, so that a drift
 * retrain started from a batch is not counted in the batch.
 */
export function meteredStepContext(context: StepContext): { readonly context: StepContext; readonly meter: RunMeter } {
  const meter = localRunMeter(context.store, context.queries, FEATURES_PREFIX);
  return { context: { ...context, store: meter.store, queries: meter.queries }, meter };
}

/**
 * Each step bound to `context`, keyed by its Task state; the step named `drill` (if any) throws
 * InjectedFailureError instead of running, and the one PROGNOS_KILL_IN_STATE names kills the
 * process (see drills.ts). The steps of one workflow run one at a time (SerialLane).
 */
export function bindSteps<S extends string, C>(
  steps: Readonly<Record<S, (input: unknown, context: C) => Promise<unknown>>>,
  context: C,
  drill: string | undefined,
): Record<S, (payload: unknown) => Promise<unknown>> {
  const lane = new SerialLane();
  const entries = Object.entries<(input: unknown, context: C) => Promise<unknown>>(steps).map(([state, step]) => [
    state,
    (payload: unknown) =>
      lane.run(async () => {
        killIfDrilledTask(state);
        const failure = parseFailDrill(drill);
        if (state === failure?.state) throw new InjectedFailureError(`${state} failed on purpose (PROGNOS_FAIL_STEP=${drill})`, failure.errorName);
        return step(payload, context);
      }),
  ]);
  return Object.fromEntries(entries) as Record<S, (payload: unknown) => Promise<unknown>>;
}

/** A PROGNOS_FAIL_STEP that names no step of the workflows a command runs: a typo must not pass for a drill that ran. */
export class UnknownDrillStepError extends CliError {
  override readonly name = 'UnknownDrillStepError' as const;
}

/**
 * The one check of the drill switch, for every command that runs a workflow: the step it names
 * (before any `:ErrorName`) must be a Task of one of `workflows` (a batch also runs drift retrains,
 * so it takes the training steps too).
 * @throws UnknownDrillStepError listing the steps it could name
 */
export function checkFailDrill(failStep: string | undefined, workflows: readonly Readonly<Record<string, unknown>>[]): void {
  const state = parseFailDrill(failStep)?.state;
  if (state === undefined) return;
  const steps = [...new Set(workflows.flatMap((steps) => Object.keys(steps)))];
  if (!steps.includes(state)) throw new UnknownDrillStepError(`PROGNOS_FAIL_STEP=${failStep} names no step; the steps are ${steps.join(', ')}`);
}

/** The drill when it names one of `steps`, else undefined (it is for another workflow of the same command). */
export function drillFor(failStep: string | undefined, steps: Readonly<Record<string, unknown>>): string | undefined {
  const state = parseFailDrill(failStep)?.state;
  return state !== undefined && state in steps ? failStep : undefined;
}

export function trainingHandlers(context: StepContext, failStep: string | undefined = process.env.PROGNOS_FAIL_STEP): Record<TrainingTaskState, (payload: unknown) => Promise<unknown>> {
  checkFailDrill(failStep, [TRAINING_STEPS]);
  return bindSteps(TRAINING_STEPS, context, failStep);
}
