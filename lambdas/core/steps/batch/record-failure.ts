import { z } from 'zod';
import { type FailureResult, recordFailure } from '../record-failure.ts';
import type { StepContext } from '../context.ts';
import { parseStepInput, runName } from '../run-state.ts';

/**
 * RecordFailure of a batch: the training workflow's step, with the batch's name as the run's, so
 * a failed batch leaves `lake/runs/<batchName>/failure.json` like a failed training run.
 */
export async function recordBatchFailure(input: unknown, context: StepContext): Promise<FailureResult> {
  const { batchName } = parseStepInput('RecordFailure', z.looseObject({ batchName: runName }), input);
  return recordFailure({ ...(input as Record<string, unknown>), runName: batchName }, context);
}
