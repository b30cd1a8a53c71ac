import { z } from 'zod';
import { parsePipelineConfig, startEventSchema, startTraining } from '../core/triggers/training-starts.ts';
import { eventsOfQueue, isQueueEvent, queueEventSchema, startCoalescedTraining } from '../core/triggers/upload-window.ts';
import { readEnvironment } from './support/environment.ts';
import { lambdaHandler } from './support/powertools.ts';
import { recordStart, stateMachine } from './support/state-machines.ts';

const training = stateMachine('STATE_MACHINE_ARN');

/**
 * The upload queue (a window of uploads, SQS) → one refit over the window's CSV files; the
 * schedule (EventBridge) → the daily full retrain. Both under deterministic names.
 */
export const handler = lambdaHandler(async (event: unknown) => {
  if (isQueueEvent(event)) {
    const queued = queueEventSchema.safeParse(event);
    if (!queued.success) throw new TypeError(`not an SQS event:\n${z.prettifyError(queued.error)}`);
    const outcome = await startCoalescedTraining(eventsOfQueue(queued.data), parsePipelineConfig(readEnvironment().PIPELINE_CONFIG), training);
    return recordStart('training start (upload window)', 'TrainingRunsStarted', outcome);
  }
  const parsed = startEventSchema.safeParse(event);
  if (!parsed.success) throw new TypeError(`not an S3 "Object Created" or a scheduled event:\n${z.prettifyError(parsed.error)}`);
  const outcome = await startTraining(parsed.data, parsePipelineConfig(readEnvironment().PIPELINE_CONFIG), training);
  return recordStart('training start', 'TrainingRunsStarted', outcome);
});
