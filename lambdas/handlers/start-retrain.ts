import { startRetrain } from '../core/steps/batch/start-retrain.ts';
import { awsBatchContext } from './batch-context.ts';
import { stepHandler } from './step-handler.ts';

/** The StartRetrain Task of the batch inference state machine. */
export const handler = stepHandler('StartRetrain', startRetrain, awsBatchContext);
