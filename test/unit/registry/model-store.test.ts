import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { ArtifactError } from '../../../lambdas/core/errors.ts';
import { fromRows } from '../../../lambdas/core/ml/dense.ts';
import type { ObjectStore, PutOptions } from '../../../lambdas/core/ports/object-store.ts';
import {
  assertVersion,
  listVersions,
  loadManifest,
  loadModel,
  readJson,
  saveModel,
  versionKey,
  writeJson,
} from '../../../lambdas/core/registry/model-store.ts';
import { FIXED_NOW, saveTinyModel, testVersion, tinyModel } from '../../support/pipeline-fixture.ts';
import { gpManifest } from '../../support/deployed.ts';

const V1 = testVersion(1);
const V2 = testVersion(2);

describe('model versions', () => {
  it('accept what the registry writes and refuse anything that could escape the version folder', () => {
    expect(() => assertVersion('20261126T190501.123Z-1a2b3c4d')).not.toThrow();
    expect(() => assertVersion('20261126T190501Z-1a2b3c4d')).not.toThrow();
    for (const bad of ['', 'latest', '../champion', '20261126T190501.123Z-1A2B3C4D', '20261126T190501.123Z-1a2b3c4d/x']) {
      expect(() => assertVersion(bad), bad).toThrow(RangeError);
    }
    expect(versionKey(V1, 'report.html')).toBe(`models/${V1}/report.html`);
    expect(() => versionKey('nope', 'report.html')).toThrow(/"nope" is not a model version/);
  });
});

describe('model store', () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-'));
    store = new FsObjectStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('saves an artifact that loads back into the same model', async () => {
    const model = await saveTinyModel(store, V1);
    const { model: loaded, manifest } = await loadModel(store, V1);
    expect(manifest.modelVersion).toBe(V1);
    expect(manifest.createdAt).toBe(FIXED_NOW.toISOString());
    expect(loaded.featureNames).toEqual(model.featureNames);
    expect(loaded.threshold).toEqual(model.threshold);
    // The default contract's 11 model inputs: 5 measured, 3 one-hot, 3 derived.
    const x = fromRows([
      [0.5, -1, 0.2, 0, 1, 1, 0, 0, 0.7, -0.1, 1.2],
      [-2, 0.3, 1, -0.5, 0, 0, 0, 1, -1.1, 0.4, 0],
    ]);
    expect(Array.from(loaded.predict(x).probability)).toEqual(Array.from(model.predict(x).probability));
    expect(gpManifest(await loadManifest(store, V1)).kernelTheta).toEqual(Array.from(model.classifier.kernel.theta));
  });

  it('writes the manifest last, after every payload', async () => {
    const puts: string[] = [];
    const recording: ObjectStore = {
      get: (key) => store.get(key),
      getStream: (key) => store.getStream(key),
      head: (key) => store.head(key),
      list: (prefix) => store.list(prefix),
      put: async (key: string, body: Uint8Array | string, options?: PutOptions) => {
        const result = await store.put(key, body, options);
        puts.push(key);
        return result;
      },
    };
    const manifestKey = await saveModel(recording, V1, tinyModel(), {});
    expect(manifestKey).toBe(`models/${V1}/model/manifest.json`);
    expect(puts.at(-1)).toBe(manifestKey);
    expect(puts.slice(0, -1).sort()).toEqual(['chol_b.f64', 'residual.f64', 'w_sqrt.f64', 'x_train.f64'].map((f) => `models/${V1}/model/${f}`));
  });

  it('lists complete versions only (those with a manifest), oldest first', async () => {
    await saveTinyModel(store, V2);
    await saveTinyModel(store, V1);
    const half = testVersion(3);
    await store.put(`models/${half}/model/x_train.f64`, new Uint8Array(8)); // a save cut short
    await store.put(`models/not-a-version/model/manifest.json`, '{}');
    await writeJson(store, versionKey(V1, 'evaluation.json'), { ok: true });
    expect(await listVersions(store)).toEqual([V1, V2]);
  });

  describe('refuses to load, with ArtifactError naming the version,', () => {
    beforeEach(async () => {
      await saveTinyModel(store, V1);
    });

    it('a version that does not exist', async () => {
      await expect(loadModel(store, V2)).rejects.toThrow(new ArtifactError(`model ${V2}: models/${V2}/model/manifest.json does not exist`));
    });

    it('a payload with one bit flipped', async () => {
      const key = `models/${V1}/model/residual.f64`;
      const bytes = new Uint8Array((await store.get(key)).body);
      bytes[3] ^= 0x80;
      await store.put(key, bytes);
      const error = await loadModel(store, V1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArtifactError);
      expect((error as Error).message).toMatch(new RegExp(`^model ${V1}: .*residual`));
    });

    it('a missing payload', async () => {
      await rm(join(root, 'models', V1, 'model', 'w_sqrt.f64'));
      await expect(loadModel(store, V1)).rejects.toThrow(`model ${V1}: models/${V1}/model/w_sqrt.f64 does not exist`);
    });

    it('a manifest that is not JSON', async () => {
      await store.put(`models/${V1}/model/manifest.json`, '{ not json');
      await expect(loadModel(store, V1)).rejects.toThrow(new RegExp(`^model ${V1}: manifest is not JSON`));
      await expect(loadManifest(store, V1)).rejects.toBeInstanceOf(ArtifactError);
    });
  });

  it('reads back the JSON documents it writes', async () => {
    const key = versionKey(V1, 'decision.json');
    await writeJson(store, key, { promote: true, checks: [1, 2] });
    expect(await readJson(store, key)).toEqual({ promote: true, checks: [1, 2] });
    expect((await store.get(key)).body.at(-1)).toBe(0x0a); // ends with a newline
  });
});
