import { LocalOrchestrator } from '../adapters/local/local-orchestrator.ts';
import type { RunEvent } from '../adapters/local/state-machine-runner.ts';
import type { StepContext } from '../core/steps/context.ts';
import type { BatchStepContext } from '../core/steps/batch/batch-state.ts';
import { BATCH_STEPS, type BatchTaskState } from '../core/steps/batch/index.ts';
import { TRAINING_STEPS } from '../core/steps/index.ts';
import { bindSteps, checkFailDrill, drillFor, meteredStepContext, readDefinition, readTrainingDefinition, TRAINING_STATE_MACHINE, trainingHandlers } from './training-workflow.ts';
import type { Workspace } from './workspace.ts';

/**
 * The batch inference state machine's Tasks bound to the local adapters, and the local
 * stand-in for the training workflow that StartRetrain starts. `statemachines/batch-inference.asl.json`
 * is read as it ships.
 */

/** The batch workflow's name in run records and execution ids. */
export const BATCH_STATE_MACHINE = 'batch-inference';

export const BATCH_DEFINITION_URL = new URL('../../statemachines/batch-inference.asl.json', import.meta.url);

export function readBatchDefinition(): unknown {
  return readDefinition(BATCH_DEFINITION_URL);
}

/**
 * Starts training runs in this process (see LocalOrchestrator): StartRetrain's drift retrain runs
 * `statemachines/training.asl.json` with the same steps `prognos run` uses.
 */
export function localTrainingOrchestrator(workspace: Workspace, context: StepContext, onEvent?: (event: RunEvent) => void): LocalOrchestrator {
  // The failure drill names one step of either workflow (batchHandlers checks which); training gets it only if it is one of its own ('' = none).
  const drill = drillFor(process.env.PROGNOS_FAIL_STEP, TRAINING_STEPS) ?? '';
  return new LocalOrchestrator({
    definition: readTrainingDefinition(),
    handlers: trainingHandlers(context, drill),
    // Each retrain has its own meter, so its cost is its own and not the batch's.
    perRun: () => {
      const metered = meteredStepContext(context);
      return { handlers: trainingHandlers(metered.context, drill), estimateCost: (record) => metered.meter.estimate(record) };
    },
    runsDir: workspace.runsDir,
    stateMachineName: TRAINING_STATE_MACHINE,
    ...(onEvent ? { onEvent } : {}),
  });
}

/**
 * `PROGNOS_FAIL_STEP=<Task>` makes that step fail, as in the training workflow's drill; a name that is
 * no step of the batch or of its retrains is refused, as `prognos run` refuses it.
 */
export function batchHandlers(context: BatchStepContext, failStep: string | undefined = process.env.PROGNOS_FAIL_STEP): Record<BatchTaskState, (payload: unknown) => Promise<unknown>> {
  checkFailDrill(failStep, [BATCH_STEPS, TRAINING_STEPS]);
  return bindSteps(BATCH_STEPS, context, drillFor(failStep, BATCH_STEPS));
}
