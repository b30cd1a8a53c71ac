import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { encodeRows } from '../../../lambdas/core/contract/encode.ts';
import { explanationSpace } from '../../../lambdas/core/contract/explanation-features.ts';
import { maxExplainedInstances } from '../../../lambdas/core/contract/instance.ts';
import type { DeployedModel } from '../../../lambdas/core/ml/deployed-model.ts';
import { explainRows } from '../../../lambdas/core/ml/local-explanation.ts';
import { promoteChampion } from '../../../lambdas/core/registry/champion.ts';
import { ChampionCache } from '../../../lambdas/core/serving/champion-cache.ts';
import { type ApiDependencies, handleApiRequest } from '../../../lambdas/core/serving/predict-api.ts';
import type { PredictResponse } from '../../../lambdas/core/serving/predictions.ts';
import { proxyEvent } from '../../../lambdas/core/serving/proxy-event.ts';
import { predictResponseSchema } from '../../../lambdas/core/serving/response-schemas.ts';
import type { ErrorBody } from '../../../lambdas/core/serving/responses.ts';
import { FIXED_NOW, testVersion } from '../../support/pipeline-fixture.ts';
import { ai4iInstances, FAILING_INSTANCE, INSTANCE, saveServingModel, trainChallengerServingModel, trainServingModel } from './serving-fixture.ts';

/** `POST /predict` with `explain`: reasons per instance, the same as the explanation module gives, and its limits. */

function post(deps: ApiDependencies, body: unknown): Promise<APIGatewayProxyResult> {
  return handleApiRequest(
    proxyEvent({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': ['application/json'] },
      body: new TextEncoder().encode(JSON.stringify(body)),
      sourceIp: '127.0.0.1',
      requestId: 'test-request',
      receivedAt: FIXED_NOW,
    }),
    deps,
  );
}

async function servingDeps(root: string, model: DeployedModel, n: number): Promise<ApiDependencies> {
  const store = new FsObjectStore(join(root, String(n)));
  await saveServingModel(store, testVersion(n), model);
  await promoteChampion(store, testVersion(n), 'test-run', undefined, FIXED_NOW);
  return { champion: new ChampionCache(store, { refreshIntervalMs: 60_000 }) };
}

describe('POST /predict with explain', () => {
  let root: string;
  const models: [string, DeployedModel][] = [];
  const deps: ApiDependencies[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-explain-'));
    models.push(['gpc-exact', trainServingModel()], ['gradient-boosting', trainChallengerServingModel('gradient-boosting')]);
    for (const [n, [, model]] of models.entries()) deps.push(await servingDeps(root, model, n + 1));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([0, 1])('answers each instance with its reasons, as the explanation module gives them (model %#)', async (k) => {
    const [, model] = models[k];
    const instances = [INSTANCE, { ...FAILING_INSTANCE, id: 'm-7' }];
    const result = await post(deps[k], { instances, explain: true });
    expect(result.statusCode, result.body).toBe(200);
    const body = predictResponseSchema.parse(JSON.parse(result.body)) as PredictResponse;
    const x = encodeRows(DEFAULT_CONTRACT, instances);
    const expected = explainRows(model, x, explanationSpace(DEFAULT_CONTRACT, model.scaler.mean));
    expect(body.predictions.map((p) => p.reasons)).toEqual(expected);
    expect(body.predictions[1].id).toBe('m-7');
    // The failing reading is explained by what makes it fail: its power, which comes from torque and speed, raises the risk.
    const reasons = body.predictions[1].reasons!;
    expect(reasons.filter((r) => r.feature === 'torque_nm' || r.feature === 'rotational_speed_rpm').every((r) => r.change > 0)).toBe(true);
    expect(reasons.some((r) => r.feature === 'torque_nm' || r.feature === 'rotational_speed_rpm')).toBe(true);
  });

  it('answers without reasons when explain is false or absent: the answer is unchanged', async () => {
    const plain = await post(deps[0], { instances: [INSTANCE] });
    const off = await post(deps[0], { instances: [INSTANCE], explain: false });
    expect(off.body).toBe(plain.body);
    expect(JSON.parse(plain.body).predictions[0]).not.toHaveProperty('reasons');
  });

  it.each([
    ['a string', 'yes', "explain must be true or false, got 'yes'"],
    ['a number', 1, 'explain must be true or false, got 1'],
    ['null', null, 'explain must be true or false, got null'],
  ])('refuses explain that is %s with a 400 that says so', async (_what, value, message) => {
    const result = await post(deps[0], { instances: [INSTANCE], explain: value });
    expect(result.statusCode).toBe(400);
    const { error } = JSON.parse(result.body) as ErrorBody;
    expect(error.code).toBe('invalid_request');
    expect(error.details).toEqual([{ path: 'explain', message }]);
  });

  it('limits explained requests so they cost no more than the largest plain one, with a clear 400', async () => {
    const limit = maxExplainedInstances(DEFAULT_CONTRACT, 1000);
    // 6 features: each explained instance is scored 7 times.
    expect(limit).toBe(142);
    const { instances } = ai4iInstances(limit + 1, 5);
    const refused = await post(deps[1], { instances, explain: true });
    expect(refused.statusCode).toBe(400);
    const { error } = JSON.parse(refused.body) as ErrorBody;
    expect(error.details).toEqual([
      { path: 'instances', message: `too many instances to explain: ${limit + 1}; at most ${limit} per request with explain (each explanation scores the instance once more per feature), or send it without explain` },
    ]);
    // The same instances without explain, and the limit with it, are scored.
    expect((await post(deps[1], { instances })).statusCode).toBe(200);
    const at = await post(deps[1], { instances: instances.slice(0, limit), explain: true });
    expect(at.statusCode).toBe(200);
    expect(JSON.parse(at.body).predictions).toHaveLength(limit);
  });

  it('lowers the explain limit with the instance limit', async () => {
    const { instances } = ai4iInstances(3, 5);
    const result = await handleApiRequest(
      proxyEvent({
        method: 'POST',
        url: '/predict',
        headers: { 'content-type': ['application/json'] },
        body: new TextEncoder().encode(JSON.stringify({ instances, explain: true })),
        sourceIp: '127.0.0.1',
        requestId: 'test-request',
        receivedAt: FIXED_NOW,
      }),
      { ...deps[0], maxInstances: 14 },
    );
    expect(result.statusCode).toBe(400);
    expect(result.body).toContain('at most 2 per request with explain');
  });
});
