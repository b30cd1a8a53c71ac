import type { Context } from 'aws-lambda';
import { CountingObjectStore } from '../../core/cost/counting-object-store.ts';
import type { Step, StepContext } from '../../core/steps/context.ts';
import { athenaBytesScanned } from './aws-context.ts';
import { lambdaHandler, logger } from './powertools.ts';

/**
 * A state machine Task's Lambda: the middy chain (logger with the Lambda context, X-Ray, metrics)
 * around one call of the step with the AWS adapters. The event is the Task's payload; the step
 * parses it. A thrown error keeps its class name, which the state machine's Retry/Catch match.
 * `context` builds what the step is given, and its type must be what the step takes: a batch step
 * gets `awsBatchContext` (with the training state machine to start retrains on), a training step
 * `awsStepContext`; there is no default, so a step cannot be wired to a context it does not take.
 * `afterStep` turns a result into metrics (Powertools flushes them when the invocation ends).
 */
export function stepHandler<C extends StepContext>(
  state: string,
  step: Step<C>,
  context: (lambda: Context) => C,
  afterStep: (result: unknown) => void = () => undefined,
) {
  return lambdaHandler(async (event: unknown, lambda: Context) => {
    logger.appendKeys({ state });
    // What the invocation used that is billed per request or byte, one log line for the cost
    // estimate (docs/architecture.md, "What it costs"); Lambda's own REPORT line has its GB-seconds.
    const stepContext = context(lambda);
    const store = new CountingObjectStore(stepContext.store);
    const queriesBefore = athenaBytesScanned().length;
    try {
      const result = await step(event, { ...stepContext, store });
      afterStep(result);
      return result;
    } finally {
      logger.info('usage', { usage: { s3Requests: store.counts(), athenaBytesScanned: athenaBytesScanned().slice(queriesBefore) } });
    }
  });
}
