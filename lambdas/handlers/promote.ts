import { promote } from '../core/steps/promote.ts';
import { awsStepContext } from './aws-context.ts';
import { stepHandler } from './step-handler.ts';

/** The Promote Task of the training state machine. */
export const handler = stepHandler('Promote', promote, awsStepContext);
