import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { KEYS } from './data-lake.ts';
import { PipelineTriggers, type PipelineTriggersProps } from './pipeline-triggers.ts';

export interface BatchTriggersProps extends PipelineTriggersProps {
  /** EventBridge schedule expression of a batch run; undefined: uploads only. */
  readonly schedule?: string;
  /** Settings passed to every batch (BATCH_CONFIG); only what the deployment sets. */
  readonly batchConfig: Readonly<Record<string, unknown>>;
}

/**
 * What starts batch inference in AWS: uploads under `landing/inference/` (queued, and read by the
 * starter in windows, so a burst starts one batch), and optionally a schedule, both to one
 * starter Lambda (lambdas/handlers/start-batch.ts) with the dead-letter queue every pipeline's
 * triggers have (PipelineTriggers). It lists the prefix and starts the batch state machine under
 * a name made from the keys and ETags it found, so the events of one landing zone start one
 * batch. It ignores the scheduled event: it scores whatever is under the prefix (files scored
 * before are skipped).
 */
export class BatchTriggers extends PipelineTriggers {
  constructor(scope: Construct, id: string, props: BatchTriggersProps) {
    super(scope, id, props, {
      id: 'StartBatch',
      handler: 'start-batch',
      description: `List ${KEYS.landingInference} and start a batch inference execution over it (deterministic name)`,
      // Listing is paged (1,000 keys a call): a minute covers a very large landing zone.
      timeout: Duration.seconds(60),
      environment: { BATCH_STATE_MACHINE_ARN: props.stateMachine.stateMachineArn, BATCH_CONFIG: JSON.stringify(props.batchConfig) },
      grants: [
        {
          sid: 'ListLandingInference',
          actions: ['s3:ListBucket'],
          resources: [props.landingBucket.bucketArn],
          reason: `lists the files under ${KEYS.landingInference} that the batch will score`,
          conditions: { StringLike: { 's3:prefix': [`${KEYS.landingInference}*`] } },
        },
      ],
      startReason: 'starts batch inference executions',
      uploads: { prefix: KEYS.landingInference, description: `Prognos: files uploaded under ${KEYS.landingInference} within a window start one batch (through the upload queue)` },
      scheduleRule: { id: 'Schedule', description: `Prognos: scheduled batch inference over ${KEYS.landingInference}` },
    });
  }
}
