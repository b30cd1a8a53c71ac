import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnOrchestrator } from '../adapters/aws/sfn-orchestrator.ts';
import type { Orchestrator } from '../core/ports/orchestrator.ts';
import { parseBatchConfig, startBatch } from '../core/triggers/batch-starts.ts';
import { objectStore } from './aws-context.ts';
import { readEnvironment, required } from './environment.ts';
import { logger, metrics, tracer } from './powertools.ts';

let orchestrator: Orchestrator | undefined;

function batchStateMachine(): Orchestrator {
  orchestrator ??= new SfnOrchestrator({
    client: tracer.captureAWSv3Client(new SFNClient({})),
    stateMachineArn: required(readEnvironment(), 'BATCH_STATE_MACHINE_ARN'),
  });
  return orchestrator;
}

/** EventBridge (an upload under landing/inference/, or a schedule) → one batch over what is there. */
export const handler = middy(async () => {
  const outcome = await startBatch(objectStore(), parseBatchConfig(readEnvironment().BATCH_CONFIG), batchStateMachine());
  logger.info('batch start', { ...outcome });
  if (outcome.started) metrics.addMetric('BatchRunsStarted', MetricUnit.Count, 1);
  return outcome;
})
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics));

/** For tests: use this orchestrator instead of Step Functions. */
export function useBatchOrchestrator(replacement: Orchestrator | undefined): void {
  orchestrator = replacement;
}
