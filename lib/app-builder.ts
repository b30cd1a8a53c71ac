import { Duration, Tags, Validations } from 'aws-cdk-lib';
import type { App, Environment } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONTRACT, type DataContract } from '../lambdas/core/contract/contract.ts';
import { PrognosApiStack } from './api-stack.ts';
import { defaultConfig, parseStage, type PrognosConfig } from './config.ts';
import { dataLakeNames } from './data-lake.ts';
import { PrognosDataStack } from './data-stack.ts';
import { PrognosMonitoringStack } from './monitoring-stack.ts';
import { PrognosPipelineStack } from './pipeline-stack.ts';

export { parseStage, STAGE_PATTERN } from './config.ts';

export interface PrognosAppConfig extends Partial<Omit<PrognosConfig, 'stage'>> {
  /** Deployment stage; must match {@link STAGE_PATTERN}. Every other setting has its default (lib/config.ts). */
  readonly stage: string;
  /**
   * Target account/region.
   * @default - environment-agnostic stacks
   */
  readonly env?: Environment;
  /**
   * Run the cdk-nag AwsSolutions pack over the whole app during synthesis.
   * @default true
   */
  readonly nag?: boolean;
  /**
   * The data contract (Glue columns, API request model, and every function's PROGNOS_CONTRACT).
   * @default DEFAULT_CONTRACT
   */
  readonly contract?: DataContract;
}

export interface PrognosStacks {
  readonly data: PrognosDataStack;
  readonly pipeline: PrognosPipelineStack;
  readonly api: PrognosApiStack;
  readonly monitoring: PrognosMonitoringStack;
}

/**
 * The stacks of one Prognos deployment, built into `app`; bin/app.ts and the tests both use it.
 *
 * `Prognos-<stage>-Data` holds everything stateful (buckets, Glue, Athena). The stateless
 * `-Pipeline` (training and batch inference workflows and their triggers) and `-Api` (prediction
 * API) stacks import its bucket names by export name; `-Monitoring` (alarm topic, alarms,
 * dashboard) comes last.
 */
export function buildApp(app: App, appConfig: PrognosAppConfig): PrognosStacks {
  const stage = parseStage(appConfig.stage);
  const { env, nag, contract = DEFAULT_CONTRACT, ...overrides } = appConfig;
  const config: PrognosConfig = { ...defaultConfig(stage), ...overrides, stage };
  Tags.of(app).add('project', 'prognos');
  const names = dataLakeNames(stage);
  const logRetention = config.logRetentionDays as RetentionDays;
  const prefix = `Prognos-${stage}`;

  const data = new PrognosDataStack(app, `${prefix}-Data`, {
    stage,
    env,
    names,
    contract,
    description: `Prognos (${stage}): data lake buckets, Glue catalogue, Athena workgroup`,
    landingArchiveDays: config.landingArchiveDays,
    trainingSetRetentionDays: config.trainingSetRetentionDays,
    athenaBytesScannedCutoff: config.athenaScanLimitBytes,
    noncurrentVersionExpiration: Duration.days(90),
  });

  const pipeline = new PrognosPipelineStack(app, `${prefix}-Pipeline`, {
    stage,
    env,
    lake: names,
    contract,
    description: `Prognos (${stage}): training and batch inference workflows, their functions and triggers`,
    trainingSchedule: config.trainingSchedule,
    pipelineConfig: config.pipelineConfig,
    batchSchedule: config.batchSchedule,
    batchConfig: config.batchConfig,
    logLevel: config.logLevel,
    logRetention,
    trainMemoryMb: config.trainMemoryMb,
  });
  pipeline.addStackDependency(data, 'imports the bucket names the Data stack exports');

  const api = new PrognosApiStack(app, `${prefix}-Api`, {
    stage,
    env,
    lake: names,
    contract,
    description: `Prognos (${stage}): prediction API`,
    authMode: config.apiAuth,
    throttle: config.apiThrottle,
    quotaPerDay: config.apiQuotaPerDay,
    waf: config.apiWaf,
    corsOrigins: config.apiCorsOrigins,
    predictReservedConcurrency: config.predictReservedConcurrency,
    logLevel: config.logLevel,
    logRetention,
  });
  api.addStackDependency(data, 'imports the bucket names the Data stack exports');

  const monitoring = new PrognosMonitoringStack(app, `${prefix}-Monitoring`, {
    stage,
    env,
    description: `Prognos (${stage}): alarm topic, alarms, dashboard`,
    alarmEmail: config.alarmEmail,
    workflows: [
      { workflow: pipeline.training.workflow, functions: pipeline.training.functions },
      { workflow: pipeline.batch.workflow, functions: pipeline.batch.functions },
    ],
    deadLetterQueues: [pipeline.triggers.deadLetterQueue, pipeline.batchTriggers.deadLetterQueue],
    batch: pipeline.batch,
    api: api.prediction,
  });

  if (nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { data, pipeline, api, monitoring };
}
