import type { Step } from '../context.ts';
import type { BatchStepContext } from './batch-state.ts';
import { computeDrift } from './compute-drift.ts';
import { listNewFiles } from './list-new-files.ts';
import { recordBatchFailure } from './record-failure.ts';
import { scoreFile } from './score-file.ts';
import { startRetrain } from './start-retrain.ts';
import { writeBatchReport } from './write-batch-report.ts';

/** The batch inference state machine's Task states and the step each one runs (in AWS: one Lambda each). */
export const BATCH_STEPS = {
  ListNewFiles: listNewFiles,
  ScoreFile: scoreFile,
  ComputeDrift: computeDrift,
  WriteBatchReport: writeBatchReport,
  StartRetrain: startRetrain,
  RecordFailure: recordBatchFailure,
} as const satisfies Record<string, Step<BatchStepContext>>;

export type BatchTaskState = keyof typeof BATCH_STEPS;
