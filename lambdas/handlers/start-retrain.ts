import { startRetrain } from '../core/steps/batch/start-retrain.ts';
import { awsBatchContext } from './support/batch-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The StartRetrain Task of the batch inference state machine. */
export const handler = stepHandler('StartRetrain', startRetrain, awsBatchContext);
