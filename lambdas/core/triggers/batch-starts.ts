import { z } from 'zod';
import { type BatchConfig, batchConfigSchema } from '../steps/batch/batch-state.ts';
import { inferenceExecutionName } from '../steps/execution-name.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { Orchestrator } from '../ports/orchestrator.ts';
import { ignoredLandingKey } from './landing-keys.ts';
import { LANDING_INFERENCE_PREFIX } from '../storage-keys.ts';

/**
 * What starts batch inference in AWS: an upload under `landing/inference/` (or a schedule) starts
 * the batch state machine over everything under that prefix, named from the keys and ETags of
 * what is there — so the same landing zone starts one batch however many events arrive, and
 * files already scored are skipped by the batch itself. Keys that are not CSV files (folder
 * markers, notes) neither name a batch nor start one; the outcome counts them.
 */

export interface BatchStartOutcome {
  readonly name: string | null;
  readonly started: boolean;
  readonly reason: string;
  /** Keys under the prefix skipped as not CSV files (folder markers, notes), with why. */
  readonly ignored: readonly string[];
}

export function parseBatchConfig(json: string | undefined): BatchConfig {
  const parsed = batchConfigSchema.safeParse(json === undefined || json === '' ? {} : JSON.parse(json));
  if (!parsed.success) throw new TypeError(`BATCH_CONFIG is not a valid batch configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export async function startBatch(store: ObjectStore, config: BatchConfig, orchestrator: Orchestrator): Promise<BatchStartOutcome> {
  const listed = await store.list(LANDING_INFERENCE_PREFIX);
  const ignored = listed.map((object) => ignoredLandingKey(object.key)).filter((reason) => reason !== undefined);
  const files = listed.filter((object) => ignoredLandingKey(object.key) === undefined).map((object) => ({ key: object.key, fingerprint: object.etag }));
  if (files.length === 0) return { name: null, started: false, reason: `no CSV file under ${LANDING_INFERENCE_PREFIX}`, ignored };
  const name = inferenceExecutionName(files);
  const { started } = await orchestrator.start(name, { batchName: name, config });
  return { name, started, reason: started ? 'started' : 'a batch over these files exists: duplicate event', ignored };
}
