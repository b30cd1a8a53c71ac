import { z } from 'zod';
import { trainingExecutionName } from '../steps/execution-name.ts';
import type { PipelineConfig } from '../steps/run-state.ts';
import type { Orchestrator } from '../ports/orchestrator.ts';
import { ignoredLandingKey } from './landing-keys.ts';
import { type PlannedRun, type StartEvent, startEventSchema, uploadedKey } from './training-starts.ts';
import { LANDING_TRAINING_PREFIX } from '../storage-keys.ts';

/**
 * Uploads that arrive together train together. In AWS the landing bucket's "Object Created"
 * events go through EventBridge into an SQS queue, and the starter reads them in batches
 * gathered over a window (lib/upload-queue.ts): one batch of events starts one refit over all
 * the new CSV files, instead of one run per file whose promotions would race.
 *
 * The run is named from every file's bucket, key and version, exactly as a single upload's run
 * is, so a batch redelivered by SQS starts nothing new, and a window holding one upload names its
 * run as the single-event path would.
 */

/** The SQS event Lambda hands the starter: each record's body is one EventBridge event, as JSON. */
export const queueEventSchema = z.object({
  Records: z.array(z.object({ messageId: z.string(), eventSource: z.literal('aws:sqs'), body: z.string() })).min(1),
});
export type QueueEvent = z.infer<typeof queueEventSchema>;

export function isQueueEvent(event: unknown): event is QueueEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records);
}

/** The EventBridge events in a batch of queue messages. @throws TypeError naming the message that is not one */
export function eventsOfQueue(event: QueueEvent): StartEvent[] {
  return event.Records.map((record) => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      throw new TypeError(`queue message ${record.messageId} is not JSON`);
    }
    const parsed = startEventSchema.safeParse(body);
    if (!parsed.success) throw new TypeError(`queue message ${record.messageId} is not an S3 "Object Created" or a scheduled event:\n${z.prettifyError(parsed.error)}`);
    return parsed.data;
  });
}

export interface CoalescedPlan {
  /** The one refit over every new CSV file of the window; undefined when there is none. */
  readonly run?: PlannedRun;
  /** The events skipped, with why (folder markers, other files, other prefixes, schedules). */
  readonly ignored: readonly string[];
}

/** Plans one refit over the CSV uploads among `events` (duplicates of a file and version count once). */
export function planCoalescedRun(events: readonly StartEvent[], config: PipelineConfig): CoalescedPlan {
  const ignored: string[] = [];
  const files = new Map<string, { key: string; fingerprint: string; time: string }>();
  for (const event of events) {
    if (event['detail-type'] === 'Scheduled Event') {
      ignored.push('a scheduled event on the upload queue: the schedule invokes the starter directly');
      continue;
    }
    const key = uploadedKey(event);
    const reason = !key.startsWith(LANDING_TRAINING_PREFIX) ? `${key} is not under ${LANDING_TRAINING_PREFIX}: nothing to train` : ignoredLandingKey(key);
    if (reason !== undefined) {
      ignored.push(reason);
      continue;
    }
    const fingerprint = event.detail.object['version-id'] ?? event.detail.object.etag ?? event.time;
    const id = `${event.detail.bucket.name}/${key}`;
    // The latest event of a key wins: a file overwritten inside the window trains in its last version.
    const earlier = files.get(id);
    if (earlier === undefined || earlier.time <= event.time) files.set(id, { key, fingerprint, time: event.time });
  }
  if (files.size === 0) return { ignored };
  const entries = [...files].sort(([a], [b]) => a.localeCompare(b));
  const name = trainingExecutionName(entries.map(([id, f]) => ({ key: id, fingerprint: f.fingerprint })));
  const runDate = entries.map(([, f]) => f.time).reduce((a, b) => (a > b ? a : b)).slice(0, 10);
  return { run: { name, input: { runName: name, runDate, mode: 'refit', files: entries.map(([, f]) => f.key), config } }, ignored };
}

export interface CoalescedOutcome {
  readonly name: string | null;
  readonly started: boolean;
  /** The CSV files the run trains on (empty when none started). */
  readonly files: readonly string[];
  readonly ignored: readonly string[];
  readonly reason: string;
}

/** Starts the window's one refit; an execution that already exists is success (a redelivered batch). */
export async function startCoalescedTraining(events: readonly StartEvent[], config: PipelineConfig, orchestrator: Orchestrator): Promise<CoalescedOutcome> {
  const { run, ignored } = planCoalescedRun(events, config);
  if (run === undefined) return { name: null, started: false, files: [], ignored, reason: 'no CSV file under landing/training/ in this window' };
  const { started } = await orchestrator.start(run.name, run.input);
  return { name: run.name, started, files: run.input.files, ignored, reason: started ? `started over ${run.input.files.length} file(s)` : 'an execution with this name exists: redelivered batch' };
}
