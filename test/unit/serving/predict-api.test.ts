import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { encodeRows, modelFeatureNames } from '../../../lambdas/core/contract/encode.ts';
import type { MaintenanceModel } from '../../../lambdas/core/ml/maintenance-model.ts';
import { promoteChampion } from '../../../lambdas/core/registry/champion.ts';
import { versionKey } from '../../../lambdas/core/registry/model-store.ts';
import { ChampionCache, type ChampionSource } from '../../../lambdas/core/serving/champion-cache.ts';
import { type ApiDependencies, handleApiRequest, MAX_ERROR_DETAILS } from '../../../lambdas/core/serving/predict-api.ts';
import type { PredictResponse } from '../../../lambdas/core/serving/predictions.ts';
import { proxyEvent } from '../../../lambdas/core/serving/proxy-event.ts';
import type { ErrorBody } from '../../../lambdas/core/serving/responses.ts';
import { needsReview } from '../../../lambdas/core/ml/review.ts';
import { FIXED_NOW, testVersion } from '../../support/pipeline-fixture.ts';
import { ai4iInstances, decisionFor, FAILING_INSTANCE, INSTANCE, saveServingModel, trainServingModel } from './serving-fixture.ts';

const VERSION = testVersion(1);
const JSON_TYPE = { 'content-type': 'application/json' };

interface RequestSpec {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else as its JSON. */
  readonly body?: unknown;
}

/** The event API Gateway sends for a request (built as `prognos serve` builds it). */
function event({ method = 'POST', path = '/predict', headers = JSON_TYPE, body }: RequestSpec = {}): APIGatewayProxyEvent {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return proxyEvent({
    method,
    url: path,
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    body: new TextEncoder().encode(text),
    sourceIp: '127.0.0.1',
    requestId: 'test-request',
    receivedAt: FIXED_NOW,
  });
}

function json<T>(result: APIGatewayProxyResult): T {
  expect(result.headers?.['content-type']).toBe('application/json; charset=utf-8');
  return JSON.parse(result.body) as T;
}

/** An error answer: the status, the one JSON shape, and no stack trace. */
function expectError(result: APIGatewayProxyResult, status: number, code: string, message: string | RegExp): ErrorBody['error'] {
  expect(result.statusCode, result.body).toBe(status);
  const body = json<ErrorBody>(result);
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(message);
  expect(result.body).not.toMatch(/\bat .*\.ts:\d+/);
  return body.error;
}

/** The review level the served model carries (not DEFAULT_REVIEW_LEVEL). */
const STORED_REVIEW_LEVEL = 0.3;

describe('handleApiRequest', () => {
  let root: string;
  let model: MaintenanceModel;
  let deps: ApiDependencies;
  const call = (spec?: RequestSpec, overrides: Partial<ApiDependencies> = {}) => handleApiRequest(event(spec), { ...deps, ...overrides });
  const predict = (body: unknown, overrides?: Partial<ApiDependencies>) => call({ body }, overrides);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-api-'));
    const store = new FsObjectStore(root);
    // A level other than the default: the API must use the one stored with the model.
    model = trainServingModel().withReviewLevel(STORED_REVIEW_LEVEL);
    await saveServingModel(store, VERSION, model);
    await promoteChampion(store, VERSION, 'test-run', undefined, FIXED_NOW);
    deps = { champion: new ChampionCache(store, { refreshIntervalMs: 60_000 }) };
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('POST /predict', () => {
    it('answers one prediction per instance, in order, as the model predicts it', async () => {
      const { instances } = ai4iInstances(40, 5);
      const batch = [INSTANCE, FAILING_INSTANCE, ...instances];
      const result = await predict({ instances: batch });
      expect(result.statusCode).toBe(200);
      expect(result.headers?.['x-model-version']).toBe(VERSION);
      const body = json<PredictResponse>(result);
      expect(Object.keys(body)).toEqual(['modelVersion', 'threshold', 'predictions']);
      expect(body.modelVersion).toBe(VERSION);
      expect(body.threshold).toBe(model.threshold.value);

      const expected = model.predict(encodeRows(DEFAULT_CONTRACT, batch));
      expect(body.predictions).toHaveLength(batch.length);
      body.predictions.forEach((p, i) => {
        expect(p).toEqual({
          probability: expected.probability[i],
          label: expected.label[i],
          latentMean: expected.latentMean[i],
          latentStd: expected.latentStd[i],
          review: needsReview(expected.latentMean[i], expected.latentStd[i], model.threshold.value, STORED_REVIEW_LEVEL),
          modelVersion: VERSION,
        });
        expect(p.label).toBe(p.probability >= body.threshold ? 1 : 0);
      });
      // An ordinary reading and one past the power-failure rule land on either side of the threshold.
      expect(body.predictions.slice(0, 2).map((p) => p.label)).toEqual([0, 1]);
      expect(new Set(body.predictions.map((p) => p.review))).toEqual(new Set([true, false]));
    });

    it('takes a base64 body, a charset, a trailing slash and any header case', async () => {
      const body = JSON.stringify({ instances: [INSTANCE] });
      const base64 = { ...event({ body }), body: Buffer.from(body).toString('base64'), isBase64Encoded: true };
      expect((await handleApiRequest(base64, deps)).statusCode).toBe(200);
      expect((await call({ body, headers: { 'content-type': 'Application/JSON; charset=UTF-8' } })).statusCode).toBe(200);
      expect((await call({ body, path: '/predict/' })).statusCode).toBe(200);
      // API Gateway keeps the client's header case; a console test event may have no headers map at all.
      const raw = { ...event({ body }), headers: { 'Content-Type': 'application/json' }, multiValueHeaders: {} };
      expect((await handleApiRequest(raw, deps)).statusCode).toBe(200);
      const noHeaders = { ...event({ body }), headers: null } as unknown as APIGatewayProxyEvent;
      expectError(await handleApiRequest(noHeaders, deps), 415, 'unsupported_media_type', /got no content type/);
    });

    it.each([
      ['not JSON', '{"instances": [', /^the request body is not valid JSON: /],
      ['a NaN literal', '{"instances": [{"torque_nm": NaN}]}', /^the request body is not valid JSON: /],
      ['empty', '', /^the request body is empty; send \{ "instances": \[ … \] \}$/],
      ['blank', '  \n', /^the request body is empty/],
    ])('answers 400 invalid_json for a body that is %s', async (_what, body, message) => {
      expectError(await predict(body), 400, 'invalid_json', message);
    });

    it('answers 400 invalid_json for a body that is not UTF-8', async () => {
      const latin1 = { ...event({ body: 'x' }), body: Buffer.from([0x7b, 0xe9, 0x7d]).toString('base64'), isBase64Encoded: true };
      expectError(await handleApiRequest(latin1, deps), 400, 'invalid_json', 'the request body is not valid UTF-8');
    });

    it.each([
      ['a number as a string', { torque_nm: '42.8' }, "torque_nm must be a finite number, got '42.8'"],
      ['the string "NaN"', { torque_nm: 'NaN' }, "torque_nm must be a finite number, got 'NaN'"],
      ['the string "Infinity"', { air_temperature_k: 'Infinity' }, "air_temperature_k must be a finite number, got 'Infinity'"],
      ['null', { torque_nm: null }, 'torque_nm must be a finite number, got null'],
      ['a value out of range', { torque_nm: 412 }, 'torque_nm = 412 is outside its valid range 0…200 Nm'],
      ['a fraction for an integer', { tool_wear_min: 2.5 }, 'tool_wear_min must be a whole number, got 2.5'],
      ['an unknown level', { product_type: 'X' }, "product_type must be one of L, M, H, got 'X'"],
      ['a missing feature', { product_type: undefined }, 'product_type is required'],
    ])('answers 400 with the field for %s', async (_what, change, message) => {
      const instance = { ...INSTANCE, ...change };
      const error = expectError(await predict({ instances: [INSTANCE, instance] }), 400, 'invalid_request', `instances[1].${Object.keys(change)[0]}: ${message}`);
      expect(error.details).toEqual([{ path: `instances[1].${Object.keys(change)[0]}`, message }]);
    });

    it('answers 400 for a number too large for a double (JSON 1e999 parses to Infinity)', async () => {
      const body = JSON.stringify({ instances: [INSTANCE] }).replace('42.8', '1e999');
      const error = expectError(await predict(body), 400, 'invalid_request', /torque_nm must be a finite number, got Infinity/);
      expect(error.details).toEqual([{ path: 'instances[0].torque_nm', message: 'torque_nm must be a finite number, got Infinity' }]);
    });

    it('answers 400 for unknown features and names the ones expected', async () => {
      const error = expectError(await predict({ instances: [{ ...INSTANCE, udi: 7 }] }), 400, 'invalid_request', /^instances\[0\]: unknown feature 'udi'; an instance has exactly the features air_temperature_k, /);
      expect(error.details).toHaveLength(1);
    });

    it.each([
      ['no instances', { instances: [] }, 'instances: instances must contain at least one instance'],
      ['no instances key', { readings: [INSTANCE] }, /^\(root\): unknown key 'readings'/],
      ['instances that are not a list', { instances: INSTANCE }, 'instances: instances must be an array of instances'],
      ['a bare list', [INSTANCE], '(root): the request body must be a JSON object { "instances": [ … ] }'],
      ['a number', 3, '(root): the request body must be a JSON object { "instances": [ … ] }'],
    ])('answers 400 for %s', async (_what, body, message) => {
      expectError(await predict(body), 400, 'invalid_request', message);
    });

    it('answers 400 beyond maxInstances (1000 by default)', async () => {
      expect((await predict({ instances: Array.from({ length: 1000 }, () => INSTANCE) })).statusCode).toBe(200);
      expectError(await predict({ instances: Array.from({ length: 1001 }, () => INSTANCE) }), 400, 'invalid_request', 'instances: too many instances: 1001; at most 1000 per request');
      expectError(await predict({ instances: [INSTANCE, INSTANCE, INSTANCE] }, { maxInstances: 2 }), 400, 'invalid_request', 'instances: too many instances: 3; at most 2 per request');
    });

    it(`lists at most ${MAX_ERROR_DETAILS} problems, and says how many there are`, async () => {
      const instances = Array.from({ length: 150 }, () => ({ ...INSTANCE, torque_nm: -1 }));
      const error = expectError(
        await predict({ instances }),
        400,
        'invalid_request',
        `instances[0].torque_nm: torque_nm = -1 is outside its valid range 0…200 Nm (and 149 more problems; the first ${MAX_ERROR_DETAILS} are in details)`,
      );
      expect(error.details).toHaveLength(MAX_ERROR_DETAILS);
      expect(error.details![99]).toEqual({ path: 'instances[99].torque_nm', message: 'torque_nm = -1 is outside its valid range 0…200 Nm' });
    });

    it('answers 413 for a body over 1 MiB (counted decoded), before looking at it', async () => {
      const big = JSON.stringify({ instances: [INSTANCE], padding: 'x'.repeat(1_100_000) });
      expectError(await predict(big), 413, 'payload_too_large', 'the request body is larger than 1048576 bytes; send fewer instances per request');
      expectError(await call({ body: big, headers: { 'content-type': 'text/plain' } }), 413, 'payload_too_large', /larger than 1048576 bytes/);
      expectError(await predict({ instances: [INSTANCE] }, { maxBodyBytes: 100 }), 413, 'payload_too_large', /larger than 100 bytes/);
      // 0.9 MB of JSON is 1.2 MB in base64: under the limit, so it gets as far as validation.
      const near = JSON.stringify({ instances: [INSTANCE], padding: 'x'.repeat(900_000) });
      const base64 = { ...event({ body: near }), body: Buffer.from(near).toString('base64'), isBase64Encoded: true };
      expectError(await handleApiRequest(base64, deps), 400, 'invalid_request', /unknown key 'padding'/);
    });

    it.each([
      ['text/plain', { 'content-type': 'text/plain' }, "got 'text/plain'"],
      ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, "got 'application/x-www-form-urlencoded'"],
      ['no content type', {}, 'got no content type'],
    ])('answers 415 for %s', async (_what, headers, message) => {
      expectError(await call({ headers, body: { instances: [INSTANCE] } }), 415, 'unsupported_media_type', `the request body must be JSON sent with content-type application/json, ${message}`);
    });

    it('answers 415 for JSON in another charset', async () => {
      expectError(await call({ headers: { 'content-type': 'application/json; charset=iso-8859-1' }, body: { instances: [INSTANCE] } }), 415, 'unsupported_media_type', 'the request body must be UTF-8 JSON, got charset iso-8859-1');
    });
  });

  describe('GET /model', () => {
    it("describes the champion: version, features, threshold, kernel, training rows and holdout numbers", async () => {
      const result = await call({ method: 'GET', path: '/model', headers: {} });
      expect(result.statusCode).toBe(200);
      const info = json<Record<string, unknown>>(result);
      expect(info).toMatchObject({
        modelVersion: VERSION,
        since: FIXED_NOW.toISOString(),
        promotedBy: 'test-run',
        previous: [],
        createdAt: FIXED_NOW.toISOString(),
        contract: { name: 'ai4i2020', version: 1 },
        modelInputs: modelFeatureNames(DEFAULT_CONTRACT),
        threshold: { ...model.threshold },
        kernel: { description: model.fitSummary.kernel, constant: model.classifier.kernel.toJSON().constant, lengthScales: model.classifier.kernel.toJSON().lengthScales },
        training: { rows: 400, positives: model.fitSummary.nPositive, logMarginalLikelihood: model.fitSummary.logMarginalLikelihood },
        evaluation: { holdout: decisionFor(VERSION).challenger, minRecall: 0.8, summary: decisionFor(VERSION).summary, decidedAt: FIXED_NOW.toISOString() },
      });
      const features = info.features as Record<string, unknown>[];
      expect(features.map((f) => f.name)).toEqual(DEFAULT_CONTRACT.features.map((f) => f.name));
      expect(features[3]).toEqual({ name: 'torque_nm', type: 'number', unit: 'Nm', min: 0, max: 200, description: 'Torque on the spindle' });
      expect(features[5]).toEqual({ name: 'product_type', type: 'categorical', levels: ['L', 'M', 'H'], description: 'Product quality variant: low, medium, high' });
      expect(Date.parse(info.loadedAt as string)).not.toBeNaN();
    });
  });

  describe('GET /health', () => {
    it('answers without loading anything, and says whether a model is in memory', async () => {
      const untouched: ChampionSource = {
        current: () => Promise.reject(new Error('health must not load the model')),
        loaded: () => undefined,
      };
      const before = await handleApiRequest(event({ method: 'GET', path: '/health', headers: {} }), { champion: untouched });
      expect(before.statusCode).toBe(200);
      expect(json(before)).toEqual({ status: 'ok', modelLoaded: false, modelVersion: null });

      await deps.champion.current();
      expect(json(await call({ method: 'GET', path: '/health', headers: {} }))).toEqual({ status: 'ok', modelLoaded: true, modelVersion: VERSION });
    });
  });

  describe('routing and failures', () => {
    it('answers 404 for an unknown path', async () => {
      expectError(await call({ method: 'GET', path: '/predictions' }), 404, 'not_found', 'no such resource: /predictions; the API has POST /predict, GET /model, GET /health and GET /openapi.json');
      expectError(await call({ method: 'GET', path: '/' }), 404, 'not_found', /no such resource: \//);
      expectError(await call({ method: 'GET', path: '/__proto__' }), 404, 'not_found', /__proto__/);
    });

    it('answers 405 with Allow for a method a path does not take', async () => {
      const getPredict = await call({ method: 'GET', path: '/predict' });
      expectError(getPredict, 405, 'method_not_allowed', '/predict does not take GET; use POST');
      expect(getPredict.headers?.allow).toBe('POST');
      const postModel = await call({ method: 'POST', path: '/model', body: {} });
      expectError(postModel, 405, 'method_not_allowed', '/model does not take POST; use GET');
      expect(postModel.headers?.allow).toBe('GET');
      expect((await call({ method: 'DELETE', path: '/health' })).headers?.allow).toBe('GET');
    });

    it('answers 503 while there is no champion', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'prognos-api-empty-'));
      try {
        const none = { champion: new ChampionCache(new FsObjectStore(empty)) };
        expectError(await handleApiRequest(event({ body: { instances: [INSTANCE] } }), none), 503, 'no_champion', 'no model is serving yet: train and promote a champion first (npx prognos run)');
        expectError(await handleApiRequest(event({ method: 'GET', path: '/model' }), none), 503, 'no_champion', /no model is serving yet/);
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    });

    it('answers 503 model_unavailable when the only champion cannot be loaded, without telling why', async () => {
      const broken = await mkdtemp(join(tmpdir(), 'prognos-api-broken-'));
      try {
        const store = new FsObjectStore(broken);
        await saveServingModel(store, VERSION, model);
        await store.put(versionKey(VERSION, 'model/chol_b.f64'), new Uint8Array(8));
        await promoteChampion(store, VERSION, 'test-run', undefined, FIXED_NOW);
        const reported: Error[] = [];
        const champion = new ChampionCache(store, { onError: (error) => reported.push(error) });
        const result = await handleApiRequest(event({ body: { instances: [INSTANCE] } }), { champion });
        expectError(result, 503, 'model_unavailable', 'the champion model cannot be loaded right now; try again later');
        expect(result.body).not.toMatch(/chol_b/);
        expect(reported.map((e) => e.message)).toEqual([expect.stringMatching(/chol_b\.f64/)]);
      } finally {
        await rm(broken, { recursive: true, force: true });
      }
    });

    it('answers 500 with a generic message for anything unexpected, and hands the error to onError', async () => {
      const failure = new TypeError('secret internal detail');
      const logged: unknown[] = [];
      const failing: ChampionSource = { current: () => Promise.reject(failure), loaded: () => undefined };
      const result = await handleApiRequest(event({ body: { instances: [INSTANCE] } }), { champion: failing, onError: (error) => logged.push(error) });
      expectError(result, 500, 'internal_error', 'the server could not answer this request; the error has been logged');
      expect(result.body).not.toMatch(/secret|TypeError/);
      expect(logged).toEqual([failure]);
    });
  });
});
