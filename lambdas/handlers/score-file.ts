import { scoreFile } from '../core/steps/batch/score-file.ts';
import { awsBatchContext } from './support/batch-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The ScoreFile Task of the batch inference state machine. */
export const handler = stepHandler('ScoreFile', scoreFile, awsBatchContext);
