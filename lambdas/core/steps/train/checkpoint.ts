import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MODEL_KINDS } from '../../ml/resumable-fit.ts';
import { ObjectNotFoundError, type ObjectStore } from '../../ports/object-store.ts';
import { OPTIMIZER_STAGES } from '../../report/model/report-data.ts';
import { TRAINING_MODES } from '../run-state.ts';

/**
 * What Train keeps between rounds, at `lake/runs/<run>/train-checkpoint.json` (beside
 * RecordFailure's `failure.json`): the model choice made in the first round, the fit's own
 * checkpoint, the rounds and seconds so far, and the optimiser trace. Written whole with one put
 * (atomic in both stores: a reader sees the last round's checkpoint or this one, never a mix).
 * When the fit is done it is replaced by a `done` record, which the next Train of the same run
 * does not resume from.
 */

export const TRAIN_CHECKPOINT_FORMAT = 1;

const optimizerStepSchema = z.object({
  stage: z.enum(OPTIMIZER_STAGES),
  start: z.int(),
  iteration: z.int(),
  logMarginalLikelihood: z.number(),
});

export const modelChoiceSchema = z.object({
  kind: z.enum(MODEL_KINDS),
  rows: z.int().nonnegative(),
  rowsAvailable: z.int().nonnegative(),
  reason: z.string(),
});

/** The champion's kernel a refit keeps (KernelOptions with θ exactly). */
const fixedKernelSchema = z.object({
  isotropic: z.boolean(),
  theta: z.array(z.number()),
  constantBounds: z.tuple([z.number(), z.number()]),
  lengthScaleBounds: z.tuple([z.number(), z.number()]),
});

export const trainCheckpointSchema = z.object({
  formatVersion: z.literal(TRAIN_CHECKPOINT_FORMAT),
  runName: z.string(),
  /** Digest of everything the fit depends on (see fitInputDigest): another input is not resumed. */
  inputDigest: z.string(),
  status: z.enum(['fitting', 'done']),
  mode: z.enum(TRAINING_MODES),
  modeNote: z.string().nullable(),
  fixedKernel: fixedKernelSchema.nullable(),
  choice: modelChoiceSchema,
  /** Train rounds completed. */
  rounds: z.int().nonnegative(),
  /** Seconds spent fitting, summed over the rounds. */
  fitSeconds: z.number().nonnegative(),
  trace: z.array(optimizerStepSchema),
  /** The model kind's checkpoint; null once done. */
  fit: z.object({ kind: z.enum(MODEL_KINDS), formatVersion: z.int(), rounds: z.int(), state: z.unknown() }).nullable(),
  /** The model version saved, once done. */
  version: z.string().nullable(),
});

export type TrainCheckpoint = z.infer<typeof trainCheckpointSchema>;

/** sha256 of the JSON of what a fit depends on (the caller builds `parts` in a fixed key order, from parsed input). */
export function fitInputDigest(parts: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The stored checkpoint; `undefined` when there is none; `{ unusable }` when it cannot be read (the caller starts over and says why). */
export async function readTrainCheckpoint(store: ObjectStore, key: string): Promise<TrainCheckpoint | { unusable: string } | undefined> {
  let body: Uint8Array;
  try {
    body = (await store.get(key)).body;
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return { unusable: `${key} is not JSON` };
  }
  const parsed = trainCheckpointSchema.safeParse(json);
  return parsed.success ? parsed.data : { unusable: `${key} is not a Train checkpoint of format ${TRAIN_CHECKPOINT_FORMAT}: ${z.prettifyError(parsed.error).split('\n')[0]}` };
}

export async function writeTrainCheckpoint(store: ObjectStore, key: string, checkpoint: TrainCheckpoint): Promise<void> {
  await store.put(key, JSON.stringify(checkpoint), { contentType: 'application/json' });
}
