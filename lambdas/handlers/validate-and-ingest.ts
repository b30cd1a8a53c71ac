import { validateAndIngest } from '../core/steps/ingest.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The ValidateAndIngest Task of the training state machine. */
export const handler = stepHandler('ValidateAndIngest', validateAndIngest, awsStepContext);
