import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { BATCH_MEMORY_MB } from '../lambdas/core/cost/function-memory.ts';
import { KEYS } from './data-lake.ts';
import type { LakeAccess } from './lake-access.ts';
import { Pipeline, type PipelineProps, type TaskFunctionSpec, taskFunction } from './pipeline.ts';
import { METRICS_NAMESPACE, type PrognosFunction } from './prognos-function.ts';

export const BATCH_DEFINITION = 'statemachines/batch-inference.asl.json';
/** POWERTOOLS_SERVICE_NAME of the batch steps: the `service` dimension of the drift metrics. */
export const BATCH_SERVICE = 'prognos-batch';

/**
 * The functions of batch-inference.asl.json's Tasks, each with its Task's TimeoutSeconds
 * (ScoreFile 600, ListNewFiles/ComputeDrift/WriteBatchReport 120, StartRetrain/RecordFailure 60);
 * as in training, the function's own timeout is 10 s less (see taskFunction).
 * ScoreFile holds one landing file, its predictions and the champion in memory (2 GB, more than
 * one vCPU); WriteBatchReport renders Vega charts like the training report.
 */
export const BATCH_FUNCTIONS = {
  ListNewFiles: taskFunction('list-new-files', BATCH_MEMORY_MB.ListNewFiles, 120, 'List the landing/inference/ files no earlier batch scored into the batch manifest'),
  ScoreFile: taskFunction('score-file', BATCH_MEMORY_MB.ScoreFile, 600, 'Score one landing/inference/ CSV with the champion: predictions, quarantine, drift summary'),
  ComputeDrift: taskFunction('compute-drift', BATCH_MEMORY_MB.ComputeDrift, 120, "Compare the batch with the champion's training distribution; decide on a drift retrain"),
  WriteBatchReport: taskFunction('write-batch-report', BATCH_MEMORY_MB.WriteBatchReport, 120, "Render the batch's HTML report and summary.json"),
  StartRetrain: taskFunction('start-retrain', BATCH_MEMORY_MB.StartRetrain, 60, 'Start a full training run that drift requested (deterministic name)'),
  RecordFailure: taskFunction('record-batch-failure', BATCH_MEMORY_MB.RecordFailure, 60, 'Record a failed batch under lake/runs/'),
} as const satisfies Record<string, TaskFunctionSpec>;

export type BatchFunctionName = keyof typeof BATCH_FUNCTIONS;

export interface BatchInferencePipelineProps extends PipelineProps {
  /** The training state machine that a drifted batch may start (StartRetrain). */
  readonly trainingStateMachine: sfn.IStateMachine;
  /** The state machine's name: its Distributed Map starts child executions of it by this name. */
  readonly stateMachineName: string;
}

/**
 * The batch inference workflow (a Pipeline): one function per Task of batch-inference.asl.json, each allowed
 * exactly the keys its step reads and writes, and the state machine that runs them, whose
 * Distributed Map lists `landing/inference/` and runs one child execution per file.
 *
 * The grants use the data layout's prefixes (lambdas/core/storage-keys.ts). Who may do what is
 * listed in docs/architecture.md (Permissions), generated from the template and checked against it.
 *
 * Only StartRetrain gets STATE_MACHINE_ARN (the training state machine) and may start it; the
 * batch handlers' shared context reads the variable only when a retrain is started.
 */
export class BatchInferencePipeline extends Pipeline<BatchFunctionName> {
  constructor(scope: Construct, id: string, props: BatchInferencePipelineProps) {
    super(scope, id, props, {
      definitionFile: BATCH_DEFINITION,
      description: 'Prognos batch inference',
      serviceName: BATCH_SERVICE,
      functions: BATCH_FUNCTIONS,
      // Only StartRetrain starts training runs (batch-context.ts reads the ARN when it first starts one).
      override: (task) => (task === 'StartRetrain' ? { environment: { ...props.environment, STATE_MACHINE_ARN: props.trainingStateMachine.stateMachineArn } } : undefined),
      grant: (access, fns) => grantBatchAccess(access, fns, props.trainingStateMachine),
      workflow: {
        substitutions: { LakeBucketName: props.lake.buckets.lake.bucketName },
        stateMachineName: props.stateMachineName,
        // ScoreFiles reads the manifest ListNewFiles wrote (storage-keys.ts batchManifestKey).
        itemReaderKeys: { ScoreFiles: `${KEYS.batches}*/manifest.json` },
      },
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

function grantBatchAccess(access: LakeAccess, fns: Readonly<Record<BatchFunctionName, PrognosFunction>>, training: sfn.IStateMachine): void {
  const { ListNewFiles, ScoreFile, ComputeDrift, WriteBatchReport, StartRetrain, RecordFailure } = fns;

  access.list(ListNewFiles, 'ListLanding', 'landing');
  access.list(ListNewFiles, 'ListLake', 'lake');
  access.write(ListNewFiles, 'WriteManifest', 'lake', KEYS.batches, "writes the batch's manifest of new files");

  access.list(ScoreFile, 'ListLanding', 'landing');
  access.read(ScoreFile, 'ReadLandingInference', 'landing', KEYS.landingInference, 'reads the landing file it scores');
  access.readModels(ScoreFile, "reads the champion pointer and the champion's artifact");
  access.list(ScoreFile, 'ListLake', 'lake');
  access.readWrite(ScoreFile, 'ScoredMarkers', 'lake', KEYS.scored, 'reads and create-only writes the marker that a content was scored');
  access.write(ScoreFile, 'WritePredictions', 'lake', KEYS.predictionPartitions, "writes the file's predictions into the predictions table's dt= partitions");
  access.write(ScoreFile, 'WriteQuarantine', 'lake', KEYS.quarantine, 'writes rejected rows, or an unusable file, with their reasons');
  access.write(ScoreFile, 'WriteBatchFiles', 'lake', KEYS.batches, "records the file's outcome in the batch's file list");
  access.readWrite(ScoreFile, 'ScoredFilesLedger', 'lake', KEYS.ledger, 'reads and create-only writes the ledger entry of a landing key and ETag');

  access.list(ComputeDrift, 'ListLake', 'lake');
  access.readWrite(ComputeDrift, 'Batches', 'lake', KEYS.batches, "reads the batch's file list and writes its drift.json");
  access.readWriteKey(ComputeDrift, 'RetrainCooldown', 'lake', KEYS.lastRetrain, 'reads and compare-and-swaps the drift retrain cooldown record');
  access.readModels(ComputeDrift, "reads the training reference in the scoring model's manifest");

  access.list(WriteBatchReport, 'ListLake', 'lake');
  access.readWrite(WriteBatchReport, 'Batches', 'lake', KEYS.batches, "reads the batch's file list and drift.json and writes its summary.json");
  access.write(WriteBatchReport, 'WriteReport', 'lake', KEYS.batchReports, "writes the batch's HTML report");
  access.readModels(WriteBatchReport, "reads the champion pointer and the scoring model's manifest");

  StartRetrain.grant('StartTraining', ['states:StartExecution'], [training.stateMachineArn], 'starts the full retrain that drift requested');

  access.write(RecordFailure, 'WriteRunRecords', 'lake', KEYS.runs, "writes the failed batch's record");
}
