import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnOrchestrator } from '../../adapters/aws/sfn-orchestrator.ts';
import type { Orchestrator } from '../../core/ports/orchestrator.ts';
import type { BatchStepContext } from '../../core/steps/batch/batch-state.ts';
import { awsStepContext } from './aws-context.ts';
import { readEnvironment, required } from './environment.ts';
import { tracer } from './powertools.ts';

let trainingStateMachine: SfnOrchestrator | undefined;

/** Built on first use: only StartRetrain starts anything, so only it needs STATE_MACHINE_ARN. */
const retrain: Orchestrator = {
  start(name, input) {
    trainingStateMachine ??= new SfnOrchestrator({
      client: tracer.captureAWSv3Client(new SFNClient({})),
      stateMachineArn: required(readEnvironment(), 'STATE_MACHINE_ARN'),
    });
    return trainingStateMachine.start(name, input);
  },
};

/** A batch step's context in a Lambda: the training context plus the training state machine to start retrains on. */
export function awsBatchContext(): BatchStepContext {
  return { ...awsStepContext(), retrain };
}
