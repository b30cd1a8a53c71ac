import { evaluateChallenger } from '../core/steps/evaluate.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The Evaluate Task of the training state machine; the remaining time lets it skip an importance that would outlast the Lambda. */
export const handler = stepHandler('Evaluate', evaluateChallenger, (lambda) => ({ ...awsStepContext(), remainingTimeMs: () => lambda.getRemainingTimeInMillis() }));
