import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { SfnOrchestrator } from '../adapters/aws/sfn-orchestrator.ts';
import type { Orchestrator } from '../core/ports/orchestrator.ts';
import { parsePipelineConfig, startEventSchema, startTraining } from '../core/triggers/training-starts.ts';
import { readEnvironment, required } from './environment.ts';
import { lambdaHandler, logger, metrics, tracer } from './powertools.ts';

let orchestrator: Orchestrator | undefined;

function stateMachine(): Orchestrator {
  orchestrator ??= new SfnOrchestrator({
    client: tracer.captureAWSv3Client(new SFNClient({})),
    stateMachineArn: required(readEnvironment(), 'STATE_MACHINE_ARN'),
  });
  return orchestrator;
}

/** EventBridge (upload or schedule) → one training execution with a deterministic name. */
export const handler = lambdaHandler(async (event: unknown) => {
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
