import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type DataLakeNames, DataLakeRefs } from './data-lake.ts';
import { XRayWritePolicy } from './prognos-function.ts';
import { TrainingPipeline } from './training-pipeline.ts';
import { TrainingTriggers } from './training-triggers.ts';

export interface PrognosPipelineStackProps extends StackProps {
  readonly stage: string;
  /** The Data stack's names; the buckets are imported by their export names. */
  readonly lake: DataLakeNames;
  /** EventBridge schedule expression of the full retrain; undefined: no schedule. */
  readonly trainingSchedule?: string;
  /** Settings passed to every run (PIPELINE_CONFIG); only what the deployment sets. */
  readonly pipelineConfig: Record<string, unknown>;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
  /** @default 3008 */
  readonly trainMemoryMb?: number;
}

/** Environment every Prognos function gets: where the data is. */
export function dataEnvironment(lake: DataLakeRefs): Record<string, string> {
  return {
    LANDING_BUCKET: lake.buckets.landing.bucketName,
    LAKE_BUCKET: lake.buckets.lake.bucketName,
    MODELS_BUCKET: lake.buckets.models.bucketName,
    GLUE_DATABASE: lake.glueDatabase,
    ATHENA_WORKGROUP: lake.workGroup,
  };
}

/**
 * The stateless training side: the step functions and state machine (TrainingPipeline), and what
 * starts it (TrainingTriggers). Safe to destroy and redeploy; all data lives in the Data stack.
 * A second workflow (batch inference) is one more Workflow here with its own file and Task map.
 */
export class PrognosPipelineStack extends Stack {
  readonly training: TrainingPipeline;
  readonly triggers: TrainingTriggers;

  constructor(scope: Construct, id: string, props: PrognosPipelineStackProps) {
    super(scope, id, props);
    Tags.of(this).add('prognos:stage', props.stage);
    const lake = new DataLakeRefs(this, props.lake);
    const xrayPolicy = new XRayWritePolicy(this, 'XRay');
    const environment = dataEnvironment(lake);
    const common = { xrayPolicy, environment, logLevel: props.logLevel, logRetention: props.logRetention };

    this.training = new TrainingPipeline(this, 'Training', { ...common, lake, trainMemoryMb: props.trainMemoryMb });
    this.triggers = new TrainingTriggers(this, 'Triggers', {
      ...common,
      stateMachine: this.training.workflow.stateMachine,
      landingBucket: lake.buckets.landing,
      schedule: props.trainingSchedule,
      pipelineConfig: props.pipelineConfig,
    });

    new CfnOutput(this, 'TrainingStateMachineArn', {
      value: this.training.workflow.stateMachine.stateMachineArn,
      description: 'Training state machine (executions: train-<hash> for uploads, daily-YYYY-MM-DD for the schedule)',
    });
    new CfnOutput(this, 'TriggersDeadLetterQueueUrl', {
      value: this.triggers.deadLetterQueue.queueUrl,
      description: 'Events that could not start a training run',
    });
  }
}
