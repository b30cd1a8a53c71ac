import { recordBatchFailure } from '../core/steps/batch/record-failure.ts';
import { awsBatchContext } from './support/batch-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The RecordFailure Task of the batch inference state machine. */
export const handler = stepHandler('RecordFailure', recordBatchFailure, awsBatchContext);
