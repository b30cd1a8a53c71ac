import { gate } from '../core/steps/gate.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The Gate Task of the training state machine. */
export const handler = stepHandler('Gate', gate, awsStepContext);
