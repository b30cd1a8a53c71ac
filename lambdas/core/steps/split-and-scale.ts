import { createHash } from 'node:crypto';
import { z } from 'zod';
import { encodeRows, labelsOf, modelFeatureNames } from '../contract/encode.ts';
import { decodeParquet } from '../data/parquet.ts';
import { takeRows } from '../ml/dense.ts';
import { StandardScaler } from '../ml/scaler.ts';
import { InsufficientDataError } from '../errors.ts';
import type { StepContext } from './context.ts';
import { capHoldout } from './holdout-cap.ts';
import { parseStepInput, runInputSchema } from './run-state.ts';
import { trainingSetResultSchema } from './training-set.ts';
import { splitKey } from '../storage-keys.ts';

/**
 * SplitAndScale: holdout first, then the scaler on the training split only (no statistic of a
 * holdout row ever reaches the model).
 *
 * A reading's side is decided by a hash of its id and the seed, not by a shuffle of this run's
 * rows: the same reading stays on the same side in every run with the same seed. So a champion
 * trained by an earlier run has never seen this run's holdout, and the gate compares champion and
 * challenger on rows that are new to both.
 */

export const splitResultSchema = z.object({
  key: z.string(),
  trainRows: z.int(),
  /** Holdout rows Evaluate scores: at most config.maxHoldoutRows. */
  holdoutRows: z.int(),
  trainPositives: z.int(),
  holdoutPositives: z.int(),
  /** Rows on the holdout side before config.maxHoldoutRows; absent in runs recorded before the cap. */
  holdoutRowsAvailable: z.int().optional(),
});

export type SplitResult = z.infer<typeof splitResultSchema>;

/** What SplitAndScale stores for Train and Evaluate: row indices into the training set, and the fitted scaler. */
export const splitRecordSchema = z.object({
  featureNames: z.array(z.string()),
  train: z.array(z.int().nonnegative()),
  holdout: z.array(z.int().nonnegative()),
  scaler: z.unknown(),
});

export type SplitRecord = z.infer<typeof splitRecordSchema>;

/** A uniform number in [0, 1) fixed by (seed, id): which side of the split a reading is on. */
export function splitPosition(seed: number, id: unknown): number {
  const digest = createHash('sha256').update(`${seed}\u0000${String(id)}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** The training set's rows as the model sees them: encoded features and labels. */
export async function loadTrainingSet(context: StepContext, key: string): Promise<{ rows: Record<string, unknown>[]; X: ReturnType<typeof encodeRows>; y: Uint8Array; featureNames: string[] }> {
  const rows = await decodeParquet((await context.store.get(key)).body);
  return { rows, X: encodeRows(context.contract, rows), y: labelsOf(context.contract, rows), featureNames: modelFeatureNames(context.contract) };
}

function countPositives(y: Uint8Array, index: readonly number[]): number {
  let count = 0;
  for (const i of index) count += y[i];
  return count;
}

function assertEnough(side: string, rows: number, positives: number, needed: number): void {
  if (positives < needed || rows - positives < needed) {
    throw new InsufficientDataError(
      `the ${side} has ${positives} rows that needed maintenance and ${rows - positives} that did not; at least ${needed} of each are needed. ` +
        'Upload more labelled readings, or change config.holdoutFraction (or config.maxHoldoutRows).',
    );
  }
}

export async function splitAndScale(input: unknown, context: StepContext): Promise<SplitResult> {
  const run = parseStepInput('SplitAndScale', runInputSchema.extend({ trainingSet: trainingSetResultSchema }), input);
  const { config } = run;
  const { rows, X, y, featureNames } = await loadTrainingSet(context, run.trainingSet.key);
  const idName = context.contract.id.name;

  // Every training-split row; Train caps the exact GP's rows (config.maxTrainRows), not this split.
  const train: number[] = [];
  const holdoutSide: number[] = [];
  const positions = rows.map((row) => splitPosition(config.seed, row[idName]));
  positions.forEach((at, i) => (at < config.holdoutFraction ? holdoutSide : train).push(i));
  // Evaluate's cost grows with the rows it scores: cap them (docs/pipeline.md, "Bounded steps").
  const holdout = capHoldout(holdoutSide, y, (i) => positions[i], config.maxHoldoutRows);
  // Each side needs both classes: the GP to learn, the holdout to measure recall and AUC.
  const needed = Math.max(2, Math.floor(config.minRowsPerClass / 2));
  assertEnough('holdout', holdout.length, countPositives(y, holdout), needed);
  assertEnough('training split', train.length, countPositives(y, train), needed);

  const scaler = new StandardScaler().fit(takeRows(X, train));
  const record: SplitRecord = { featureNames, train, holdout, scaler: scaler.toJSON() };
  const key = splitKey(run.runName);
  await context.store.put(key, JSON.stringify(record), { contentType: 'application/json' });
  const result: SplitResult = {
    key,
    trainRows: train.length,
    holdoutRows: holdout.length,
    trainPositives: countPositives(y, train),
    holdoutPositives: countPositives(y, holdout),
    holdoutRowsAvailable: holdoutSide.length,
  };
  const capped = holdout.length < holdoutSide.length ? `; a stratified ${holdout.length} of the ${holdoutSide.length} holdout rows are scored (config.maxHoldoutRows)` : '';
  context.progress({
    kind: 'message',
    text: `train ${result.trainRows} rows (${result.trainPositives} needing maintenance), holdout ${result.holdoutRows} (${result.holdoutPositives})${capped}`,
  });
  return result;
}
