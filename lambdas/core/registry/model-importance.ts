import { z } from 'zod';
import { permutationImportanceSchema } from '../ml/permutation-importance.ts';
import { candidateRowSchema } from './decision-record.ts';

/**
 * The record of one model's permutation importance on the run's holdout, kept in the version's
 * evaluation beside the run's table of models: Evaluate computes it (steps/holdout-importance.ts),
 * the model report shows it (report/model/). Here, below both, so the report needs no step.
 */

/** The model kinds a run trains, as its table of models records them. */
const kindSchema = candidateRowSchema.options[0].shape.kind;

export const modelImportanceSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('computed'),
    version: z.string(),
    kind: kindSchema,
    /** Holdout rows there were; importance.rows of them were scored. */
    holdoutRows: z.number().int().nonnegative(),
    /** What the cost model predicted for the passes, in seconds. */
    predictedSeconds: z.number().nonnegative(),
    importance: permutationImportanceSchema,
  }),
  z.object({ status: z.literal('skipped'), version: z.string(), kind: kindSchema, reason: z.string() }),
]);
export type ModelImportance = z.infer<typeof modelImportanceSchema>;
