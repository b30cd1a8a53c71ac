import { train } from '../core/steps/train.ts';
import { awsStepContext } from './support/aws-context.ts';
import { stepHandler } from './support/step-handler.ts';

/** The Train Task of the training state machine: each round works until the Lambda's remaining time, less a margin, runs out. */
export const handler = stepHandler('Train', train, (lambda) => ({ ...awsStepContext(), remainingTimeMs: () => lambda.getRemainingTimeInMillis() }));
