import { listNewFiles } from '../core/steps/batch/list-new-files.ts';
import { awsBatchContext } from './support/batch-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The ListNewFiles Task of the batch inference state machine: the batch's manifest of new files. */
export const handler = stepHandler('ListNewFiles', listNewFiles, awsBatchContext);
