import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { DataContract } from '../lambdas/core/contract/contract.ts';
import type { ApiAuthMode } from './config.ts';
import type { DataLakeRefs } from './data-lake.ts';
import { LakeAccess } from './lake-access.ts';
import { addGatewayResponses } from './gateway-responses.ts';
import { acknowledge } from './nag.ts';
import { predictRequestJsonSchema } from './predict-request-model.ts';
import { METRICS_NAMESPACE, PrognosFunction, type XRayWritePolicy } from './prognos-function.ts';

export const API_SERVICE = 'prognos-api';
/** The API Gateway stage of the REST API (part of its URL). */
export const API_STAGE_NAME = 'v1';
/** API Gateway's integration timeout is 29 s; the function ends first. */
export const PREDICT_TIMEOUT = Duration.seconds(25);
/**
 * Memory of the prediction function: 1,769 MB is where Lambda gives one full vCPU, and scoring
 * runs on one thread, so more memory would not make a request faster (docs/architecture.md,
 * "Sizing the prediction function", has the measurement behind it).
 */
export const PREDICT_MEMORY_MB = 1769;
/** Request headers a browser may send on a CORS request (SigV4 and API-key ones included). */
export const CORS_ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'X-Amz-Date', 'X-Amz-Security-Token', 'X-Amz-Content-Sha256', 'X-Api-Key'];

export interface PredictionApiProps {
  /** The API's name (`prognos-<stage>`): API Gateway's metrics are keyed by it. */
  readonly apiName: string;
  readonly lake: DataLakeRefs;
  readonly contract: DataContract;
  readonly environment: Record<string, string>;
  readonly xrayPolicy: XRayWritePolicy;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
  /** `iam`: SigV4-signed requests only; `apiKey`: an `x-api-key` header tied to a usage plan. */
  readonly authMode: ApiAuthMode;
  /** Steady-state requests per second and burst the stage allows. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Requests per day per API key (apiKey mode). */
  readonly quotaPerDay: number;
  /** A WAF web ACL in front of the stage. */
  readonly waf: boolean;
  /** Browser origins allowed by CORS (`*` alone, or exact origins). @default [] (CORS off) */
  readonly corsOrigins?: readonly string[];
  /** Reserved concurrency of the prediction function. @default - none (the account's unreserved pool) */
  readonly reservedConcurrency?: number;
  /** @default PREDICT_MEMORY_MB */
  readonly memorySize?: number;
}

/**
 * On-demand predictions: a REST API whose routes all go to one predict Lambda (proxy integration),
 * which loads the champion from the models bucket.
 *
 * - `POST /predict` — `{ "instances": [ … ] }` → probability, label, uncertainty, model version;
 *   the body is checked first by a request validator against a JSON-schema model generated from
 *   the data contract (at most 1,000 instances).
 * - `GET /model` — the champion's metadata and metrics; `GET /health` — liveness;
 *   `GET /openapi.json` — the API's OpenAPI 3 document.
 *
 * API Gateway's own refusals (a body the validator rejects, an unsigned request, throttling, a
 * timeout) answer in the same JSON error shape as the function (lib/gateway-responses.ts). CORS is
 * off unless the deployment names origins: API Gateway then answers preflights, the function
 * adds `Access-Control-Allow-Origin` to its answers.
 *
 * Authorization is IAM (SigV4) by default, or an API key with a usage plan; the stage is
 * throttled, writes JSON access logs and execution error logs, and is traced with X-Ray.
 */
export class PredictionApi extends Construct {
  readonly api: apigw.RestApi;
  readonly predict: PrognosFunction;
  readonly accessLogs: logs.LogGroup;
  readonly requestModel: apigw.Model;
  readonly validator: apigw.RequestValidator;
  readonly methods: apigw.Method[];
  readonly apiKey?: apigw.IApiKey;
  readonly webAcl?: wafv2.CfnWebACL;
  readonly gatewayResponses: apigw.GatewayResponse[];

  constructor(scope: Construct, id: string, props: PredictionApiProps) {
    super(scope, id);

    const corsOrigins = props.corsOrigins ?? [];
    this.predict = new PrognosFunction(this, 'Predict', {
      handler: 'predict',
      description: 'Prediction API: score instances with the champion, describe the model',
      memorySize: props.memorySize ?? PREDICT_MEMORY_MB,
      timeout: PREDICT_TIMEOUT,
      serviceName: API_SERVICE,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      environment: { ...props.environment, ...(corsOrigins.length > 0 ? { API_CORS_ORIGINS: corsOrigins.join(',') } : {}) },
      xrayPolicy: props.xrayPolicy,
      reservedConcurrentExecutions: props.reservedConcurrency,
    });
    const access = new LakeAccess(props.lake);
    access.readModels(this.predict, 'reads models/champion.json and the champion version it serves');

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    const iam = props.authMode === 'iam';
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: 'Prognos predictions: POST /predict, GET /model, GET /health',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // The account-level role API Gateway needs to write execution logs (see the acknowledgement).
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        // Request and response bodies stay out of the logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
      },
      defaultMethodOptions: iam ? { authorizationType: apigw.AuthorizationType.IAM } : { authorizationType: apigw.AuthorizationType.NONE, apiKeyRequired: true },
      apiKeySourceType: iam ? undefined : apigw.ApiKeySourceType.HEADER,
      defaultCorsPreflightOptions:
        corsOrigins.length === 0
          ? undefined
          : { allowOrigins: [...corsOrigins], allowMethods: ['GET', 'POST', 'OPTIONS'], allowHeaders: CORS_ALLOWED_HEADERS, maxAge: Duration.hours(1) },
    });

    this.requestModel = this.api.addModel('PredictRequest', {
      modelName: 'PredictRequest',
      contentType: 'application/json',
      description: 'POST /predict body, generated from the data contract',
      schema: predictRequestJsonSchema(props.contract),
    });
    // API Gateway requires both flags for cdk-nag's AwsSolutions-APIG2; no method declares
    // required parameters, so only the body check does anything.
    this.validator = this.api.addRequestValidator('Validator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // API Gateway's own answers in the API's error shape; a rejected body says why.
    this.gatewayResponses = addGatewayResponses(this.api, { corsOrigin: corsOrigins.length === 1 ? corsOrigins[0] : undefined });

    const integration = new apigw.LambdaIntegration(this.predict.function, { proxy: true, allowTestInvoke: false });
    const predict = this.api.root.addResource('predict').addMethod('POST', integration, {
      requestValidator: this.validator,
      // API Gateway validates JSON bodies (a request without Content-Type counts as JSON); a body
      // sent as another type passes through to the handler, which parses and checks it itself.
      requestModels: { 'application/json': this.requestModel },
    });
    const model = this.api.root.addResource('model').addMethod('GET', integration);
    const health = this.api.root.addResource('health').addMethod('GET', integration);
    const openapi = this.api.root.addResource('openapi.json').addMethod('GET', integration);
    this.methods = [predict, model, health, openapi];

    for (const method of this.methods) {
      const route = `${method.httpMethod} ${method.resource.path}`;
      if (iam) {
        acknowledge(
          method,
          'COG4',
          `${route} uses IAM (SigV4) authorization, chosen over Cognito because the callers are services and operators with AWS credentials, not end users with a user pool; unsigned requests are rejected by API Gateway.`,
        );
      } else {
        acknowledge(method, 'APIG4', `${route} requires an API key (prognos:apiAuth=apiKey) tied to a usage plan with a daily quota and throttling; the deployment chose keys instead of IAM for callers without AWS credentials.`);
        acknowledge(method, 'COG4', `${route} is authorized by API key and usage plan (prognos:apiAuth=apiKey), a deliberate choice for machine callers without a Cognito user pool.`);
      }
    }
    acknowledge(
      this.api.node.findChild('CloudWatchRole'),
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy is the documented policy of the account-level role API Gateway uses to write execution logs (required for AwsSolutions-APIG6); it only allows CloudWatch Logs writes by API Gateway.',
    );

    if (!iam) {
      this.apiKey = this.api.addApiKey('ApiKey', { description: 'Prognos prediction API key (usage plan with quota and throttling)' });
      const plan = this.api.addUsagePlan('UsagePlan', {
        description: 'Prognos prediction API',
        throttle: props.throttle,
        quota: { limit: props.quotaPerDay, period: apigw.Period.DAY },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      plan.addApiKey(this.apiKey);
    }

    if (props.waf) {
      this.webAcl = webAcl(this, props.throttle.rateLimit);
      new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: this.webAcl.attrArn });
    } else {
      acknowledge(
        this.api.deploymentStage,
        'APIG3',
        'No WAF web ACL by default (prognos:apiWaf=false): every request must be SigV4-signed or carry an API key, the stage is throttled, and the body is schema-validated before the function runs; set prognos:apiWaf=true to add AWS managed rules and a per-IP rate limit.',
      );
    }
  }

  /** The `PredictionsServed` metric the predict handler publishes (Powertools, namespace Prognos). */
  metricPredictionsServed(): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'PredictionsServed',
      dimensionsMap: { service: API_SERVICE },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    });
  }
}

/** AWS managed common and known-bad-input rules, and a per-IP rate limit, for a regional API. */
function webAcl(scope: Construct, rateLimit: number): wafv2.CfnWebACL {
  const visibility = (name: string) => ({ cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true });
  const managed = (priority: number, name: string, excluded: string[] = []): wafv2.CfnWebACL.RuleProperty => ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ruleActionOverrides: excluded.map((rule) => ({ name: rule, actionToUse: { count: {} } })),
      },
    },
    visibilityConfig: visibility(name),
  });
  return new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('PrognosApi'),
    rules: [
      // A POST /predict body of up to 1,000 instances is larger than the rule set's 8 KB limit.
      managed(0, 'AWSManagedRulesCommonRuleSet', ['SizeRestrictions_BODY']),
      managed(1, 'AWSManagedRulesKnownBadInputsRuleSet'),
      {
        name: 'RatePerIp',
        priority: 2,
        action: { block: {} },
        // Requests per 5 minutes from one address: the stage's whole rate, sustained.
        statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: Math.max(100, Math.round(rateLimit * 300)) } },
        visibilityConfig: visibility('RatePerIp'),
      },
    ],
  });
}
