import { trainBoosting, trainLogistic } from './challengers/train-challenger.ts';
import type { Step } from './context.ts';
import { evaluateChallenger } from './evaluate.ts';
import { gate } from './gate.ts';
import { validateAndIngest } from './ingest.ts';
import { promote } from './promote.ts';
import { recordFailure } from './record-failure.ts';
import { splitAndScale } from './split-and-scale.ts';
import { train } from './train.ts';
import { buildTrainingSet } from './training-set.ts';
import { writeReport } from './write-report.ts';

/** The training state machine's Task states and the step each one runs (in AWS: one Lambda each). */
export const TRAINING_STEPS = {
  ValidateAndIngest: validateAndIngest,
  BuildTrainingSet: buildTrainingSet,
  SplitAndScale: splitAndScale,
  Train: train,
  TrainLogistic: trainLogistic,
  TrainBoosting: trainBoosting,
  Evaluate: evaluateChallenger,
  Gate: gate,
  WriteReport: writeReport,
  Promote: promote,
  RecordFailure: recordFailure,
} as const satisfies Record<string, Step>;

export type TrainingTaskState = keyof typeof TRAINING_STEPS;
