import { trainLogistic } from '../core/steps/challengers/train-challenger.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The TrainLogistic Task of the training state machine: the logistic-regression challenger, in one invocation. */
export const handler = stepHandler('TrainLogistic', trainLogistic, awsStepContext);
