import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { DataContract } from '../lambdas/core/contract/contract.ts';
import { contractEnvironment } from '../lambdas/handlers/support/environment.ts';
import { BatchInferencePipeline } from './batch-pipeline.ts';
import { BatchTriggers } from './batch-triggers.ts';
import { type DataLakeNames, DataLakeRefs } from './data-lake.ts';
import { XRayWritePolicy } from './prognos-function.ts';
import { TrainingPipeline } from './training-pipeline.ts';
import { TrainingTriggers } from './training-triggers.ts';

export interface PrognosPipelineStackProps extends StackProps {
  readonly stage: string;
  /** The Data stack's names; the buckets are imported by their export names. */
  readonly lake: DataLakeNames;
  /** The app's data contract, given to every function (PROGNOS_CONTRACT). */
  readonly contract: DataContract;
  /** EventBridge schedule expression of the full retrain; undefined: no schedule. */
  readonly trainingSchedule?: string;
  /** Settings passed to every run (PIPELINE_CONFIG); only what the deployment sets. */
  readonly pipelineConfig: Record<string, unknown>;
  /** EventBridge schedule expression of batch inference; undefined: uploads only. */
  readonly batchSchedule?: string;
  /** Settings passed to every batch (BATCH_CONFIG); only what the deployment sets. @default {} */
  readonly batchConfig?: Readonly<Record<string, unknown>>;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
  /** @default 10240: the memory at which Lambda gives 6 vCPUs, all used by the linear-algebra pool */
  readonly trainMemoryMb?: number;
}

/**
 * Environment every Prognos function gets: where the data is, and what it is — the app's data
 * contract, the one that makes the Glue columns and the API request model, so ingest, the
 * training-set SQL and scoring agree with them.
 */
export function dataEnvironment(lake: DataLakeRefs, contract: DataContract): Record<string, string> {
  return {
    LANDING_BUCKET: lake.buckets.landing.bucketName,
    LAKE_BUCKET: lake.buckets.lake.bucketName,
    MODELS_BUCKET: lake.buckets.models.bucketName,
    GLUE_DATABASE: lake.glueDatabase,
    ATHENA_WORKGROUP: lake.workGroup,
    ...contractEnvironment(contract),
  };
}

/**
 * The batch settings with the deployment's pipeline settings as the `retrainConfig` of a drift
 * retrain, so a retrain trains as the uploads and the schedule do; a `retrainConfig` the batch
 * settings give themselves wins.
 */
export function withRetrainConfig(batchConfig: Readonly<Record<string, unknown>>, pipelineConfig: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (batchConfig.retrainConfig !== undefined || Object.keys(pipelineConfig).length === 0) return { ...batchConfig };
  return { ...batchConfig, retrainConfig: pipelineConfig };
}

/** The batch inference state machine's name in a stage (its Distributed Map starts executions of it by name). */
export function batchStateMachineName(stage: string): string {
  return `Prognos-${stage}-BatchInference`;
}

/**
 * The stateless workflows: training (TrainingPipeline and what starts it, TrainingTriggers) and
 * batch inference (BatchInferencePipeline, BatchTriggers), each a Workflow from its own ASL file
 * and Task map. Safe to destroy and redeploy; all data lives in the Data stack.
 */
export class PrognosPipelineStack extends Stack {
  readonly training: TrainingPipeline;
  readonly triggers: TrainingTriggers;
  readonly batch: BatchInferencePipeline;
  readonly batchTriggers: BatchTriggers;

  constructor(scope: Construct, id: string, props: PrognosPipelineStackProps) {
    super(scope, id, props);
    Tags.of(this).add('prognos:stage', props.stage);
    const lake = new DataLakeRefs(this, props.lake);
    const xrayPolicy = new XRayWritePolicy(this, 'XRay');
    const environment = dataEnvironment(lake, props.contract);
    const common = { xrayPolicy, environment, logLevel: props.logLevel, logRetention: props.logRetention };

    this.training = new TrainingPipeline(this, 'Training', { ...common, lake, trainMemoryMb: props.trainMemoryMb });
    this.triggers = new TrainingTriggers(this, 'Triggers', {
      ...common,
      stateMachine: this.training.workflow.stateMachine,
      landingBucket: lake.buckets.landing,
      schedule: props.trainingSchedule,
      pipelineConfig: props.pipelineConfig,
    });

    this.batch = new BatchInferencePipeline(this, 'Batch', {
      ...common,
      lake,
      trainingStateMachine: this.training.workflow.stateMachine,
      stateMachineName: batchStateMachineName(props.stage),
    });
    this.batchTriggers = new BatchTriggers(this, 'BatchTriggers', {
      ...common,
      stateMachine: this.batch.workflow.stateMachine,
      landingBucket: lake.buckets.landing,
      schedule: props.batchSchedule,
      batchConfig: withRetrainConfig(props.batchConfig ?? {}, props.pipelineConfig),
    });

    new CfnOutput(this, 'TrainingStateMachineArn', {
      value: this.training.workflow.stateMachine.stateMachineArn,
      description: 'Training state machine (executions: train-<hash> for uploads, daily-YYYY-MM-DD for the schedule)',
    });
    new CfnOutput(this, 'TriggersDeadLetterQueueUrl', {
      value: this.triggers.deadLetterQueue.queueUrl,
      description: 'Events that could not start a training run',
    });
    new CfnOutput(this, 'BatchStateMachineArn', {
      value: this.batch.workflow.stateMachine.stateMachineArn,
      description: 'Batch inference state machine (executions: infer-<hash of the listed files>)',
    });
    new CfnOutput(this, 'BatchTriggersDeadLetterQueueUrl', {
      value: this.batchTriggers.deadLetterQueue.queueUrl,
      description: 'Events that could not start a batch inference run',
    });
  }
}
