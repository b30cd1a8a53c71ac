import { buildTrainingSet } from '../core/steps/training-set.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The BuildTrainingSet Task of the training state machine. */
export const handler = stepHandler('BuildTrainingSet', buildTrainingSet, awsStepContext);
