import type { Construct } from 'constructs';
import { TRAINING_MEMORY_MB } from '../lambdas/core/cost/function-memory.ts';
import { type DataLakeRefs, KEYS } from './data-lake.ts';
import type { LakeAccess } from './lake-access.ts';
import { Pipeline, type PipelineProps, type TaskFunctionSpec, taskFunction } from './pipeline.ts';
import type { PrognosFunction } from './prognos-function.ts';

export const TRAINING_DEFINITION = 'statemachines/training.asl.json';
export const TRAINING_SERVICE = 'prognos-training';

/**
 * The functions of training.asl.json's Tasks, each with its Task's TimeoutSeconds (Train 900,
 * ingest/training set/split/challengers/Evaluate 300, WriteReport 120, Gate/Promote/RecordFailure
 * 60); the function's own timeout is 10 s less (see taskFunction).
 */
export const TRAINING_FUNCTIONS = {
  ValidateAndIngest: taskFunction('validate-and-ingest', TRAINING_MEMORY_MB.ValidateAndIngest, 300, 'Validate one landing CSV, write typed Parquet and quarantine bad rows'),
  BuildTrainingSet: taskFunction('build-training-set', TRAINING_MEMORY_MB.BuildTrainingSet, 300, "Select the run's training set from the feature table with Athena"),
  SplitAndScale: taskFunction('split-and-scale', TRAINING_MEMORY_MB.SplitAndScale, 300, 'Split the training set, fit the scaler on the training split only'),
  Train: taskFunction('train', TRAINING_MEMORY_MB.Train, 900, 'Fit the Gaussian process classifier (full or refit)', { linalgWorker: true }),
  TrainLogistic: taskFunction('train-logistic', TRAINING_MEMORY_MB.TrainLogistic, 300, 'Fit the logistic-regression challenger; threshold from out-of-fold scores'),
  TrainBoosting: taskFunction('train-boosting', TRAINING_MEMORY_MB.TrainBoosting, 300, 'Fit the gradient-boosting challenger; threshold from out-of-fold scores'),
  Evaluate: taskFunction('evaluate', TRAINING_MEMORY_MB.Evaluate, 300, "Score the run's models and the champion on the same holdout; pick the run's challenger", { linalgWorker: true }),
  Gate: taskFunction('gate', TRAINING_MEMORY_MB.Gate, 60, 'Decide whether the challenger may replace the champion'),
  WriteReport: taskFunction('write-report', TRAINING_MEMORY_MB.WriteReport, 120, "Render the run's HTML report"),
  Promote: taskFunction('promote', TRAINING_MEMORY_MB.Promote, 60, 'Swap models/champion.json to the new version (compare-and-swap)'),
  RecordFailure: taskFunction('record-failure', TRAINING_MEMORY_MB.RecordFailure, 60, "Record a failed run under lake/runs/; never touches the champion"),
} as const satisfies Record<string, TaskFunctionSpec>;

export type TrainingFunctionName = keyof typeof TRAINING_FUNCTIONS;

export interface TrainingPipelineProps extends PipelineProps {
  /** @default 10240: the memory at which Lambda gives 6 vCPUs, all used by the linear-algebra pool */
  readonly trainMemoryMb?: number;
}

/**
 * The training workflow (a Pipeline): one function per Task of training.asl.json, each allowed
 * exactly the keys its step reads and writes, and the state machine that runs them.
 *
 * The grants use the data layout's prefixes (lambdas/core/storage-keys.ts). Who may do what is
 * listed in docs/architecture.md (Permissions), generated from the template and checked against it.
 */
export class TrainingPipeline extends Pipeline<TrainingFunctionName> {
  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id, props, {
      definitionFile: TRAINING_DEFINITION,
      description: 'Prognos training',
      serviceName: TRAINING_SERVICE,
      functions: TRAINING_FUNCTIONS,
      override: (task) => (task === 'Train' && props.trainMemoryMb !== undefined ? { memorySize: props.trainMemoryMb } : undefined),
      grant: (access, fns) => grantTrainingAccess(access, fns, props.lake),
    });
  }
}

function grantTrainingAccess(access: LakeAccess, fns: Readonly<Record<TrainingFunctionName, PrognosFunction>>, lake: DataLakeRefs): void {
  const { ValidateAndIngest, BuildTrainingSet, SplitAndScale, Train, TrainLogistic, TrainBoosting, Evaluate, Gate, WriteReport, Promote, RecordFailure } = fns;

  access.read(ValidateAndIngest, 'ReadLandingTraining', 'landing', KEYS.landingTraining, 'reads the uploaded CSV files it validates');
  access.list(ValidateAndIngest, 'ListLake', 'lake');
  access.readWrite(ValidateAndIngest, 'IngestMarkers', 'lake', KEYS.ingested, 'reads and create-only writes the marker that a file content was ingested');
  access.write(ValidateAndIngest, 'WriteFeatures', 'lake', KEYS.features, 'writes the validated readings as Parquet partitions');
  access.readWrite(ValidateAndIngest, 'Quarantine', 'lake', KEYS.quarantine, 'writes rejected rows with their reasons, and reads and writes the record of a file set aside whole');

  access.query(BuildTrainingSet, [lake.names.featureTable], KEYS.features);
  access.write(BuildTrainingSet, 'WriteTrainingSet', 'lake', KEYS.trainingSets, "writes the run's training set and its SQL");

  access.readWrite(SplitAndScale, 'TrainingSets', 'lake', KEYS.trainingSets, "reads the run's training set and writes its split");

  // The challengers read the same split and write only their own version: no champion to read, no checkpoint.
  for (const fn of [TrainLogistic, TrainBoosting]) {
    access.read(fn, 'ReadTrainingSets', 'lake', KEYS.trainingSets, "reads the run's training set and split");
    access.write(fn, 'WriteModels', 'models', KEYS.models, 'writes its own candidate model version');
  }
  for (const fn of [Train, Evaluate]) {
    access.read(fn, 'ReadTrainingSets', 'lake', KEYS.trainingSets, "reads the run's split");
    access.list(fn, 'ListModels', 'models');
    access.readWrite(fn, 'Models', 'models', KEYS.models, 'reads the champion and writes its own model version');
  }
  // The Train loop's checkpoint, lake/runs/<run>/train-checkpoint.json; listing lets a missing one read as 404, not 403.
  access.list(Train, 'ListLake', 'lake');
  access.readWrite(Train, 'TrainCheckpoint', 'lake', KEYS.runs, "reads and replaces the run's Train checkpoint between rounds");
  access.write(Gate, 'WriteDecision', 'models', KEYS.models, "writes the decision record into the challenger's model version");
  access.list(WriteReport, 'ListModels', 'models');
  access.readWrite(WriteReport, 'Models', 'models', KEYS.models, "reads the version's records and writes its report.html");
  // Only Promote may move the champion pointer; the others' models/* grant excludes it explicitly.
  for (const fn of [Train, TrainLogistic, TrainBoosting, Evaluate, Gate, WriteReport]) {
    fn.deny('NeverMoveTheChampion', ['s3:PutObject', 's3:DeleteObject'], [lake.buckets.models.arnForObjects(KEYS.champion)]);
  }

  access.readModels(Promote, 'verifies the artifact and reads the current champion before the swap');
  access.writeKey(Promote, 'SwapChampion', 'models', KEYS.champion);
  access.write(Promote, 'RecordChampionHistory', 'models', KEYS.championHistory, 'records each pointer it swaps in, the history rollback works from');

  access.write(RecordFailure, 'WriteRunRecords', 'lake', KEYS.runs, "writes the failed run's record");
}
