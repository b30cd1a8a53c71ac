import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_CONTRACT, isNumeric } from '../../lambdas/core/contract/contract.ts';
import { predictRequestSchema } from '../../lambdas/core/contract/instance.ts';
import { GATEWAY_ERRORS } from '../../lambdas/core/serving/gateway-errors.ts';
import { gatewayResponseTemplate } from '../../lib/gateway-responses.ts';
import { MAX_INSTANCES_PER_REQUEST, predictRequestJsonSchema } from '../../lib/predict-request-model.ts';
import { PREDICT_MEMORY_MB } from '../../lib/prediction-api.ts';
import { logicalId, properties, STAGE, testApp, type TemplateJson } from './app.ts';

const { api, templates } = testApp();
const template = templates.api;
const prediction = api.prediction;
const stageProps = properties(template, logicalId(prediction.api.deploymentStage));
const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => (m as { Properties: Record<string, TemplateJson> }).Properties);
const routes = Object.fromEntries(
  methods.map((m) => {
    const resource = properties(template, m.ResourceId.Ref) as { PathPart: string };
    return [`${m.HttpMethod} /${resource.PathPart}`, m];
  }),
);

describe('prediction API', () => {
  it('routes POST /predict, GET /model, GET /health and GET /openapi.json to the predict function by proxy integration, and nothing else', () => {
    expect(Object.keys(routes).sort()).toEqual(['GET /health', 'GET /model', 'GET /openapi.json', 'POST /predict']);
    for (const m of methods) {
      expect(m.Integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(m.Integration.Uri)).toContain(logicalId(prediction.predict.function));
    }
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: `prognos-${STAGE}`, EndpointConfiguration: { Types: ['REGIONAL'] } });
  });

  it('requires IAM (SigV4) authorization on every route by default, no API key', () => {
    for (const m of methods) {
      expect(m.AuthorizationType).toBe('AWS_IAM');
      expect(m.ApiKeyRequired).toBeUndefined();
    }
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
  });

  it('throttles the stage (rate and burst from the configuration), traces it, and logs errors without bodies', () => {
    expect(stageProps.StageName).toBe('v1');
    expect(stageProps.TracingEnabled).toBe(true);
    expect(stageProps.MethodSettings).toEqual([
      { HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true },
    ]);
    const custom = testApp({ apiThrottle: { rateLimit: 5, burstLimit: 10 } });
    const settings = properties(custom.templates.api, logicalId(custom.api.prediction.api.deploymentStage)).MethodSettings as Record<string, unknown>[];
    expect(settings[0]).toMatchObject({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
  });

  it('writes JSON access logs to its own log group with retention', () => {
    const access = stageProps.AccessLogSetting as { DestinationArn: unknown; Format: string };
    // The log group's ARN without the trailing `:*` (feature flag @aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard).
    expect(access.DestinationArn).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:', { Ref: logicalId(prediction.accessLogs) }]],
    });
    const format = JSON.parse(access.Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', httpMethod: '$context.httpMethod', caller: '$context.identity.caller' });
    expect(properties(template, logicalId(prediction.accessLogs))).toMatchObject({ RetentionInDays: 30 });
  });

  it('validates the POST /predict body with the contract model; a bad body gets the validator message', () => {
    const predict = routes['POST /predict'];
    expect(predict.RequestValidatorId).toEqual({ Ref: logicalId(prediction.validator) });
    expect(predict.RequestModels).toEqual({ 'application/json': { Ref: logicalId(prediction.requestModel) } });
    expect(properties(template, logicalId(prediction.validator))).toMatchObject({ ValidateRequestBody: true, ValidateRequestParameters: true });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('escapeJavaScript\\(\\$context\\.error\\.validationErrorString\\)') },
    });
  });

  it("answers with a gateway response in the API's error shape for each of API Gateway's own refusals, no CORS header by default", () => {
    const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse')).map((r) => (r as { Properties: Record<string, TemplateJson> }).Properties);
    expect(responses.map((r) => r.ResponseType).sort()).toEqual(GATEWAY_ERRORS.map((e) => e.type).sort());
    for (const error of GATEWAY_ERRORS) {
      const response = responses.find((r) => r.ResponseType === error.type)!;
      expect(response.ResponseTemplates, error.type).toEqual({ 'application/json': gatewayResponseTemplate(error) });
      // API Gateway's own status for the type (DEFAULT_* keep the one they had).
      expect(response.StatusCode, error.type).toBeUndefined();
      expect(response.ResponseParameters).toEqual({ 'gatewayresponse.header.Cache-Control': "'no-store'" });
      expect(response.RestApiId).toEqual({ Ref: logicalId(prediction.api) });
    }
  });

  it('the model is JSON Schema draft 4 of { instances: [1…1000 instances] }, each exactly the contract features, within their ranges', () => {
    const model = properties(template, logicalId(prediction.requestModel)) as { ContentType: string; Schema: Record<string, TemplateJson> };
    expect(model.ContentType).toBe('application/json');
    const schema = model.Schema;
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(schema).toMatchObject({ type: 'object', required: ['instances'], additionalProperties: false });
    const instances = schema.properties.instances;
    expect(instances).toMatchObject({ type: 'array', minItems: 1, maxItems: 1000 });
    expect(MAX_INSTANCES_PER_REQUEST).toBe(1000);
    const item = instances.items;
    expect(item.additionalProperties).toBe(false);
    expect(item.required).toEqual(DEFAULT_CONTRACT.features.map((f) => f.name));
    for (const feature of DEFAULT_CONTRACT.features) {
      const p = item.properties[feature.name];
      if (isNumeric(feature)) expect(p, feature.name).toMatchObject({ type: 'number', minimum: feature.min, maximum: feature.max });
      else expect(p, feature.name).toMatchObject({ type: 'string', enum: feature.levels });
    }
  });

  it('the model accepts and rejects the same bodies as the handler schema (zod) on samples', () => {
    const json = predictRequestJsonSchema(DEFAULT_CONTRACT) as Record<string, TemplateJson>;
    const zodSchema = predictRequestSchema(DEFAULT_CONTRACT, { maxInstances: 1000 });
    const good = { air_temperature_k: 300, process_temperature_k: 310, rotational_speed_rpm: 1500, torque_nm: 40, tool_wear_min: 100, product_type: 'M' };
    // A small draft-4 checker for the keywords the model uses.
    const check = (schema: Record<string, TemplateJson>, value: unknown): boolean => {
      if (schema.type === 'object') {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const v = value as Record<string, unknown>;
        if ((schema.required ?? []).some((k: string) => !(k in v))) return false;
        if (schema.additionalProperties === false && Object.keys(v).some((k) => !(k in schema.properties))) return false;
        return Object.entries(v).every(([k, x]) => check(schema.properties[k], x));
      }
      if (schema.type === 'array') {
        return Array.isArray(value) && value.length >= schema.minItems && value.length <= schema.maxItems && value.every((x) => check(schema.items, x));
      }
      if (schema.type === 'number') return typeof value === 'number' && value >= schema.minimum && value <= schema.maximum;
      if (schema.type === 'string') return typeof value === 'string' && (schema.enum === undefined || schema.enum.includes(value));
      throw new Error(`unexpected schema ${JSON.stringify(schema)}`);
    };
    const samples = [
      { instances: [good] },
      { instances: Array.from({ length: 1000 }, () => good) },
      { instances: Array.from({ length: 1001 }, () => good) },
      { instances: [] },
      {},
      { instances: [good], extra: 1 },
      { instances: [{ ...good, torque_nm: 500 }] },
      { instances: [{ ...good, product_type: 'X' }] },
      { instances: [{ ...good, colour: 'red' }] },
      { instances: [{ ...good, tool_wear_min: undefined }] },
      { instances: [{ ...good, torque_nm: '40' }] },
    ].map((s) => JSON.parse(JSON.stringify(s)) as unknown);
    for (const sample of samples) {
      expect(check(json, sample), JSON.stringify(sample).slice(0, 120)).toBe(zodSchema.safeParse(sample).success);
    }
    expect(z.toJSONSchema(zodSchema, { target: 'draft-4' })).toMatchObject({ properties: { instances: { maxItems: 1000 } } });
  });

  it('the predict function may only read the models bucket, and times out before API Gateway (29 s)', () => {
    const fn = properties(template, logicalId(prediction.predict.function));
    expect(fn.Timeout).toBeLessThan(29);
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_SERVICE_NAME).toBe('prognos-api');
  });

  it('the predict function has one full vCPU (1,769 MB: scoring is one thread) and no reserved concurrency unless the context asks', () => {
    const fn = properties(template, logicalId(prediction.predict.function));
    expect(fn.MemorySize).toBe(PREDICT_MEMORY_MB);
    expect(PREDICT_MEMORY_MB).toBe(1769);
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    const reserved = testApp({ predictReservedConcurrency: 20 });
    expect(properties(reserved.templates.api, logicalId(reserved.api.prediction.predict.function)).ReservedConcurrentExecutions).toBe(20);
  });

  it('CORS is off by default: no preflight methods, no origins for the function', () => {
    expect(methods.filter((m) => m.HttpMethod === 'OPTIONS')).toEqual([]);
    const fn = properties(template, logicalId(prediction.predict.function));
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables.API_CORS_ORIGINS).toBeUndefined();
  });

  it('outputs the URL and the ARN to allow in an IAM policy', () => {
    template.hasOutput('ApiUrl', {});
    template.hasOutput('ApiInvokeArn', {});
  });
});

describe('prediction API with CORS (prognos:apiCors)', () => {
  const origins = ['https://app.example.com', 'http://localhost:5173'];
  const cors = testApp({ apiCorsOrigins: origins });
  const t = cors.templates.api;
  const corsMethods = Object.values(t.findResources('AWS::ApiGateway::Method')).map((m) => (m as { Properties: Record<string, TemplateJson> }).Properties);

  it('API Gateway answers the preflight of every route (mock integration) for exactly the allowed origins', () => {
    const preflights = corsMethods.filter((m) => m.HttpMethod === 'OPTIONS');
    const paths = preflights.map((m) => (m.ResourceId.Ref === undefined ? '/' : `/${(properties(t, m.ResourceId.Ref) as { PathPart: string }).PathPart}`));
    expect(paths.sort()).toEqual(['/', '/health', '/model', '/openapi.json', '/predict']);
    for (const preflight of preflights) {
      expect(preflight.AuthorizationType).toBe('NONE');
      expect(preflight.Integration.Type).toBe('MOCK');
      const response = JSON.stringify(preflight.Integration.IntegrationResponses);
      for (const origin of origins) expect(response).toContain(origin);
      expect(response).toContain('X-Amz-Security-Token');
    }
  });

  it('the function gets the origins (it adds Access-Control-Allow-Origin to its answers); gateway responses name no origin when there are several', () => {
    const fn = properties(t, logicalId(cors.api.prediction.predict.function));
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables.API_CORS_ORIGINS).toBe(origins.join(','));
    for (const r of Object.values(t.findResources('AWS::ApiGateway::GatewayResponse'))) {
      expect(Object.keys((r as { Properties: { ResponseParameters: object } }).Properties.ResponseParameters)).toEqual(['gatewayresponse.header.Cache-Control']);
    }
  });

  it('with one origin, gateway responses carry it, so a browser can read a refusal too', () => {
    const one = testApp({ apiCorsOrigins: ['https://app.example.com'] });
    for (const r of Object.values(one.templates.api.findResources('AWS::ApiGateway::GatewayResponse'))) {
      expect((r as { Properties: { ResponseParameters: object } }).Properties.ResponseParameters).toEqual({
        'gatewayresponse.header.Cache-Control': "'no-store'",
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
        'gatewayresponse.header.Vary': "'Origin'",
      });
    }
  });
});

describe('prediction API, apiKey mode and WAF', () => {
  const keyed = testApp({ apiAuth: 'apiKey', apiWaf: true, apiQuotaPerDay: 5000 });
  const t = keyed.templates.api;

  it('every route requires an API key from the x-api-key header, tied to a usage plan with throttling and a daily quota', () => {
    for (const m of Object.values(t.findResources('AWS::ApiGateway::Method'))) {
      expect((m as { Properties: Record<string, unknown> }).Properties).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: true });
    }
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'HEADER' });
    t.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    t.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 5000, Period: 'DAY' },
      ApiStages: [Match.objectLike({ Stage: { Ref: logicalId(keyed.api.prediction.api.deploymentStage) } })],
    });
    t.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    t.hasOutput('ApiKeyId', {});
  });

  it('a WAF web ACL with the AWS managed rules (large bodies allowed) and a per-IP rate limit guards the stage', () => {
    const acl = Object.values(t.findResources('AWS::WAFv2::WebACL'))[0] as { Properties: { Scope: string; Rules: Record<string, TemplateJson>[] } };
    expect(acl.Properties.Scope).toBe('REGIONAL');
    expect(acl.Properties.Rules.map((r) => r.Name)).toEqual(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'RatePerIp']);
    expect(acl.Properties.Rules[0].Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
    t.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.anyValue(),
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] },
    });
  });
});
