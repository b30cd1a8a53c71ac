import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { KEYS } from './data-lake.ts';
import { PrognosFunction, type XRayWritePolicy } from './prognos-function.ts';
import { queueTarget, STARTER_MAX_EVENT_AGE, STARTER_RETRY_ATTEMPTS, starterTarget, TRIGGERS_SERVICE, triggerDeadLetterQueue } from './training-triggers.ts';
import { UploadQueue } from './upload-queue.ts';

export interface BatchTriggersProps {
  readonly stateMachine: sfn.IStateMachine;
  /** Uploads under `landing/inference/` of this bucket start a batch over that prefix. */
  readonly landingBucket: s3.IBucket;
  /** EventBridge schedule expression of a batch run; undefined: uploads only. */
  readonly schedule?: string;
  /** Settings passed to every batch (BATCH_CONFIG); only what the deployment sets. */
  readonly batchConfig: Readonly<Record<string, unknown>>;
  readonly environment: Record<string, string>;
  readonly xrayPolicy: XRayWritePolicy;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * What starts batch inference in AWS: uploads under `landing/inference/` (queued, and read by the
 * starter in windows, so a burst starts one batch), and optionally a schedule, both to one
 * starter Lambda (lambdas/handlers/start-batch.ts). It lists the prefix and
 * starts the batch state machine under a name made from the keys and ETags it found, so the
 * events of one landing zone start one batch.
 *
 * As for training, nothing is dropped silently: undeliverable events and events the starter fails
 * on (after bounded retries) land in an encrypted dead-letter queue the monitoring stack alarms on.
 */
export class BatchTriggers extends Construct {
  readonly starter: PrognosFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly uploadRule: events.Rule;
  readonly uploads: UploadQueue;
  readonly scheduleRule?: events.Rule;

  constructor(scope: Construct, id: string, props: BatchTriggersProps) {
    super(scope, id);
    this.deadLetterQueue = triggerDeadLetterQueue(this, 'DeadLetters');

    this.starter = new PrognosFunction(this, 'StartBatch', {
      handler: 'start-batch',
      description: `List ${KEYS.landingInference} and start a batch inference execution over it (deterministic name)`,
      memorySize: 256,
      // Listing is paged (1,000 keys a call): a minute covers a very large landing zone.
      timeout: Duration.seconds(60),
      serviceName: TRIGGERS_SERVICE,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      xrayPolicy: props.xrayPolicy,
      environment: {
        ...props.environment,
        BATCH_STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        BATCH_CONFIG: JSON.stringify(props.batchConfig),
      },
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: STARTER_RETRY_ATTEMPTS,
      maxEventAge: STARTER_MAX_EVENT_AGE,
    });
    this.starter.grant(
      'ListLandingInference',
      ['s3:ListBucket'],
      [props.landingBucket.bucketArn],
      `lists the files under ${KEYS.landingInference} that the batch will score`,
      { StringLike: { 's3:prefix': [`${KEYS.landingInference}*`] } },
    );
    this.starter.grant('StartBatch', ['states:StartExecution'], [props.stateMachine.stateMachineArn], 'starts batch inference executions');

    this.uploads = new UploadQueue(this, 'Uploads', { starter: this.starter, deadLetterQueue: this.deadLetterQueue });
    this.uploadRule = new events.Rule(this, 'OnUpload', {
      description: `Prognos: files uploaded under ${KEYS.landingInference} within a window start one batch (through the upload queue)`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.landingBucket.bucketName] },
          object: { key: [{ prefix: KEYS.landingInference }] },
        },
      },
      targets: [queueTarget(this.uploads.queue, this.deadLetterQueue)],
    });

    if (props.schedule !== undefined) {
      // The starter ignores the event: it scores whatever is under the prefix (files scored before are skipped).
      this.scheduleRule = new events.Rule(this, 'Schedule', {
        description: `Prognos: scheduled batch inference over ${KEYS.landingInference}`,
        schedule: events.Schedule.expression(props.schedule),
        targets: [starterTarget(this.starter, this.deadLetterQueue)],
      });
    }
  }
}
