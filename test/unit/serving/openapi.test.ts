import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_FILE, openApiText } from '../../../bin/openapi.ts';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { promoteChampion } from '../../../lambdas/core/registry/champion.ts';
import { ChampionCache } from '../../../lambdas/core/serving/champion-cache.ts';
import { openApiDocument } from '../../../lambdas/core/serving/openapi.ts';
import { type ApiDependencies, handleApiRequest } from '../../../lambdas/core/serving/predict-api.ts';
import type { PredictResponse } from '../../../lambdas/core/serving/predictions.ts';
import { proxyEvent } from '../../../lambdas/core/serving/proxy-event.ts';
import { errorBodySchema, healthSchema, modelInfoSchema, predictResponseSchema } from '../../../lambdas/core/serving/response-schemas.ts';
import { FIXED_NOW, testVersion } from '../../support/pipeline-fixture.ts';
import { openApiProblems, schemaViolations } from './openapi-check.ts';
import { ai4iInstances, FAILING_INSTANCE, INSTANCE, saveServingModel, trainServingModel } from './serving-fixture.ts';

type Json = Record<string, unknown>;
const VERSION = testVersion(3);
const doc = openApiDocument(DEFAULT_CONTRACT) as Json & { paths: Record<string, Record<string, Json & { responses: Record<string, { content: Record<string, { schema: Json }> }> }>> };
const requestSchema = { $ref: '#/components/schemas/PredictRequest' };
const responseSchema = (path: string, method: string, status: string): Json => doc.paths[path][method].responses[status].content['application/json'].schema;

function request(method: string, path: string, body?: unknown) {
  return proxyEvent({
    method,
    url: path,
    headers: { 'content-type': ['application/json'] },
    body: new TextEncoder().encode(body === undefined ? '' : JSON.stringify(body)),
    sourceIp: '127.0.0.1',
    requestId: 'openapi-test',
    receivedAt: FIXED_NOW,
  });
}
const parse = (result: APIGatewayProxyResult): unknown => JSON.parse(result.body);

describe('the OpenAPI document', () => {
  it('is committed as docs/openapi.json, exactly as generated (npm run openapi writes it)', async () => {
    expect(await readFile(OPENAPI_FILE, 'utf8')).toBe(openApiText());
  });

  it('is a valid OpenAPI 3.0 document: structure, Schema Object keywords, every $ref resolved', () => {
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths).sort()).toEqual(['/health', '/model', '/openapi.json', '/predict']);
    expect(openApiProblems(doc)).toEqual([]);
  });

  it('the checker finds what is wrong (negative control)', () => {
    const broken = structuredClone(doc);
    broken.openapi = '3.1.0';
    (broken.components as { schemas: Record<string, Json> }).schemas.Health.$schema = 'https://json-schema.org/draft/2020-12/schema';
    (broken.components as { schemas: Record<string, Json> }).schemas.Health.type = ['object', 'null'];
    (broken.paths['/model'].get.responses as Record<string, unknown>)['20x'] = { description: 'x' };
    broken.paths['/health'].get.responses['200'].content['application/json'].schema = { $ref: '#/components/schemas/Nothing' };
    expect(openApiProblems(broken)).toEqual([
      'openapi: must be 3.0.x, got "3.1.0"',
      'components.schemas.Health: $schema is not a keyword of an OpenAPI 3.0 Schema Object',
      'components.schemas.Health: type ["object","null"] is not one OpenAPI 3.0 type',
      'paths./model.get.responses.20x: is not a status code, a range (4XX) or default',
      'paths./health.get.responses.200.content.application/json.schema: $ref #/components/schemas/Nothing resolves to nothing',
    ]);
  });

  it('accepts every request the integration tests send with a body that should score, and ids', () => {
    const valid = [
      { instances: [INSTANCE] },
      { instances: [INSTANCE, FAILING_INSTANCE] },
      { instances: [{ ...INSTANCE, id: 'press-7/2026-12-06T10:00Z' }, { ...FAILING_INSTANCE, id: 42 }] },
      { instances: ai4iInstances(1000, 3).instances },
    ];
    for (const body of valid) expect(schemaViolations(doc, requestSchema, body)).toEqual([]);
  });

  it('refuses the bodies the integration tests send to be refused, as the handler does', () => {
    expect(schemaViolations(doc, requestSchema, { instances: [{ ...INSTANCE, torque_nm: 'NaN' }] })).toEqual(['$.instances[0].torque_nm: expected a number']);
    expect(schemaViolations(doc, requestSchema, { instances: [INSTANCE], padding: 'x' })).toEqual(['$: padding is not allowed']);
    expect(schemaViolations(doc, requestSchema, { instances: [{ torque_nm: 40 }] })).toHaveLength(5);
    expect(schemaViolations(doc, requestSchema, { instances: ai4iInstances(1001, 3).instances })).toEqual(['$.instances: more than 1000 items']);
    expect(schemaViolations(doc, requestSchema, { instances: [{ ...INSTANCE, id: '' }] })).toEqual(['$.instances[0].id: matches none of anyOf']);
    expect(schemaViolations(doc, requestSchema, { instances: [{ ...INSTANCE, torque_nm: 250 }] })).toEqual(['$.instances[0].torque_nm: above 200']);
  });
});

describe('GET /openapi.json and the answers it describes', () => {
  let root: string;
  let deps: ApiDependencies;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-openapi-'));
    const store = new FsObjectStore(root);
    await saveServingModel(store, VERSION, trainServingModel(200, 5));
    await promoteChampion(store, VERSION, 'test-run', undefined, FIXED_NOW);
    deps = { champion: new ChampionCache(store, { refreshIntervalMs: 60_000 }) };
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('serves the document through the shared handler, with a champion and before there is one', async () => {
    const served = await handleApiRequest(request('GET', '/openapi.json'), deps);
    expect(served.statusCode).toBe(200);
    expect(parse(served)).toEqual(JSON.parse(openApiText()));
    const empty = new ChampionCache(new FsObjectStore(join(root, 'empty')));
    const before = await handleApiRequest(request('GET', '/openapi.json'), { champion: empty });
    expect(before.statusCode).toBe(200);
    expect(parse(before)).toEqual(parse(served));
  });

  it('POST /predict echoes each id, and its answer conforms to PredictResponse', async () => {
    const result = await handleApiRequest(request('POST', '/predict', { instances: [{ ...INSTANCE, id: 'a' }, FAILING_INSTANCE, { ...INSTANCE, id: 7 }] }), deps);
    expect(result.statusCode).toBe(200);
    const body = parse(result) as PredictResponse;
    expect(body.predictions.map((p) => p.id)).toEqual(['a', undefined, 7]);
    expect(Object.keys(body.predictions[1])).not.toContain('id');
    expect(body.predictions[0].probability).toBe(body.predictions[2].probability);
    expect(schemaViolations(doc, responseSchema('/predict', 'post', '200'), body)).toEqual([]);
    expect(predictResponseSchema.parse(body)).toEqual(body);
  });

  it('refuses an id that is not a short string or a whole number, naming the field', async () => {
    for (const id of ['', 'x'.repeat(129), 1.5, true, null]) {
      const result = await handleApiRequest(request('POST', '/predict', { instances: [{ ...INSTANCE, id }] }), deps);
      expect(result.statusCode, JSON.stringify(id)).toBe(400);
      const body = errorBodySchema.parse(parse(result));
      expect(body.error.details).toEqual([{ path: 'instances[0].id', message: 'id must be a string of 1-128 characters or a whole number' }]);
      expect(schemaViolations(doc, responseSchema('/predict', 'post', '400'), body)).toEqual([]);
    }
  });

  it('GET /model, GET /health and an error answer conform to their schemas', async () => {
    const model = parse(await handleApiRequest(request('GET', '/model'), deps));
    expect(schemaViolations(doc, responseSchema('/model', 'get', '200'), model)).toEqual([]);
    expect(modelInfoSchema.parse(model)).toEqual(model);
    const health = parse(await handleApiRequest(request('GET', '/health'), deps));
    expect(schemaViolations(doc, responseSchema('/health', 'get', '200'), health)).toEqual([]);
    expect(healthSchema.parse(health)).toEqual(health);
    const missing = parse(await handleApiRequest(request('GET', '/nowhere'), deps));
    expect(errorBodySchema.parse(missing)).toMatchObject({ error: { code: 'not_found' } });
    // A changed answer would fail: the schemas are strict.
    expect(schemaViolations(doc, responseSchema('/health', 'get', '200'), { ...(health as Json), extra: 1 })).toEqual(['$: extra is not allowed']);
  });
});
