import { z } from 'zod';
import { dailyExecutionName, trainingExecutionName } from '../steps/execution-name.ts';
import { type PipelineConfig, type RunInput, pipelineConfigSchema } from '../steps/run-state.ts';
import type { Orchestrator } from '../ports/orchestrator.ts';
import { ignoredLandingKey } from './landing-keys.ts';
import { LANDING_TRAINING_PREFIX } from '../storage-keys.ts';

/**
 * What starts a training run in AWS, and under which name: an upload to `landing/training/`
 * (EventBridge "Object Created") starts a refit on that file, named from bucket, key and version
 * id; the daily schedule starts a full retrain named `daily-YYYY-MM-DD`. Equal events give equal
 * names, so a duplicate delivery starts nothing new.
 */

const uploadEventSchema = z.object({
  'detail-type': z.literal('Object Created'),
  source: z.literal('aws.s3'),
  time: z.iso.datetime(),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), etag: z.string().optional(), 'version-id': z.string().optional() }),
  }),
});

const scheduleEventSchema = z.object({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  time: z.iso.datetime(),
});

export const startEventSchema = z.union([uploadEventSchema, scheduleEventSchema]);
export type StartEvent = z.infer<typeof startEventSchema>;

export interface PlannedRun {
  readonly name: string;
  readonly input: RunInput;
}

/**
 * The run an event asks for; undefined for an upload outside `landing/training/` (not ours to
 * train on), or one that is not a CSV file (see {@link ignoredTrainingUpload}).
 */
export function planTrainingRun(event: StartEvent, config: PipelineConfig): PlannedRun | undefined {
  const runDate = event.time.slice(0, 10);
  if (event['detail-type'] === 'Scheduled Event') {
    const name = dailyExecutionName(runDate);
    return { name, input: { runName: name, runDate, mode: 'full', files: [], config } };
  }
  const key = uploadedKey(event);
  if (!key.startsWith(LANDING_TRAINING_PREFIX) || ignoredLandingKey(key) !== undefined) return undefined;
  const { name: bucket } = event.detail.bucket;
  const fingerprint = event.detail.object['version-id'] ?? event.detail.object.etag ?? event.time;
  const name = trainingExecutionName([{ key: `${bucket}/${key}`, fingerprint }]);
  return { name, input: { runName: name, runDate, mode: 'refit', files: [key], config } };
}

/** EventBridge URL-encodes keys (spaces as '+'), as S3 notifications do. */
export function uploadedKey(event: Extract<StartEvent, { 'detail-type': 'Object Created' }>): string {
  return decodeURIComponent(event.detail.object.key.replace(/\+/g, ' '));
}

/** Why an upload starts nothing, or undefined when it starts (or is) a run. */
export function ignoredTrainingUpload(event: StartEvent): string | undefined {
  if (event['detail-type'] === 'Scheduled Event') return undefined;
  const key = uploadedKey(event);
  if (!key.startsWith(LANDING_TRAINING_PREFIX)) return `${key} is not under ${LANDING_TRAINING_PREFIX}: nothing to train`;
  return ignoredLandingKey(key);
}

/** Parses the configuration a deployment passes to every run (PIPELINE_CONFIG), defaults for the rest. */
export function parsePipelineConfig(json: string | undefined): PipelineConfig {
  const parsed = pipelineConfigSchema.safeParse(json === undefined || json === '' ? {} : JSON.parse(json));
  if (!parsed.success) throw new TypeError(`PIPELINE_CONFIG is not a valid pipeline configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export interface StartOutcome {
  readonly name: string | null;
  readonly started: boolean;
  /** True when the event was skipped on purpose (a folder marker, a file that is not a CSV): recorded, not failed. */
  readonly ignored: boolean;
  readonly reason: string;
}

/** Plans and starts the run; an execution that already exists is success (a duplicate event). */
export async function startTraining(event: StartEvent, config: PipelineConfig, orchestrator: Orchestrator): Promise<StartOutcome> {
  const ignored = ignoredTrainingUpload(event);
  const planned = planTrainingRun(event, config);
  if (ignored !== undefined || planned === undefined) return { name: null, started: false, ignored: true, reason: ignored ?? 'nothing to train' };
  const { started } = await orchestrator.start(planned.name, planned.input);
  return { name: planned.name, started, ignored: false, reason: started ? 'started' : 'an execution with this name exists: duplicate event' };
}
