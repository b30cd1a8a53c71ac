import { z } from 'zod';
import { writeJson } from '../registry/model-store.ts';
import type { StepContext } from './context.ts';
import { parseStepInput, runName } from './run-state.ts';
import { runFailureKey } from '../storage-keys.ts';

/**
 * RecordFailure: the failure path's one step. Writes what failed and why to
 * `lake/runs/<run>/failure.json`; it never touches the champion, so a failed run leaves the
 * serving model as it was.
 */


const failureInputSchema = z.looseObject({
  runName,
  failure: z.object({ Error: z.string().default('Unknown'), Cause: z.string().default('') }),
  // A Train round that was not done has no version yet.
  train: z.looseObject({ version: z.string().optional() }).optional(),
});

export const failureResultSchema = z.object({ key: z.string(), error: z.string(), message: z.string() });
export type FailureResult = z.infer<typeof failureResultSchema>;

/** A Lambda's error arrives as JSON text `{"errorType","errorMessage",…}`; a local one may be plain text. */
export function failureMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause is the message
  }
  return cause;
}

export async function recordFailure(input: unknown, context: StepContext): Promise<FailureResult> {
  const run = parseStepInput('RecordFailure', failureInputSchema, input);
  const message = failureMessage(run.failure.Cause);
  const key = runFailureKey(run.runName);
  await writeJson(context.store, key, {
    runName: run.runName,
    error: run.failure.Error,
    message,
    modelVersion: run.train?.version ?? null,
    failedAt: context.now().toISOString(),
    championUnchanged: true,
  });
  context.progress({ kind: 'message', text: `run failed (${run.failure.Error}): ${message}` });
  return { key, error: run.failure.Error, message };
}
