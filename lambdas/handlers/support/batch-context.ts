import type { BatchStepContext } from '../../core/steps/batch/batch-state.ts';
import { awsStepContext } from './aws-context.ts';
import { stateMachine } from './state-machines.ts';

/** Only StartRetrain starts anything, so only it reads STATE_MACHINE_ARN (on its first start). */
const retrain = stateMachine('STATE_MACHINE_ARN');

/** A batch step's context in a Lambda: the training context plus the training state machine to start retrains on. */
export function awsBatchContext(): BatchStepContext {
  return { ...awsStepContext(), retrain };
}
