import { z } from 'zod';
import { modelExplanationSpace } from '../../contract/explanation-features.ts';
import type { Reading } from '../../contract/validate.ts';
import { type DenseMatrix, takeRows } from '../../ml/dense.ts';
import { explainRows, type Reason } from '../../ml/local-explanation.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { readJson } from '../../registry/model-store.ts';
import { MAX_EXPLAINED_ROWS_PER_FILE } from '../step-limits.ts';
import type { ServingModel } from './champion-model.ts';

/**
 * What ScoreFile keeps of one file for the batch's work list and realised metrics, beside its
 * predictions: the flagged rows (probability ≥ threshold) with their top reasons, and the
 * probability and true label of every row that carries its label. WriteBatchReport merges the
 * files of a batch into `flagged.csv` and the report. Stored as
 * `lake/batches/<batch>/outcomes/<content hash>.json`; the predictions table is unchanged.
 */

const reasonSchema: z.ZodType<Reason> = z.object({
  feature: z.string(),
  value: z.union([z.number(), z.string()]),
  reference: z.union([z.number(), z.string()]),
  change: z.number(),
});

export const flaggedRowSchema = z.object({
  /** The reading's id (the contract's id column). */
  id: z.union([z.string(), z.number()]),
  sourceKey: z.string(),
  /** The line of the landing file, 1-based (the header is line 1). */
  sourceLine: z.int().positive(),
  probability: z.number(),
  /** The review flag; null when the model has none (a challenger). */
  review: z.boolean().nullable(),
  /** Largest |change| first; null when the row was past the file's MAX_EXPLAINED_ROWS_PER_FILE. */
  reasons: z.array(reasonSchema).nullable(),
});
export type FlaggedRow = z.infer<typeof flaggedRowSchema>;

export const fileOutcomesSchema = z.object({
  /** Flagged rows, highest probability first. */
  flagged: z.array(flaggedRowSchema),
  /** Rows whose file carried the label: each row's probability and its true label (1 = failed). */
  labelled: z.object({ probability: z.array(z.number()), label: z.array(z.union([z.literal(0), z.literal(1)])) }),
});
export type FileOutcomes = z.infer<typeof fileOutcomesSchema>;

/** A scored row as the work list needs it. */
export interface ScoredRow {
  readonly line: number;
  readonly reading: Reading;
}

/**
 * The file's flagged rows, by probability, with reasons for the first MAX_EXPLAINED_ROWS_PER_FILE
 * (explained in one predict call), and its labelled rows.
 * @param x the rows' model matrix, as scored
 * @param p the model's probability and label for each row
 * @param review each row's review flag, null for a model without one
 */
export function fileOutcomes(
  serving: Pick<ServingModel, 'model' | 'contract'>,
  key: string,
  rows: readonly ScoredRow[],
  x: DenseMatrix,
  p: { readonly probability: Float64Array; readonly label: Uint8Array },
  review: (i: number) => boolean | null,
): FileOutcomes {
  const { contract, model } = serving;
  const flaggedIndex = rows.map((_, i) => i).filter((i) => p.label[i] === 1);
  flaggedIndex.sort((a, b) => p.probability[b] - p.probability[a] || a - b);
  const explained = flaggedIndex.slice(0, MAX_EXPLAINED_ROWS_PER_FILE);
  const reasons =
    explained.length === 0
      ? []
      : explainRows(model, takeRows(x, explained), modelExplanationSpace(contract, model), { probability: explained.map((i) => p.probability[i]) });
  const flagged = flaggedIndex.map(
    (i, k): FlaggedRow => ({
      id: rows[i].reading[contract.id.name] as string | number,
      sourceKey: key,
      sourceLine: rows[i].line,
      probability: p.probability[i],
      review: review(i),
      reasons: k < reasons.length ? reasons[k] : null,
    }),
  );
  const labelled: FileOutcomes['labelled'] = { probability: [], label: [] };
  rows.forEach(({ reading }, i) => {
    const label = reading[contract.label.name];
    if (label !== 0 && label !== 1) return;
    labelled.probability.push(p.probability[i]);
    labelled.label.push(label);
  });
  return { flagged, labelled };
}

/** Compact JSON: a labelled file keeps one probability per row. */
export async function writeFileOutcomes(store: ObjectStore, key: string, outcomes: FileOutcomes): Promise<void> {
  await store.put(key, JSON.stringify(outcomes), { contentType: 'application/json' });
}

export async function readFileOutcomes(store: ObjectStore, key: string): Promise<FileOutcomes> {
  return fileOutcomesSchema.parse(await readJson(store, key));
}
