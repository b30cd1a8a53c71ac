import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import type { StepContext } from '../core/steps/context.ts';
import { awsStepContext } from './aws-context.ts';
import { logger, metrics, tracer } from './powertools.ts';

export type StepFunction = (input: unknown, context: StepContext) => Promise<unknown>;

/**
 * A state machine Task's Lambda: the middy chain (logger with the Lambda context, X-Ray, metrics)
 * around one call of the step with the AWS adapters. The event is the Task's payload; the step
 * parses it. A thrown error keeps its class name, which the state machine's Retry/Catch match.
 */
export function stepHandler(state: string, step: StepFunction, context: () => StepContext = awsStepContext) {
  return middy(async (event: unknown, _lambda: Context) => {
    logger.appendKeys({ state });
    return step(event, context());
  })
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics));
}
