import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PrognosFunction, type XRayWritePolicy } from './prognos-function.ts';
import { UploadQueue } from './upload-queue.ts';

/** POWERTOOLS_SERVICE_NAME of the starters: the `service` dimension of their RunsStarted metrics. */
export const TRIGGERS_SERVICE = 'prognos-triggers';
/** How long EventBridge keeps trying to hand an event to a starter, and how often. */
export const TARGET_MAX_EVENT_AGE = Duration.hours(2);
export const TARGET_RETRY_ATTEMPTS = 8;
/** A starter's own asynchronous retries (Lambda's), after EventBridge has handed the event over. */
export const STARTER_MAX_EVENT_AGE = Duration.hours(1);
export const STARTER_RETRY_ATTEMPTS = 2;
/** A starter lists and starts; it holds no data. */
const STARTER_MEMORY_MB = 256;

/** What every pipeline's triggers are given by the stack. */
export interface PipelineTriggersProps {
  readonly stateMachine: sfn.IStateMachine;
  /** Uploads under the pipeline's landing prefix of this bucket start a run. */
  readonly landingBucket: s3.IBucket;
  /** EventBridge schedule expression of a scheduled run; undefined: no schedule. */
  readonly schedule?: string;
  readonly environment: Record<string, string>;
  readonly xrayPolicy: XRayWritePolicy;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
}

/** One IAM statement of a starter, besides StartExecution on its state machine and the upload queue's. */
export interface StarterGrant {
  readonly sid: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly reason: string;
  readonly conditions?: Record<string, Record<string, unknown>>;
}

/** What one pipeline's triggers state: the rest is the same for every pipeline. */
export interface StarterSpec {
  /** The starter's construct id, and the Sid of its StartExecution statement (`StartTraining`). */
  readonly id: string;
  /** Handler file name under lambdas/handlers/, without `.ts`. */
  readonly handler: string;
  readonly description: string;
  readonly timeout: Duration;
  /** The starter's own variables (its state machine's ARN, its run settings), added to the stack's. */
  readonly environment: Record<string, string>;
  /** Statements the starter needs before it may start the state machine. @default none */
  readonly grants?: readonly StarterGrant[];
  /** The `why` of the StartExecution statement. */
  readonly startReason: string;
  /** The landing prefix whose uploads start a run, and the upload rule's description. */
  readonly uploads: { readonly prefix: string; readonly description: string };
  /** The schedule rule's construct id and description (used only when the props set a schedule). */
  readonly scheduleRule: { readonly id: string; readonly description: string };
}

/**
 * What starts one pipeline in AWS: uploads under its landing prefix (the landing bucket sends its
 * events to EventBridge, which queues them; the starter reads a window of them and starts one run
 * over all their files) and optionally a schedule, both to one starter Lambda that starts the
 * state machine under a deterministic execution name, so a duplicate event starts nothing new.
 *
 * Nothing is dropped silently: an event EventBridge cannot deliver (after its retries) and an
 * event the starter fails on (after Lambda's asynchronous retries) both land in one encrypted
 * dead-letter queue, which the monitoring stack alarms on.
 *
 * Each pipeline's triggers extend this class (so their resources keep their construct paths) and
 * state only what differs: the starter's handler, variables and grants, and the rules' texts.
 */
export class PipelineTriggers extends Construct {
  readonly starter: PrognosFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly uploadRule: events.Rule;
  readonly uploads: UploadQueue;
  readonly scheduleRule?: events.Rule;

  constructor(scope: Construct, id: string, props: PipelineTriggersProps, spec: StarterSpec) {
    super(scope, id);
    this.deadLetterQueue = triggerDeadLetterQueue(this, 'DeadLetters');

    this.starter = new PrognosFunction(this, spec.id, {
      handler: spec.handler,
      description: spec.description,
      memorySize: STARTER_MEMORY_MB,
      timeout: spec.timeout,
      serviceName: TRIGGERS_SERVICE,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      xrayPolicy: props.xrayPolicy,
      environment: { ...props.environment, ...spec.environment },
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: STARTER_RETRY_ATTEMPTS,
      maxEventAge: STARTER_MAX_EVENT_AGE,
    });
    for (const grant of spec.grants ?? []) this.starter.grant(grant.sid, grant.actions, grant.resources, grant.reason, grant.conditions);
    this.starter.grant(spec.id, ['states:StartExecution'], [props.stateMachine.stateMachineArn], spec.startReason);

    this.uploads = new UploadQueue(this, 'Uploads', { starter: this.starter, deadLetterQueue: this.deadLetterQueue });
    this.uploadRule = new events.Rule(this, 'OnUpload', {
      description: spec.uploads.description,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.landingBucket.bucketName] },
          object: { key: [{ prefix: spec.uploads.prefix }] },
        },
      },
      targets: [queueTarget(this.uploads.queue, this.deadLetterQueue)],
    });

    if (props.schedule !== undefined) {
      this.scheduleRule = new events.Rule(this, spec.scheduleRule.id, {
        description: spec.scheduleRule.description,
        schedule: events.Schedule.expression(props.schedule),
        targets: [starterTarget(this.starter, this.deadLetterQueue)],
      });
    }
  }
}

/** The encrypted, TLS-only queue that keeps 14 days of the events a trigger could not turn into a run. */
function triggerDeadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

/** An EventBridge target that queues the event for a starter's upload window: bounded retries, then the dead-letter queue. */
function queueTarget(queue: sqs.IQueue, deadLetterQueue: sqs.IQueue): targets.SqsQueue {
  return new targets.SqsQueue(queue, { deadLetterQueue, maxEventAge: TARGET_MAX_EVENT_AGE, retryAttempts: TARGET_RETRY_ATTEMPTS });
}

/** An EventBridge target that invokes a starter asynchronously: bounded retries, then the dead-letter queue. */
function starterTarget(starter: PrognosFunction, deadLetterQueue: sqs.IQueue): targets.LambdaFunction {
  return new targets.LambdaFunction(starter.function, { deadLetterQueue, maxEventAge: TARGET_MAX_EVENT_AGE, retryAttempts: TARGET_RETRY_ATTEMPTS });
}
