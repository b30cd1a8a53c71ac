/**
 * `prognos serve` over real HTTP: the server from lambdas/cli/serve.ts on a free port, in this
 * process, over a temporary home; requests with fetch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.ts';
import { DEFAULT_CONTRACT } from '../../lambdas/core/contract/contract.ts';
import { promoteChampion, readChampion } from '../../lambdas/core/registry/champion.ts';
import type { PredictResponse } from '../../lambdas/core/serving/predictions.ts';
import { instancePredictionSchema, modelInfoSchema } from '../../lambdas/core/serving/response-schemas.ts';
import type { ErrorBody } from '../../lambdas/core/serving/responses.ts';
import { type RunningServer, startServer } from '../../lambdas/cli/serve.ts';
import { FIXED_NOW, testVersion } from '../support/pipeline-fixture.ts';
import { FAILING_INSTANCE, INSTANCE, saveServingModel, trainChallengerServingModel, trainServingModel } from '../unit/serving/serving-fixture.ts';

const VERSION = testVersion(1);

describe('prognos serve', () => {
  let home: string;
  let server: RunningServer;
  const logLines: string[] = [];

  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${server.url}/predict`, { method: 'POST', headers, body });

  async function expectError(response: Response, status: number, code: string): Promise<ErrorBody['error']> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe(code);
    return body.error;
  }

  /** A POST whose body is streamed in chunks without a content-length (so only counting can stop it). */
  function postChunked(totalBytes: number): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const write = (): void => {
        while (sent < totalBytes) {
          sent += chunk.byteLength;
          if (!request.write(chunk)) {
            request.once('drain', write);
            return;
          }
        }
        request.end();
      };
      write();
    });
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'prognos-serve-'));
    server = await startServer({ home, contract: DEFAULT_CONTRACT, port: 0, refreshIntervalMs: 0, log: (line) => logLines.push(line) });
  });
  afterAll(async () => {
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('listens on a local URL and is healthy before any champion', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', modelLoaded: false, modelVersion: null });
  });

  it('answers 503 before any champion is promoted', async () => {
    const error = await expectError(await post(JSON.stringify({ instances: [INSTANCE] })), 503, 'no_champion');
    expect(error.message).toMatch(/no model is serving yet/);
    await expectError(await fetch(`${server.url}/model`), 503, 'no_champion');
  });

  it('serves predictions once a champion is promoted', async () => {
    const store = new FsObjectStore(home);
    await saveServingModel(store, VERSION, trainServingModel());
    await promoteChampion(store, VERSION, 'test-run', undefined, FIXED_NOW);

    const response = await post(JSON.stringify({ instances: [INSTANCE, FAILING_INSTANCE] }));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model-version')).toBe(VERSION);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as PredictResponse;
    expect(body.modelVersion).toBe(VERSION);
    expect(body.predictions.map((p) => [p.label, p.modelVersion])).toEqual([
      [0, VERSION],
      [1, VERSION],
    ]);
    expect(body.predictions.every((p) => p.probability >= 0 && p.probability <= 1 && typeof p.review === 'boolean')).toBe(true);

    const model = (await (await fetch(`${server.url}/model`)).json()) as { modelVersion: string; training: { rows: number } };
    expect(model).toMatchObject({ modelVersion: VERSION, training: { rows: 400 } });
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok', modelLoaded: true, modelVersion: VERSION });
  });

  it('serves a challenger champion: probability and label, no latent fields, no review, and GET /model says it has no uncertainty', async () => {
    const store = new FsObjectStore(home);
    const boosted = testVersion(2);
    await saveServingModel(store, boosted, trainChallengerServingModel('gradient-boosting'));
    await promoteChampion(store, boosted, 'test-run', await readChampion(store), FIXED_NOW);

    const response = await post(JSON.stringify({ instances: [INSTANCE, FAILING_INSTANCE] }));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model-version')).toBe(boosted);
    const body = (await response.json()) as PredictResponse;
    expect(body.predictions.map((p) => Object.keys(p).sort())).toEqual([
      ['label', 'modelVersion', 'probability'],
      ['label', 'modelVersion', 'probability'],
    ]);
    expect(body.predictions.map((p) => p.label)).toEqual([0, 1]);
    expect(instancePredictionSchema.array().parse(body.predictions)).toHaveLength(2);

    const info = modelInfoSchema.parse(await (await fetch(`${server.url}/model`)).json());
    expect(info).toMatchObject({ modelVersion: boosted, kind: 'gradient-boosting', uncertainty: false, kernel: null, threshold: { source: 'out-of-fold' } });
    expect(info.training).toEqual({ rows: 400, positives: expect.any(Number) as number, logMarginalLikelihood: null });

    // Back to the GP: the latent fields and review return with it.
    await promoteChampion(store, VERSION, 'test-run', await readChampion(store), FIXED_NOW);
    const gp = (await (await post(JSON.stringify({ instances: [INSTANCE] }))).json()) as PredictResponse;
    expect(gp.predictions[0]).toHaveProperty('review');
    expect(gp.predictions[0]).toHaveProperty('latentStd');
  });

  it('answers 400 for bad JSON and for bad values, with field-level details', async () => {
    await expectError(await post('{"instances": ['), 400, 'invalid_json');
    const error = await expectError(await post(JSON.stringify({ instances: [{ ...INSTANCE, torque_nm: 'NaN' }] })), 400, 'invalid_request');
    expect(error.details).toEqual([{ path: 'instances[0].torque_nm', message: "torque_nm must be a finite number, got 'NaN'" }]);
  });

  it('answers 413 for a 1.1 MB body, whether its length is declared or not', async () => {
    const big = JSON.stringify({ instances: [INSTANCE], padding: 'x'.repeat(1_100_000) });
    const error = await expectError(await post(big), 413, 'payload_too_large');
    expect(error.message).toBe('the request body is larger than 1048576 bytes; send fewer instances per request');

    const chunked = await postChunked(1_100_000);
    expect(chunked.status).toBe(413);
    expect((JSON.parse(chunked.body) as ErrorBody).error.code).toBe('payload_too_large');
    // The server is still fine afterwards.
    expect((await post(JSON.stringify({ instances: [INSTANCE] }))).status).toBe(200);
  });

  it('answers 415 for a body that is not application/json', async () => {
    const error = await expectError(await post(JSON.stringify({ instances: [INSTANCE] }), { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    expect(error.message).toMatch(/got 'text\/plain'/);
    await expectError(await post('\x00\x01', { 'content-type': 'application/octet-stream' }), 415, 'unsupported_media_type');
  });

  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    await expectError(await fetch(`${server.url}/nope?x=1`), 404, 'not_found');
    const wrong = await fetch(`${server.url}/predict`);
    await expectError(wrong, 405, 'method_not_allowed');
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  it('logs one line per request: method, path, status and milliseconds', () => {
    expect(logLines).toContainEqual(expect.stringMatching(/^\S+Z POST \/predict 200 \d+\.\d ms$/));
    expect(logLines).toContainEqual(expect.stringMatching(/^\S+Z POST \/predict 413 \d+\.\d ms$/));
    expect(logLines).toContainEqual(expect.stringMatching(/^\S+Z GET \/nope 404 \d+\.\d ms$/));
    expect(logLines.filter((line) => / GET \/health /.test(line))).toHaveLength(2);
  });

  it('stops accepting connections once closed', async () => {
    const other = await startServer({ home, contract: DEFAULT_CONTRACT, port: 0, log: () => undefined });
    expect((await fetch(`${other.url}/health`)).status).toBe(200);
    await other.close();
    await expect(fetch(`${other.url}/health`)).rejects.toThrow();
  });
});
