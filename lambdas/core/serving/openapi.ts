import { z } from 'zod';
import type { DataContract } from '../contract/contract.ts';
import { GATEWAY_ERRORS } from './gateway-errors.ts';
import { MAX_INSTANCES_PER_REQUEST, predictRequestJsonSchema } from './request-json-schema.ts';
import { errorBodySchema, healthSchema, instancePredictionSchema, modelInfoSchema, predictResponseSchema, reasonSchema } from './response-schemas.ts';

/**
 * The prediction API's OpenAPI 3.0 document, generated from the zod schemas the handler parses
 * requests with (contract/instance.ts) and the answers' schemas (response-schemas.ts) by zod's own
 * `z.toJSONSchema` (target `openapi-3.0`): the generator the API Gateway model already uses, with
 * nothing added to the Lambda bundle (docs/serving.md, "The OpenAPI document", says why not
 * zod-to-openapi). `GET /openapi.json` serves it for the champion's contract; docs/openapi.json
 * is the one for the default contract (`npm run openapi` writes it, a test checks it is current).
 */

export const OPENAPI_VERSION = '3.0.3';

type JsonObject = Record<string, unknown>;

/** The answer components, each once, named as `#/components/schemas/<name>`. */
function responseComponents(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  registry.add(reasonSchema, { id: 'Reason' });
  registry.add(instancePredictionSchema, { id: 'InstancePrediction' });
  registry.add(predictResponseSchema, { id: 'PredictResponse' });
  registry.add(modelInfoSchema, { id: 'ModelInfo' });
  registry.add(healthSchema, { id: 'Health' });
  registry.add(errorBodySchema, { id: 'Error' });
  const { schemas } = z.toJSONSchema(registry, { target: 'openapi-3.0', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, withoutDialect(schema as JsonObject)]));
}

/** A JSON Schema as an OpenAPI 3.0 Schema Object: no `$schema` or `$id` (3.0 has neither). */
function withoutDialect(schema: JsonObject): JsonObject {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** Responses in status order (`2XX`… before `4XX`, as people read them). */
function byStatus<T>(responses: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string, description: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });
const error = (description: string) => json('Error', description);

/** Statuses API Gateway itself may answer every route with (gateway-errors.ts), and what they mean. */
function gatewayStatuses(): Record<string, ReturnType<typeof error>> {
  const byStatus = new Map<string, string[]>();
  for (const e of GATEWAY_ERRORS) {
    const status = String(e.status);
    byStatus.set(status, [...(byStatus.get(status) ?? []), e.code]);
  }
  return Object.fromEntries([...byStatus].map(([status, codes]) => [status, error(`Refused by API Gateway: ${[...new Set(codes)].join(', ')}`)]));
}

export interface OpenApiOptions {
  /** @default MAX_INSTANCES_PER_REQUEST */
  readonly maxInstances?: number;
  /** The API's base URL, when known (a deployment's stage URL). @default - none: paths are relative */
  readonly serverUrl?: string;
}

/** The OpenAPI 3.0 document of the prediction API serving a champion of `contract`. */
export function openApiDocument(contract: DataContract, options: OpenApiOptions = {}): JsonObject {
  const maxInstances = options.maxInstances ?? MAX_INSTANCES_PER_REQUEST;
  const request = withoutDialect(predictRequestJsonSchema(contract, { maxInstances, target: 'openapi-3.0' }));
  const gateway = gatewayStatuses();
  const common = {
    ...gateway,
    '500': error('internal_error: anything unexpected (logged; no detail is given)'),
  };
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Prognos prediction API',
      version: `${contract.name}-v${contract.version}`,
      description:
        'Predictive maintenance with a Gaussian process classifier: the probability that a machine needs maintenance, its label at the champion\'s threshold, and how unsure the model is. ' +
        'In AWS every request is SigV4-signed (or carries x-api-key, if the deployment uses keys); `prognos serve` needs neither. Every error has one shape, Error.',
      license: { name: 'Apache-2.0' },
    },
    ...(options.serverUrl === undefined ? {} : { servers: [{ url: options.serverUrl }] }),
    paths: {
      '/predict': {
        post: {
          operationId: 'predict',
          summary: `Score 1–${maxInstances} readings with the champion`,
          requestBody: { required: true, content: { 'application/json': { schema: ref('PredictRequest') } } },
          responses: byStatus({
            '200': json('PredictResponse', 'One prediction per instance, in request order (header x-model-version too)'),
            ...common,
            '400': error('invalid_json (not JSON) or invalid_request (does not fit the contract; details name each field)'),
            '413': error('payload_too_large: over 1 MiB (the function) or 10 MB (API Gateway)'),
            '415': error('unsupported_media_type: not application/json'),
            '503': error('no_champion or model_unavailable'),
          }),
        },
      },
      '/model': {
        get: {
          operationId: 'describeModel',
          summary: "The champion's metadata, features and holdout metrics",
          responses: byStatus({ '200': json('ModelInfo', 'The champion'), ...common, '503': error('no_champion or model_unavailable') }),
        },
      },
      '/health': {
        get: { operationId: 'health', summary: 'Liveness; no I/O', responses: byStatus({ '200': json('Health', 'Alive'), ...common }) },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document',
          responses: byStatus({ '200': { description: 'The OpenAPI document', content: { 'application/json': { schema: { type: 'object' } } } }, ...common }),
        },
      },
    },
    components: { schemas: { PredictRequest: request, ...responseComponents() } },
  };
}
