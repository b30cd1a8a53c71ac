import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { DataContract } from '../lambdas/core/contract/contract.ts';
import type { ApiAuthMode } from './config.ts';
import { type DataLakeNames, DataLakeRefs } from './data-lake.ts';
import { dataEnvironment } from './pipeline-stack.ts';
import { PredictionApi } from './prediction-api.ts';
import { XRayWritePolicy } from './prognos-function.ts';

export interface PrognosApiStackProps extends StackProps {
  readonly stage: string;
  readonly lake: DataLakeNames;
  readonly contract: DataContract;
  readonly authMode: ApiAuthMode;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly quotaPerDay: number;
  readonly waf: boolean;
  /** Origins allowed by CORS; empty: off. @default [] */
  readonly corsOrigins?: readonly string[];
  /** Reserved concurrency of the prediction function. @default - none */
  readonly predictReservedConcurrency?: number;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
}

/** The stateless serving side: the prediction API and its function. */
export class PrognosApiStack extends Stack {
  readonly prediction: PredictionApi;

  constructor(scope: Construct, id: string, props: PrognosApiStackProps) {
    super(scope, id, props);
    Tags.of(this).add('prognos:stage', props.stage);
    const lake = new DataLakeRefs(this, props.lake);
    this.prediction = new PredictionApi(this, 'Prediction', {
      apiName: `prognos-${props.stage}`,
      lake,
      contract: props.contract,
      environment: dataEnvironment(lake, props.contract),
      xrayPolicy: new XRayWritePolicy(this, 'XRay'),
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      authMode: props.authMode,
      throttle: props.throttle,
      quotaPerDay: props.quotaPerDay,
      waf: props.waf,
      corsOrigins: props.corsOrigins,
      reservedConcurrency: props.predictReservedConcurrency,
    });

    const api = this.prediction.api;
    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL: POST predict, GET model, GET health, GET openapi.json' });
    new CfnOutput(this, 'ApiInvokeArn', {
      value: api.arnForExecuteApi('*', '/*', api.deploymentStage.stageName),
      description: 'Resource for an IAM policy allowing execute-api:Invoke on every route (iam mode)',
    });
    if (this.prediction.apiKey) {
      new CfnOutput(this, 'ApiKeyId', {
        value: this.prediction.apiKey.keyId,
        description: 'aws apigateway get-api-key --include-value --api-key <id> prints the key (apiKey mode)',
      });
    }
  }
}
