import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { KEYS } from './data-lake.ts';
import { PrognosFunction, type XRayWritePolicy } from './prognos-function.ts';
import { UploadQueue } from './upload-queue.ts';

/** POWERTOOLS_SERVICE_NAME of the starter: the `service` dimension of its TrainingRunsStarted metric. */
export const TRIGGERS_SERVICE = 'prognos-triggers';
/** How long EventBridge keeps trying to hand an event to the starter, and how often. */
export const TARGET_MAX_EVENT_AGE = Duration.hours(2);
export const TARGET_RETRY_ATTEMPTS = 8;
/** The starter's own asynchronous retries (Lambda's), after EventBridge has handed the event over. */
export const STARTER_MAX_EVENT_AGE = Duration.hours(1);
export const STARTER_RETRY_ATTEMPTS = 2;

export interface TrainingTriggersProps {
  readonly stateMachine: sfn.IStateMachine;
  /** Uploads under `landing/training/` of this bucket start a refit. */
  readonly landingBucket: s3.IBucket;
  /** EventBridge schedule expression of the full retrain; undefined: no schedule. */
  readonly schedule?: string;
  /** Settings passed to every run (PIPELINE_CONFIG); only what the deployment sets. */
  readonly pipelineConfig: Record<string, unknown>;
  readonly environment: Record<string, string>;
  readonly xrayPolicy: XRayWritePolicy;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * What starts a training run in AWS: uploads under `landing/training/` (the landing bucket sends
 * its events to EventBridge, which queues them; the starter reads a window of them and starts one
 * refit over all their files) and the daily schedule, both to one starter Lambda that starts the
 * state machine under a deterministic execution name, so a duplicate event starts nothing new.
 *
 * Nothing is dropped silently: an event EventBridge cannot deliver (after its retries) and an
 * event the starter fails on (after Lambda's asynchronous retries) both land in one encrypted
 * dead-letter queue, which the monitoring stack alarms on.
 */
export class TrainingTriggers extends Construct {
  readonly starter: PrognosFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly uploadRule: events.Rule;
  readonly uploads: UploadQueue;
  readonly scheduleRule?: events.Rule;

  constructor(scope: Construct, id: string, props: TrainingTriggersProps) {
    super(scope, id);

    this.deadLetterQueue = triggerDeadLetterQueue(this, 'DeadLetters');

    this.starter = new PrognosFunction(this, 'StartTraining', {
      handler: 'start-training',
      description: 'Start a training execution for an upload or the daily schedule (deterministic name)',
      memorySize: 256,
      timeout: Duration.seconds(30),
      serviceName: TRIGGERS_SERVICE,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      xrayPolicy: props.xrayPolicy,
      environment: {
        ...props.environment,
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        PIPELINE_CONFIG: JSON.stringify(props.pipelineConfig),
      },
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: STARTER_RETRY_ATTEMPTS,
      maxEventAge: STARTER_MAX_EVENT_AGE,
    });
    this.starter.grant('StartTraining', ['states:StartExecution'], [props.stateMachine.stateMachineArn], 'starts training executions');

    const target = () => starterTarget(this.starter, this.deadLetterQueue);
    this.uploads = new UploadQueue(this, 'Uploads', { starter: this.starter, deadLetterQueue: this.deadLetterQueue });

    this.uploadRule = new events.Rule(this, 'OnUpload', {
      description: `Prognos: CSVs uploaded under ${KEYS.landingTraining} within a window start one refit (through the upload queue)`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.landingBucket.bucketName] },
          object: { key: [{ prefix: KEYS.landingTraining }] },
        },
      },
      targets: [queueTarget(this.uploads.queue, this.deadLetterQueue)],
    });

    if (props.schedule !== undefined) {
      // The starter reads the scheduled event itself ('Scheduled Event', its time): a full
      // retrain named daily-YYYY-MM-DD, so the input is the event as EventBridge sends it.
      this.scheduleRule = new events.Rule(this, 'Daily', {
        description: 'Prognos: the daily full retrain',
        schedule: events.Schedule.expression(props.schedule),
        targets: [target()],
      });
    }
  }
}

/** The encrypted, TLS-only queue that keeps 14 days of the events a trigger could not turn into a run. */
export function triggerDeadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

/** An EventBridge target that queues the event for a starter's upload window: bounded retries, then the dead-letter queue. */
export function queueTarget(queue: sqs.IQueue, deadLetterQueue: sqs.IQueue): targets.SqsQueue {
  return new targets.SqsQueue(queue, { deadLetterQueue, maxEventAge: TARGET_MAX_EVENT_AGE, retryAttempts: TARGET_RETRY_ATTEMPTS });
}

/** An EventBridge target that invokes a starter asynchronously: bounded retries, then the dead-letter queue. */
export function starterTarget(starter: PrognosFunction, deadLetterQueue: sqs.IQueue): targets.LambdaFunction {
  return new targets.LambdaFunction(starter.function, { deadLetterQueue, maxEventAge: TARGET_MAX_EVENT_AGE, retryAttempts: TARGET_RETRY_ATTEMPTS });
}
