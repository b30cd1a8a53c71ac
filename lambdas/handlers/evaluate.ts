import { evaluateChallenger } from '../core/steps/evaluate.ts';
import { awsStepContext } from './aws-context.ts';
import { stepHandler } from './step-handler.ts';

/** The Evaluate Task of the training state machine. */
export const handler = stepHandler('Evaluate', evaluateChallenger, awsStepContext);
