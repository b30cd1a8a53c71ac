import { splitAndScale } from '../core/steps/split-and-scale.ts';
import { awsStepContext } from './aws-context.ts';
import { stepHandler } from './step-handler.ts';

/** The SplitAndScale Task of the training state machine. */
export const handler = stepHandler('SplitAndScale', splitAndScale, awsStepContext);
