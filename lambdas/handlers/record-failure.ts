import { recordFailure } from '../core/steps/record-failure.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The RecordFailure Task of the training state machine. */
export const handler = stepHandler('RecordFailure', recordFailure, awsStepContext);
