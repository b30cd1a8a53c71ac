import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { parseContract } from '../../../lambdas/core/contract/contract.ts';
import { encodeRows, labelsOf, modelFeatureNames } from '../../../lambdas/core/contract/encode.ts';
import defaultJson from '../../../lambdas/core/contract/ai4i2020.contract.json' with { type: 'json' };
import { MaintenanceModel } from '../../../lambdas/core/ml/maintenance-model.ts';
import { promoteChampion } from '../../../lambdas/core/registry/champion.ts';
import { saveModel } from '../../../lambdas/core/registry/model-store.ts';
import { ChampionCache } from '../../../lambdas/core/serving/champion-cache.ts';
import { type ApiDependencies, handleApiRequest } from '../../../lambdas/core/serving/predict-api.ts';
import type { PredictResponse } from '../../../lambdas/core/serving/predictions.ts';
import { proxyEvent } from '../../../lambdas/core/serving/proxy-event.ts';
import type { ErrorBody } from '../../../lambdas/core/serving/responses.ts';
import { FIXED_NOW, testVersion } from '../../support/pipeline-fixture.ts';
import { ai4iInstances, INSTANCE } from './serving-fixture.ts';

/**
 * The API computes a champion's derived features from each instance with the champion's own
 * contract, and answers 400 naming the instance and the derived feature when one cannot be a
 * model input. The champion here adds `torque_per_wear` (torque ÷ tool wear), which a new tool
 * (0 minutes of wear) cannot give.
 */

const VERSION = testVersion(1);
const CONTRACT = parseContract({
  ...defaultJson,
  derived: [...defaultJson.derived, { name: 'torque_per_wear', expression: 'torque_nm / tool_wear_min', unit: 'Nm/min' }],
});

describe('POST /predict with derived features', () => {
  let root: string;
  let deps: ApiDependencies;
  let model: MaintenanceModel;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-api-derived-'));
    const store = new FsObjectStore(root);
    const { instances, labels } = ai4iInstances(300, 13);
    const kept = instances.map((instance, i) => ({ instance, label: labels[i] })).filter(({ instance }) => instance.tool_wear_min !== 0);
    const X = encodeRows(CONTRACT, kept.map((k) => k.instance));
    const y = labelsOf(CONTRACT, kept.map((k) => ({ [CONTRACT.label.name]: k.label })));
    model = MaintenanceModel.train({ X, y, featureNames: modelFeatureNames(CONTRACT) }, { targetRecall: 0.8 });
    await saveModel(store, VERSION, model, { createdAt: FIXED_NOW.toISOString(), extra: { runName: 'test-run', mode: 'full', contract: CONTRACT } });
    await promoteChampion(store, VERSION, 'test-run', undefined, FIXED_NOW);
    deps = { champion: new ChampionCache(store, { refreshIntervalMs: 60_000 }) };
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const predict = (body: unknown) =>
    handleApiRequest(
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

  it('predicts from the measured features, with the derived ones computed in process', async () => {
    const instance = { ...INSTANCE, tool_wear_min: 120 };
    const result = await predict({ instances: [instance] });
    expect(result.statusCode, result.body).toBe(200);
    expect(model.featureNames.slice(-4)).toEqual(['power_w', 'temperature_difference_k', 'strain_min_nm', 'torque_per_wear']);
    const expected = model.predict(encodeRows(CONTRACT, [instance]));
    expect((JSON.parse(result.body) as PredictResponse).predictions[0].probability).toBe(expected.probability[0]);
  });

  it('answers 400 naming the instance and the derived feature when it divides by zero', async () => {
    const result = await predict({ instances: [{ ...INSTANCE, tool_wear_min: 120 }, { ...INSTANCE, tool_wear_min: 0 }] });
    expect(result.statusCode).toBe(400);
    const { error } = JSON.parse(result.body) as ErrorBody;
    const message = 'torque_per_wear = torque_nm / tool_wear_min is not a finite number for this reading: division by zero (the divisor starting at character 13 is 0)';
    expect(error.code).toBe('invalid_request');
    expect(error.message).toBe(`instances[1].torque_per_wear: ${message}`);
    expect(error.details).toEqual([{ path: 'instances[1].torque_per_wear', message }]);
    expect(result.body).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('answers 400 when a client sends a derived feature', async () => {
    const result = await predict({ instances: [{ ...INSTANCE, tool_wear_min: 120, power_w: 7000 }] });
    expect(result.statusCode).toBe(400);
    expect((JSON.parse(result.body) as ErrorBody).error.message).toMatch(/^instances\[0\]: unknown feature 'power_w' \('power_w' is derived: computed from the features, never sent\)/);
  });
});
