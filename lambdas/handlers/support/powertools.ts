import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';

/**
 * One logger, one metrics and one tracer per container, shared by every handler (Powertools'
 * recommended layout). Service name, namespace and level come from POWERTOOLS_* variables that
 * the shared function construct sets.
 */
export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();

/**
 * Every handler's middy chain: the logger with the Lambda context (state cleared between
 * invocations), an X-Ray segment, and metrics flushed when the invocation ends.
 */
export function lambdaHandler<E, R>(handle: (event: E, context: Context) => Promise<R>) {
  return middy(handle).use(injectLambdaContext(logger, { clearState: true })).use(captureLambdaHandler(tracer)).use(logMetrics(metrics));
}
