import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnOrchestrator } from '../../adapters/aws/sfn-orchestrator.ts';
import type { Orchestrator } from '../../core/ports/orchestrator.ts';
import { readEnvironment, required } from './environment.ts';
import { logger, metrics, tracer } from './powertools.ts';

/** The variables that name a state machine a handler starts: training, batch inference. */
export type StateMachineVariable = 'STATE_MACHINE_ARN' | 'BATCH_STATE_MACHINE_ARN';

/** The container's orchestrator of each state machine, once built (or replaced by a test). */
const built = new Map<StateMachineVariable, Orchestrator>();

/**
 * The state machine whose ARN is in `variable`, as an orchestrator built on its first start: one
 * Step Functions client per container (traced by X-Ray), and the variable read only when
 * something starts, so a handler that starts runs only sometimes (StartRetrain) needs it only
 * then, and a deployment that forgot it fails that start naming the variable.
 * `start` rejects with a TypeError when the variable is not set or not a state machine ARN.
 */
export function stateMachine(variable: StateMachineVariable): Orchestrator {
  return {
    async start(name, input) {
      let orchestrator = built.get(variable);
      if (orchestrator === undefined) {
        orchestrator = new SfnOrchestrator({ client: tracer.captureAWSv3Client(new SFNClient({})), stateMachineArn: required(readEnvironment(), variable) });
        built.set(variable, orchestrator);
      }
      return orchestrator.start(name, input);
    },
  };
}

/** For tests: start this state machine's runs on `replacement` (undefined: Step Functions again, built on the next start). */
export function useStateMachine(variable: StateMachineVariable, replacement: Orchestrator | undefined): void {
  if (replacement === undefined) built.delete(variable);
  else built.set(variable, replacement);
}

/** What a starter's outcome says, whatever started it: a run or not, and the uploads it set aside (one flag, or their reasons). */
export interface StarterOutcome {
  readonly started: boolean;
  readonly ignored: boolean | readonly string[];
}

/**
 * A starter's outcome, logged and counted: `started` (a metric name) when a run started, and
 * UploadsIgnored for the folder markers and non-CSV files it set aside. Those are recorded, not
 * failed: a failure would retry and dead-letter the event, or redeliver the whole upload window.
 * @returns the outcome, as the handler's result
 */
export function recordStart<O extends StarterOutcome>(message: string, started: 'TrainingRunsStarted' | 'BatchRunsStarted', outcome: O): O {
  const logged: StarterOutcome = outcome; // every field is logged; the wider type only satisfies the logger's attribute type
  logger.info(message, { ...logged });
  if (outcome.started) metrics.addMetric(started, MetricUnit.Count, 1);
  const ignored = typeof outcome.ignored === 'boolean' ? Number(outcome.ignored) : outcome.ignored.length;
  if (ignored > 0) metrics.addMetric('UploadsIgnored', MetricUnit.Count, ignored);
  return outcome;
}
