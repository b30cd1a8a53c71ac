import { writeBatchReport } from '../core/steps/batch/write-batch-report.ts';
import { awsBatchContext } from './support/batch-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The WriteBatchReport Task of the batch inference state machine. */
export const handler = stepHandler('WriteBatchReport', writeBatchReport, awsBatchContext);
