import { parseBatchConfig, startBatch } from '../core/triggers/batch-starts.ts';
import { objectStore } from './support/aws-context.ts';
import { readEnvironment } from './support/environment.ts';
import { lambdaHandler } from './support/powertools.ts';
import { recordStart, stateMachine } from './support/state-machines.ts';

const batchInference = stateMachine('BATCH_STATE_MACHINE_ARN');

/**
 * The upload queue (a window of uploads under landing/inference/, SQS) or a schedule
 * (EventBridge) → one batch over what is there. The event's content does not matter: the batch
 * lists the prefix, so a window of many uploads starts one batch.
 */
export const handler = lambdaHandler(async () => {
  const outcome = await startBatch(objectStore(), parseBatchConfig(readEnvironment().BATCH_CONFIG), batchInference);
  return recordStart('batch start', 'BatchRunsStarted', outcome);
});
