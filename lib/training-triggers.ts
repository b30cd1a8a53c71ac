import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { KEYS } from './data-lake.ts';
import { PipelineTriggers, type PipelineTriggersProps } from './pipeline-triggers.ts';

export interface TrainingTriggersProps extends PipelineTriggersProps {
  /** EventBridge schedule expression of the full retrain; undefined: no schedule. */
  readonly schedule?: string;
  /** Settings passed to every run (PIPELINE_CONFIG); only what the deployment sets. */
  readonly pipelineConfig: Record<string, unknown>;
}

/**
 * What starts a training run in AWS: uploads under `landing/training/` start one refit over the
 * files of a window, and the daily schedule a full retrain, both through the starter
 * (lambdas/handlers/start-training.ts) and the dead-letter queue every pipeline's triggers have
 * (PipelineTriggers).
 *
 * The starter reads the scheduled event itself ('Scheduled Event', its time): a full retrain
 * named daily-YYYY-MM-DD, so the schedule's input is the event as EventBridge sends it.
 */
export class TrainingTriggers extends PipelineTriggers {
  constructor(scope: Construct, id: string, props: TrainingTriggersProps) {
    super(scope, id, props, {
      id: 'StartTraining',
      handler: 'start-training',
      description: 'Start a training execution for an upload or the daily schedule (deterministic name)',
      timeout: Duration.seconds(30),
      environment: { STATE_MACHINE_ARN: props.stateMachine.stateMachineArn, PIPELINE_CONFIG: JSON.stringify(props.pipelineConfig) },
      startReason: 'starts training executions',
      uploads: { prefix: KEYS.landingTraining, description: `Prognos: CSVs uploaded under ${KEYS.landingTraining} within a window start one refit (through the upload queue)` },
      scheduleRule: { id: 'Daily', description: 'Prognos: the daily full retrain' },
    });
  }
}
