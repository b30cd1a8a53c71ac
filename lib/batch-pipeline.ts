import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BATCH_MEMORY_MB } from '../lambdas/core/cost/function-memory.ts';
import { type DataLakeRefs, KEYS } from './data-lake.ts';
import { LakeAccess } from './lake-access.ts';
import { METRICS_NAMESPACE, PrognosFunction, type XRayWritePolicy } from './prognos-function.ts';
import { Workflow } from './workflow.ts';

export const BATCH_DEFINITION = 'statemachines/batch-inference.asl.json';
/** POWERTOOLS_SERVICE_NAME of the batch steps: the `service` dimension of the drift metrics. */
export const BATCH_SERVICE = 'prognos-batch';

/** One Task's function: its handler, size and timeout (a little under the Task's TimeoutSeconds). */
interface StepSpec {
  readonly handler: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly description: string;
}

/**
 * The functions of batch-inference.asl.json's Tasks. As in training, each timeout leaves 10 s of
 * its Task's TimeoutSeconds (ScoreFile 600, ListNewFiles/ComputeDrift/WriteBatchReport 120,
 * StartRetrain/RecordFailure 60), so Lambda, not Step Functions, ends a step that runs too long.
 * ScoreFile holds one landing file, its predictions and the champion in memory (2 GB, more than
 * one vCPU); WriteBatchReport renders Vega charts like the training report.
 */
export const BATCH_FUNCTIONS = {
  ListNewFiles: { handler: 'list-new-files', memorySize: BATCH_MEMORY_MB.ListNewFiles, timeout: Duration.seconds(110), description: 'List the landing/inference/ files no earlier batch scored into the batch manifest' },
  ScoreFile: { handler: 'score-file', memorySize: BATCH_MEMORY_MB.ScoreFile, timeout: Duration.seconds(590), description: 'Score one landing/inference/ CSV with the champion: predictions, quarantine, drift summary' },
  ComputeDrift: { handler: 'compute-drift', memorySize: BATCH_MEMORY_MB.ComputeDrift, timeout: Duration.seconds(110), description: "Compare the batch with the champion's training distribution; decide on a drift retrain" },
  WriteBatchReport: { handler: 'write-batch-report', memorySize: BATCH_MEMORY_MB.WriteBatchReport, timeout: Duration.seconds(110), description: "Render the batch's HTML report and summary.json" },
  StartRetrain: { handler: 'start-retrain', memorySize: BATCH_MEMORY_MB.StartRetrain, timeout: Duration.seconds(50), description: 'Start a full training run that drift requested (deterministic name)' },
  RecordFailure: { handler: 'record-batch-failure', memorySize: BATCH_MEMORY_MB.RecordFailure, timeout: Duration.seconds(50), description: 'Record a failed batch under lake/runs/' },
} as const satisfies Record<string, StepSpec>;

export type BatchFunctionName = keyof typeof BATCH_FUNCTIONS;

export interface BatchInferencePipelineProps {
  readonly lake: DataLakeRefs;
  /** Environment of every function (bucket names, Glue database, workgroup). */
  readonly environment: Record<string, string>;
  readonly xrayPolicy: XRayWritePolicy;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
  /** The training state machine that a drifted batch may start (StartRetrain). */
  readonly trainingStateMachine: sfn.IStateMachine;
  /** The state machine's name: its Distributed Map starts child executions of it by this name. */
  readonly stateMachineName: string;
}

/**
 * The batch inference workflow: one function per Task of batch-inference.asl.json, each allowed
 * exactly the keys its step reads and writes, and the state machine that runs them, whose
 * Distributed Map lists `landing/inference/` and runs one child execution per file.
 *
 * The grants use the step code's own prefixes (from lambdas/core/steps/batch/). Who may do what
 * is listed in docs/architecture.md (Permissions), generated from the template and checked
 * against it.
 *
 * Only StartRetrain gets STATE_MACHINE_ARN (the training state machine) and may start it; the
 * batch handlers' shared context reads the variable only when a retrain is started.
 */
export class BatchInferencePipeline extends Construct {
  readonly functions: Readonly<Record<BatchFunctionName, PrognosFunction>>;
  readonly workflow: Workflow;

  constructor(scope: Construct, id: string, props: BatchInferencePipelineProps) {
    super(scope, id);
    const fns = {} as Record<BatchFunctionName, PrognosFunction>;
    for (const [step, spec] of Object.entries(BATCH_FUNCTIONS) as [BatchFunctionName, StepSpec][]) {
      fns[step] = new PrognosFunction(this, step, {
        ...spec,
        serviceName: BATCH_SERVICE,
        logLevel: props.logLevel,
        logRetention: props.logRetention,
        // Only StartRetrain starts training runs (batch-context.ts reads the ARN when it first starts one).
        environment: step === 'StartRetrain' ? { ...props.environment, STATE_MACHINE_ARN: props.trainingStateMachine.stateMachineArn } : props.environment,
        xrayPolicy: props.xrayPolicy,
      });
    }
    this.functions = fns;
    grantBatchAccess(new LakeAccess(props.lake), fns, props.trainingStateMachine);

    this.workflow = new Workflow(this, 'Workflow', {
      definitionFile: BATCH_DEFINITION,
      tasks: fns,
      substitutions: { LakeBucketName: props.lake.buckets.lake.bucketName },
      stateMachineName: props.stateMachineName,
      // ScoreFiles reads the manifest ListNewFiles wrote (batch-state.ts batchManifestKey).
      itemReaderKeys: { ScoreFiles: `${KEYS.batches}*/manifest.json` },
      logRetention: props.logRetention,
      description: 'Prognos batch inference',
    });
  }

  /** 1 when a batch drifted (ComputeDrift's Powertools metric), 0 otherwise; by default the day's maximum. */
  metricDrift(metricName: 'DriftDetected' | 'DriftedFeatures' | 'DriftRetrainRequested' | 'LatentVarianceShift', props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: BATCH_SERVICE },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.days(1),
      ...props,
    });
  }

  /** Per-feature PSI or KS (dimension `Feature`) of every feature that has reported, by a SEARCH expression. */
  metricFeatureDrift(metricName: 'FeaturePsi' | 'FeatureKs', period: Duration): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},Feature,service} MetricName="${metricName}" service="${BATCH_SERVICE}"', 'Maximum', ${period.toSeconds()})`,
      usingMetrics: {},
      label: metricName,
      period,
    });
  }
}

function grantBatchAccess(access: LakeAccess, fns: Record<BatchFunctionName, PrognosFunction>, training: sfn.IStateMachine): void {
  const { ListNewFiles, ScoreFile, ComputeDrift, WriteBatchReport, StartRetrain, RecordFailure } = fns;

  access.list(ListNewFiles, 'ListLanding', 'landing');
  access.list(ListNewFiles, 'ListLake', 'lake');
  access.write(ListNewFiles, 'WriteManifest', 'lake', KEYS.batches, "writes the batch's manifest of new files");

  access.list(ScoreFile, 'ListLanding', 'landing');
  access.read(ScoreFile, 'ReadLandingInference', 'landing', KEYS.landingInference, 'reads the landing file it scores');
  access.list(ScoreFile, 'ListModels', 'models');
  access.read(ScoreFile, 'ReadModels', 'models', KEYS.models, "reads the champion pointer and the champion's artifact");
  access.list(ScoreFile, 'ListLake', 'lake');
  access.readWrite(ScoreFile, 'ScoredMarkers', 'lake', KEYS.scored, 'reads and create-only writes the marker that a content was scored');
  access.write(ScoreFile, 'WritePredictions', 'lake', KEYS.predictionPartitions, "writes the file's predictions into the predictions table's dt= partitions");
  access.write(ScoreFile, 'WriteQuarantine', 'lake', KEYS.quarantine, 'writes rejected rows, or an unusable file, with their reasons');
  access.write(ScoreFile, 'WriteBatchFiles', 'lake', KEYS.batches, "records the file's outcome in the batch's file list");
  access.readWrite(ScoreFile, 'ScoredFilesLedger', 'lake', KEYS.ledger, 'reads and create-only writes the ledger entry of a landing key and ETag');

  access.list(ComputeDrift, 'ListLake', 'lake');
  access.readWrite(ComputeDrift, 'Batches', 'lake', KEYS.batches, "reads the batch's file list and writes its drift.json");
  access.readWriteKey(ComputeDrift, 'RetrainCooldown', 'lake', KEYS.lastRetrain, 'reads and compare-and-swaps the drift retrain cooldown record');
  access.list(ComputeDrift, 'ListModels', 'models');
  access.read(ComputeDrift, 'ReadModels', 'models', KEYS.models, "reads the training reference in the scoring model's manifest");

  access.list(WriteBatchReport, 'ListLake', 'lake');
  access.readWrite(WriteBatchReport, 'Batches', 'lake', KEYS.batches, "reads the batch's file list and drift.json and writes its summary.json");
  access.write(WriteBatchReport, 'WriteReport', 'lake', KEYS.batchReports, "writes the batch's HTML report");
  access.list(WriteBatchReport, 'ListModels', 'models');
  access.read(WriteBatchReport, 'ReadModels', 'models', KEYS.models, "reads the champion pointer and the scoring model's manifest");

  StartRetrain.grant('StartTraining', ['states:StartExecution'], [training.stateMachineArn], 'starts the full retrain that drift requested');

  access.write(RecordFailure, 'WriteRunRecords', 'lake', KEYS.runs, "writes the failed batch's record");
}
