import { recordBatchFailure } from '../core/steps/batch/record-failure.ts';
import { awsBatchContext } from './batch-context.ts';
import { stepHandler } from './step-handler.ts';

/** The RecordFailure Task of the batch inference state machine. */
export const handler = stepHandler('RecordFailure', recordBatchFailure, awsBatchContext);
