import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { SfnOrchestrator } from '../adapters/aws/sfn-orchestrator.ts';
import type { Orchestrator } from '../core/ports/orchestrator.ts';
import { parsePipelineConfig, startEventSchema, startTraining } from '../core/triggers/training-starts.ts';
import { eventsOfQueue, isQueueEvent, queueEventSchema, startCoalescedTraining } from '../core/triggers/upload-window.ts';
import { readEnvironment, required } from './support/environment.ts';
import { lambdaHandler, logger, metrics, tracer } from './support/powertools.ts';

let orchestrator: Orchestrator | undefined;

function stateMachine(): Orchestrator {
  orchestrator ??= new SfnOrchestrator({
    client: tracer.captureAWSv3Client(new SFNClient({})),
    stateMachineArn: required(readEnvironment(), 'STATE_MACHINE_ARN'),
  });
  return orchestrator;
}

/**
 * The upload queue (a window of uploads, SQS) → one refit over the window's CSV files; the
 * schedule (EventBridge) → the daily full retrain. Both under deterministic names.
 */
export const handler = lambdaHandler(async (event: unknown) => {
  if (isQueueEvent(event)) {
    const queued = queueEventSchema.safeParse(event);
    if (!queued.success) throw new TypeError(`not an SQS event:\n${z.prettifyError(queued.error)}`);
    const outcome = await startCoalescedTraining(eventsOfQueue(queued.data), parsePipelineConfig(readEnvironment().PIPELINE_CONFIG), stateMachine());
    logger.info('training start (upload window)', { ...outcome });
    if (outcome.started) metrics.addMetric('TrainingRunsStarted', MetricUnit.Count, 1);
    // Folder markers and non-CSV uploads: recorded, not failed (a failure would redeliver the window).
    if (outcome.ignored.length > 0) metrics.addMetric('UploadsIgnored', MetricUnit.Count, outcome.ignored.length);
    return outcome;
  }
  const parsed = startEventSchema.safeParse(event);
  if (!parsed.success) throw new TypeError(`not an S3 "Object Created" or a scheduled event:\n${z.prettifyError(parsed.error)}`);
  const outcome = await startTraining(parsed.data, parsePipelineConfig(readEnvironment().PIPELINE_CONFIG), stateMachine());
  logger.info('training start', { ...outcome });
  if (outcome.started) metrics.addMetric('TrainingRunsStarted', MetricUnit.Count, 1);
  // A folder marker or a non-CSV upload: recorded, not failed (a failure would retry and dead-letter it).
  if (outcome.ignored) metrics.addMetric('UploadsIgnored', MetricUnit.Count, 1);
  return outcome;
});

/** For tests: use this orchestrator instead of Step Functions. */
export function useOrchestrator(replacement: Orchestrator | undefined): void {
  orchestrator = replacement;
}
