import { writeReport } from '../core/steps/write-report.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The WriteReport Task of the training state machine. */
export const handler = stepHandler('WriteReport', writeReport, awsStepContext);
