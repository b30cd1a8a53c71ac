import { splitAndScale } from '../core/steps/split-and-scale.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The SplitAndScale Task of the training state machine. */
export const handler = stepHandler('SplitAndScale', splitAndScale, awsStepContext);
