import type { Context } from 'aws-lambda';
import type { StepContext } from '../core/steps/context.ts';
import { awsStepContext } from './aws-context.ts';
import { lambdaHandler, logger } from './powertools.ts';

export type StepFunction<C extends StepContext = StepContext> = (input: unknown, context: C) => Promise<unknown>;

/**
 * A state machine Task's Lambda: the middy chain (logger with the Lambda context, X-Ray, metrics)
 * around one call of the step with the AWS adapters. The event is the Task's payload; the step
 * parses it. A thrown error keeps its class name, which the state machine's Retry/Catch match.
 * `afterStep` turns a result into metrics (Powertools flushes them when the invocation ends).
 */
export function stepHandler<C extends StepContext = StepContext>(
  state: string,
  step: StepFunction<C>,
  context: (lambda: Context) => C = awsStepContext as () => C,
  afterStep: (result: unknown) => void = () => undefined,
) {
  return lambdaHandler(async (event: unknown, lambda: Context) => {
    logger.appendKeys({ state });
    const result = await step(event, context(lambda));
    afterStep(result);
    return result;
  });
}
