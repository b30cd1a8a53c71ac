import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnOrchestrator } from '../adapters/aws/sfn-orchestrator.ts';
import type { BatchStepContext } from '../core/steps/batch/batch-state.ts';
import { awsStepContext } from './aws-context.ts';
import { readEnvironment, required } from './environment.ts';
import { tracer } from './powertools.ts';

let retrain: SfnOrchestrator | undefined;

/** A batch step's context in a Lambda: the training context plus the training state machine to start retrains on. */
export function awsBatchContext(): BatchStepContext {
  retrain ??= new SfnOrchestrator({
    client: tracer.captureAWSv3Client(new SFNClient({})),
    stateMachineArn: required(readEnvironment(), 'STATE_MACHINE_ARN'),
  });
  return { ...awsStepContext(), retrain };
}
