import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnOrchestrator } from '../adapters/aws/sfn-orchestrator.ts';
import type { Orchestrator } from '../core/ports/orchestrator.ts';
import { parseBatchConfig, startBatch } from '../core/triggers/batch-starts.ts';
import { objectStore } from './support/aws-context.ts';
import { readEnvironment, required } from './support/environment.ts';
import { lambdaHandler, logger, metrics, tracer } from './support/powertools.ts';

let orchestrator: Orchestrator | undefined;

function batchStateMachine(): Orchestrator {
  orchestrator ??= new SfnOrchestrator({
    client: tracer.captureAWSv3Client(new SFNClient({})),
    stateMachineArn: required(readEnvironment(), 'BATCH_STATE_MACHINE_ARN'),
  });
  return orchestrator;
}

/**
 * The upload queue (a window of uploads under landing/inference/, SQS) or a schedule
 * (EventBridge) → one batch over what is there. The event's content does not matter: the batch
 * lists the prefix, so a window of many uploads starts one batch.
 */
export const handler = lambdaHandler(async () => {
  const outcome = await startBatch(objectStore(), parseBatchConfig(readEnvironment().BATCH_CONFIG), batchStateMachine());
  logger.info('batch start', { ...outcome });
  if (outcome.started) metrics.addMetric('BatchRunsStarted', MetricUnit.Count, 1);
  // Folder markers and non-CSV files under the prefix: recorded, not failed.
  if (outcome.ignored.length > 0) metrics.addMetric('UploadsIgnored', MetricUnit.Count, outcome.ignored.length);
  return outcome;
});

/** For tests: use this orchestrator instead of Step Functions. */
export function useBatchOrchestrator(replacement: Orchestrator | undefined): void {
  orchestrator = replacement;
}
