import { z } from 'zod';
import { failureText, type RunRecord, type ShownRunStatus, shownStatus } from '../adapters/local/state-machine-runner.ts';
import { BATCH_STATE_MACHINE } from './batch-workflow.ts';
import { TRAINING_STATE_MACHINE } from './training-workflow.ts';

/**
 * A run record as one row: what `prognos runs` lists, and the common head of the `--json`
 * output of `prognos run` and `prognos infer`.
 */

/** One line of `prognos runs`. */
export const runRowSchema = z.object({
  name: z.string(),
  /** The workflow: training or batch-inference. */
  kind: z.string(),
  /** Training mode (full, refit); null for batch inference. */
  mode: z.string().nullable(),
  /** running, succeeded, failed, aborted, timed_out, or stale (running, but its process is gone). */
  status: z.string(),
  startedAt: z.string(),
  /** Until it ended, or until now while it runs. */
  durationMs: z.number().nullable(),
  /** What it came to: the version promoted or rejected, the files scored. */
  result: z.string().nullable(),
  /** `<error>: <message>` of a run that did not succeed. */
  failure: z.string().nullable(),
  redriveCount: z.number(),
});
export type RunRow = z.infer<typeof runRowSchema>;

const trainingOutcome = z.looseObject({
  train: z.looseObject({ version: z.string() }).optional(),
  // The model the gate judged: the GP, or since the challengers the one the rule picked.
  evaluation: z.looseObject({ challenger: z.looseObject({ version: z.string() }) }).optional(),
  gate: z.looseObject({ promote: z.boolean() }).optional(),
  promotion: z.looseObject({ champion: z.string() }).optional(),
});
const batchOutcome = z.looseObject({
  report: z.looseObject({ files: z.looseObject({ scored: z.number(), listed: z.number() }), modelVersion: z.string() }).optional(),
});
const runInput = z.looseObject({ mode: z.string().optional() });

function resultOf(record: RunRecord): string | null {
  if (record.status !== 'SUCCEEDED') return null;
  const training = trainingOutcome.safeParse(record.output);
  if (training.success && training.data.train !== undefined) {
    const version = training.data.evaluation?.challenger.version ?? training.data.train.version;
    return training.data.promotion !== undefined ? `promoted ${training.data.promotion.champion}` : `rejected ${version}`;
  }
  const batch = batchOutcome.safeParse(record.output);
  if (batch.success && batch.data.report !== undefined) {
    const { files, modelVersion } = batch.data.report;
    return `scored ${files.scored} of ${files.listed} file(s) with ${modelVersion}`;
  }
  return 'succeeded';
}

export function runRow(record: RunRecord, now = Date.now()): RunRow {
  const status: ShownRunStatus = shownStatus(record, now);
  const input = runInput.safeParse(record.input);
  return {
    name: record.name,
    kind: workflowOf(record),
    mode: input.success ? (input.data.mode ?? null) : null,
    status: status.toLowerCase(),
    startedAt: record.startedAt,
    durationMs: record.durationMs ?? (status === 'RUNNING' ? Math.max(0, now - Date.parse(record.startedAt)) : null),
    result: resultOf(record),
    failure: record.status === 'SUCCEEDED' || status === 'RUNNING' ? null : status === 'STALE' ? `its process (pid ${record.runner.pid}) ended while it ran` : failureText(record),
    redriveCount: record.redriveCount ?? 0,
  };
}

/**
 * Which workflow a record is of. Records written before runs were named by workflow say
 * `state-machine`: their input tells (a batch has a batchName, a training run files and a mode).
 */
export function workflowOf(record: RunRecord): string {
  if (record.stateMachine !== 'state-machine') return record.stateMachine;
  const input = z.looseObject({ batchName: z.string().optional(), mode: z.string().optional() }).safeParse(record.input);
  if (input.success && input.data.batchName !== undefined) return BATCH_STATE_MACHINE;
  if (input.success && input.data.mode !== undefined) return TRAINING_STATE_MACHINE;
  return record.stateMachine;
}
