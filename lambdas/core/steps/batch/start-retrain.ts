import { z } from 'zod';
import { parseStepInput, pipelineConfigSchema, type RunInput } from '../run-state.ts';
import { batchInputSchema, type BatchStepContext } from './batch-state.ts';

/**
 * StartRetrain: starts the training workflow in `full` mode (drift means the kernel should be
 * re-optimised, not just refitted) over the lake's window, under the name ComputeDrift chose,
 * `drift-<batchName>`: a retried step, or a re-run batch, starts no second run.
 */

export const startRetrainResultSchema = z.object({
  executionName: z.string(),
  /** False when an execution with this name already existed: the retrain was started before. */
  started: z.boolean(),
  executionId: z.string(),
});

export type StartRetrainResult = z.infer<typeof startRetrainResultSchema>;

const startRetrainInputSchema = batchInputSchema.extend({
  drift: z.looseObject({ retrain: z.object({ requested: z.literal(true), executionName: z.string() }) }),
});

export async function startRetrain(input: unknown, context: BatchStepContext): Promise<StartRetrainResult> {
  const { config, drift } = parseStepInput('StartRetrain', startRetrainInputSchema, input);
  const executionName = drift.retrain.executionName;
  const run: RunInput = {
    runName: executionName,
    runDate: context.now().toISOString().slice(0, 10),
    mode: 'full',
    // No landing files: the training set is the lake's window, new readings included.
    files: [],
    config: config.retrainConfig ?? pipelineConfigSchema.parse({}),
  };
  const { started, executionId } = await context.retrain.start(executionName, run);
  context.progress({ kind: 'message', text: started ? `retrain ${executionName} started (full mode)` : `retrain ${executionName} already exists: nothing new started` });
  return { executionName, started, executionId };
}
