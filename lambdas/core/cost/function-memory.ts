/**
 * The memory of each Task's Lambda function, in MB, by workflow and Task state: read by lib/
 * (the functions CDK deploys) and by the cost estimate (GB-seconds), so the two cannot disagree.
 * Lambda's CPU grows with memory (one full vCPU at 1,769 MB, six at 10,240 MB).
 */

export const TRAINING_MEMORY_MB = {
  ValidateAndIngest: 1024,
  BuildTrainingSet: 1024,
  SplitAndScale: 1024,
  // Six vCPUs, all used by the linear-algebra pool; a deployment may lower it (prognos:trainMemoryMb).
  Train: 10_240,
  // One vCPU (1,769 MB) is what a single-threaded fit uses; the data and five fold copies need far less memory.
  TrainLogistic: 1769,
  TrainBoosting: 1769,
  Evaluate: 2048,
  Gate: 256,
  WriteReport: 1024,
  Promote: 512,
  RecordFailure: 256,
} as const;

export const BATCH_MEMORY_MB = {
  // Two listings (landing and ledger keys) in memory: about 300 B a key.
  ListNewFiles: 512,
  // One landing file, its predictions and the champion in memory, and more than one vCPU.
  ScoreFile: 2048,
  ComputeDrift: 512,
  WriteBatchReport: 1024,
  StartRetrain: 256,
  RecordFailure: 256,
} as const;

/** The memory table of a workflow by its state machine name (`training`, `batch-inference`); undefined for another. */
export function taskMemoryOf(stateMachine: string): Readonly<Record<string, number>> | undefined {
  if (stateMachine === 'training') return TRAINING_MEMORY_MB;
  if (stateMachine === 'batch-inference') return BATCH_MEMORY_MB;
  return undefined;
}
