import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TRAINING_MEMORY_MB } from '../lambdas/core/cost/function-memory.ts';
import { type DataLakeRefs, KEYS } from './data-lake.ts';
import { LakeAccess } from './lake-access.ts';
import { PrognosFunction, type XRayWritePolicy } from './prognos-function.ts';
import { Workflow } from './workflow.ts';

export const TRAINING_DEFINITION = 'statemachines/training.asl.json';
export const TRAINING_SERVICE = 'prognos-training';

/** One Task's function: its handler, size and timeout (a little under the Task's TimeoutSeconds). */
interface StepSpec {
  readonly handler: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly description: string;
  readonly linalgWorker?: boolean;
}

/**
 * The functions of training.asl.json's Tasks. Each timeout leaves 10 s of its Task's
 * TimeoutSeconds (Train 900, ingest/training set/split/challengers/Evaluate 300, WriteReport 120,
 * Gate/Promote/RecordFailure 60) for the invocation itself, so Lambda, not Step Functions, ends a
 * step that runs too long, with a Lambda timeout error the run record shows.
 */
export const TRAINING_FUNCTIONS = {
  ValidateAndIngest: { handler: 'validate-and-ingest', memorySize: TRAINING_MEMORY_MB.ValidateAndIngest, timeout: Duration.seconds(290), description: 'Validate one landing CSV, write typed Parquet and quarantine bad rows' },
  BuildTrainingSet: { handler: 'build-training-set', memorySize: TRAINING_MEMORY_MB.BuildTrainingSet, timeout: Duration.seconds(290), description: "Select the run's training set from the feature table with Athena" },
  SplitAndScale: { handler: 'split-and-scale', memorySize: TRAINING_MEMORY_MB.SplitAndScale, timeout: Duration.seconds(290), description: 'Split the training set, fit the scaler on the training split only' },
  Train: { handler: 'train', memorySize: TRAINING_MEMORY_MB.Train, timeout: Duration.seconds(890), description: 'Fit the Gaussian process classifier (full or refit)', linalgWorker: true },
  TrainLogistic: { handler: 'train-logistic', memorySize: TRAINING_MEMORY_MB.TrainLogistic, timeout: Duration.seconds(290), description: 'Fit the logistic-regression challenger; threshold from out-of-fold scores' },
  TrainBoosting: { handler: 'train-boosting', memorySize: TRAINING_MEMORY_MB.TrainBoosting, timeout: Duration.seconds(290), description: 'Fit the gradient-boosting challenger; threshold from out-of-fold scores' },
  Evaluate: { handler: 'evaluate', memorySize: TRAINING_MEMORY_MB.Evaluate, timeout: Duration.seconds(290), description: "Score the run's models and the champion on the same holdout; pick the run's challenger", linalgWorker: true },
  Gate: { handler: 'gate', memorySize: TRAINING_MEMORY_MB.Gate, timeout: Duration.seconds(50), description: 'Decide whether the challenger may replace the champion' },
  WriteReport: { handler: 'write-report', memorySize: TRAINING_MEMORY_MB.WriteReport, timeout: Duration.seconds(110), description: "Render the run's HTML report" },
  Promote: { handler: 'promote', memorySize: TRAINING_MEMORY_MB.Promote, timeout: Duration.seconds(50), description: 'Swap models/champion.json to the new version (compare-and-swap)' },
  RecordFailure: { handler: 'record-failure', memorySize: TRAINING_MEMORY_MB.RecordFailure, timeout: Duration.seconds(50), description: "Record a failed run under lake/runs/; never touches the champion" },
} as const satisfies Record<string, StepSpec>;

export type TrainingFunctionName = keyof typeof TRAINING_FUNCTIONS;

export interface TrainingPipelineProps {
  readonly lake: DataLakeRefs;
  /** Environment of every function (bucket names, Glue database, workgroup). */
  readonly environment: Record<string, string>;
  readonly xrayPolicy: XRayWritePolicy;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
  /** @default 10240: the memory at which Lambda gives 6 vCPUs, all used by the linear-algebra pool */
  readonly trainMemoryMb?: number;
}

/**
 * The training workflow: one function per Task of training.asl.json, each allowed exactly the
 * keys its step reads and writes, and the state machine that runs them.
 *
 * The grants use the step code's own prefixes (from lambdas/core). Who may do what is listed in
 * docs/architecture.md (Permissions), generated from the template and checked against it.
 */
export class TrainingPipeline extends Construct {
  readonly functions: Readonly<Record<TrainingFunctionName, PrognosFunction>>;
  readonly workflow: Workflow;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    const fns = {} as Record<TrainingFunctionName, PrognosFunction>;
    for (const [step, spec] of Object.entries(TRAINING_FUNCTIONS) as [TrainingFunctionName, StepSpec][]) {
      fns[step] = new PrognosFunction(this, step, {
        ...spec,
        memorySize: step === 'Train' ? (props.trainMemoryMb ?? spec.memorySize) : spec.memorySize,
        serviceName: TRAINING_SERVICE,
        logLevel: props.logLevel,
        logRetention: props.logRetention,
        environment: props.environment,
        xrayPolicy: props.xrayPolicy,
      });
    }
    this.functions = fns;
    grantTrainingAccess(new LakeAccess(props.lake), fns, props.lake);

    this.workflow = new Workflow(this, 'Workflow', {
      definitionFile: TRAINING_DEFINITION,
      tasks: fns,
      logRetention: props.logRetention,
      description: 'Prognos training',
    });
  }
}

function grantTrainingAccess(access: LakeAccess, fns: Record<TrainingFunctionName, PrognosFunction>, lake: DataLakeRefs): void {
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

  access.list(Promote, 'ListModels', 'models');
  access.read(Promote, 'ReadModels', 'models', KEYS.models, 'verifies the artifact and reads the current champion before the swap');
  access.writeKey(Promote, 'SwapChampion', 'models', KEYS.champion);
  access.write(Promote, 'RecordChampionHistory', 'models', KEYS.championHistory, 'records each pointer it swaps in, the history rollback works from');

  access.write(RecordFailure, 'WriteRunRecords', 'lake', KEYS.runs, "writes the failed run's record");
}
