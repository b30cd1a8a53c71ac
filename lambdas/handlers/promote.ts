import { promote } from '../core/steps/promote.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The Promote Task of the training state machine. */
export const handler = stepHandler('Promote', promote, awsStepContext);
