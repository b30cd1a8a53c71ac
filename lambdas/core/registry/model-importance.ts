import { z } from 'zod';
import { permutationImportanceSchema } from '../ml/permutation-importance.ts';
import { candidateRowSchema } from './decision-record.ts';

/**
 * The permutation importance of one model of a run on the holdout, as Evaluate records it beside
 * the run's table of models (steps/holdout-importance.ts computes it; the model report shows it).
 * A record kept with the model versions, so the report reads it without importing a step.
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
