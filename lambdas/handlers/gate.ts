import { gate } from '../core/steps/gate.ts';
import { awsStepContext } from './aws-context.ts';
import { stepHandler } from './step-handler.ts';

/** The Gate Task of the training state machine. */
export const handler = stepHandler('Gate', gate, awsStepContext);
