import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PrognosFunction } from './prognos-function.ts';

/** How long the starter waits for more uploads before it starts one run over all of them. */
export const UPLOAD_BATCHING_WINDOW = Duration.seconds(60);
/** Most upload events one starter invocation reads (SQS allows up to 10,000 with a window). */
export const UPLOAD_BATCH_SIZE = 1000;
/**
 * Concurrent starter invocations the queue may drive: 2, the least SQS event sources allow.
 * Lambda polls a queue with several pollers, each gathering its own batch, so a burst can reach
 * the starter as two windows (two runs; a promotion race between them is an outcome, not a
 * failure), never as one run per file.
 */
export const UPLOAD_MAX_CONCURRENCY = 2;
/** Deliveries of a window before its events go to the dead-letter queue. */
export const UPLOAD_MAX_RECEIVE_COUNT = 3;

export interface UploadQueueProps {
  /** The starter that reads the queue in windows. */
  readonly starter: PrognosFunction;
  /** Where events go that EventBridge cannot deliver, and windows the starter fails on three times. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * Uploads coalesce: the landing bucket's "Object Created" events go to this queue (an
 * EventBridge target, `queueTarget` in pipeline-triggers.ts), and the starter reads them in batches gathered
 * over {@link UPLOAD_BATCHING_WINDOW}, so a burst of uploads starts one run instead of one per
 * file. Encrypted, TLS-only; a window the starter fails on three times goes to the dead-letter
 * queue the monitoring stack alarms on.
 *
 * The starter's role is immutable (PrognosFunction), so the consume permission is granted here,
 * explicitly, and the event source mapping is created without CDK's automatic grant.
 */
export class UploadQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly eventSource: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: UploadQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda's advice: six times the function's timeout, so a slow invocation is not read twice.
      visibilityTimeout: Duration.seconds(props.starter.timeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: UPLOAD_MAX_RECEIVE_COUNT },
    });
    props.starter.grant(
      'ConsumeUploadQueue',
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      [this.queue.queueArn],
      'reads the upload events in windows',
    );
    this.eventSource = new lambda.EventSourceMapping(this, 'Windows', {
      target: props.starter.function,
      eventSourceArn: this.queue.queueArn,
      batchSize: UPLOAD_BATCH_SIZE,
      maxBatchingWindow: UPLOAD_BATCHING_WINDOW,
      maxConcurrency: UPLOAD_MAX_CONCURRENCY,
    });
    // The mapping must not poll before the role may read the queue.
    this.eventSource.node.addDependency(props.starter.role);
  }
}
