import { writeReport } from '../core/steps/write-report.ts';
import { stepHandler } from './step-handler.ts';

/** The WriteReport Task of the training state machine. */
export const handler = stepHandler('WriteReport', writeReport);
