import { trainBoosting } from '../core/steps/challengers/train-challenger.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The TrainBoosting Task of the training state machine: the gradient-boosting challenger, in one invocation. */
export const handler = stepHandler('TrainBoosting', trainBoosting, awsStepContext);
