import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { MaintenanceModel } from '../../../lambdas/core/ml/maintenance-model.ts';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject, StreamedObject } from '../../../lambdas/core/ports/object-store.ts';
import { promoteChampion, readChampion } from '../../../lambdas/core/registry/champion.ts';
import { saveModel, versionKey } from '../../../lambdas/core/registry/model-store.ts';
import { ChampionCache, ChampionLoadError, type ChampionCacheOptions } from '../../../lambdas/core/serving/champion-cache.ts';
import { FIXED_NOW, testVersion } from '../../support/pipeline-fixture.ts';
import { decisionFor, saveServingModel, trainServingModel } from './serving-fixture.ts';
import { CHAMPION_KEY } from '../../../lambdas/core/storage-keys.ts';

const [V1, V2] = [1, 2].map((n) => testVersion(n));

/** The real store, with a log of every call (to see what the cache reads, and how often). */
class RecordingStore implements ObjectStore {
  readonly calls: string[] = [];
  constructor(private readonly inner: ObjectStore) {}
  get(key: string): Promise<StoredObject> {
    this.calls.push(`get ${key}`);
    return this.inner.get(key);
  }
  getStream(key: string): Promise<StreamedObject> {
    this.calls.push(`getStream ${key}`);
    return this.inner.getStream(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    this.calls.push(`head ${key}`);
    return this.inner.head(key);
  }
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ readonly etag: string }> {
    return this.inner.put(key, body, options);
  }
  list(prefix: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix);
  }
  /** How many times the artifact manifest of `version` was read: one per model load. */
  loadsOf(version: string): number {
    return this.calls.filter((call) => call === `get ${versionKey(version, 'model/manifest.json')}`).length;
  }
}

describe('ChampionCache', () => {
  let model: MaintenanceModel;
  let root: string;
  /** The folder itself, for setting up; the cache reads through `store`. */
  let fs: FsObjectStore;
  let store: RecordingStore;
  let errors: ChampionLoadError[];
  let clock: number;
  let promotions: number;

  beforeAll(() => {
    model = trainServingModel();
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-cache-'));
    fs = new FsObjectStore(root);
    store = new RecordingStore(fs);
    errors = [];
    clock = 0;
    promotions = 0;
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const cache = (options: ChampionCacheOptions = {}): ChampionCache =>
    new ChampionCache(store, { refreshIntervalMs: 0, onError: (error) => errors.push(error), now: () => clock, ...options });

  async function promote(version: string): Promise<void> {
    await promoteChampion(fs, version, `run-${++promotions}`, await readChampion(fs), new Date(FIXED_NOW.getTime() + promotions * 1000));
  }

  /** Overwrites one payload of `version` with other bytes of the same length: its checksum no longer matches. */
  async function corrupt(version: string): Promise<void> {
    const key = versionKey(version, 'model/residual.f64');
    const { body } = await fs.get(key);
    await fs.put(key, body.map((b) => b ^ 0xff));
  }

  it('is undefined while there is no champion', async () => {
    const champions = cache();
    expect(await champions.current()).toBeUndefined();
    expect(champions.loaded()).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('loads the champion with its contract and holdout numbers, once for every caller', async () => {
    await saveServingModel(fs, V1, model);
    await promote(V1);
    const champions = cache({ refreshIntervalMs: 60_000 });
    expect(champions.loaded()).toBeUndefined();

    const concurrent = await Promise.all(Array.from({ length: 5 }, () => champions.current()));
    const first = concurrent[0]!;
    expect(concurrent.every((c) => c === first)).toBe(true);
    expect(await champions.current()).toBe(first);
    expect(champions.loaded()).toBe(first);
    expect(store.loadsOf(V1)).toBe(1);

    expect(first.version).toBe(V1);
    expect(first.pointer.promotedBy).toBe('run-1');
    expect(first.contract).toEqual(DEFAULT_CONTRACT);
    expect(first.model.threshold).toEqual(model.threshold);
    expect(first.evaluation).toEqual({
      holdout: decisionFor(V1).challenger,
      minRecall: 0.8,
      summary: decisionFor(V1).summary,
      decidedAt: FIXED_NOW.toISOString(),
    });
    expect(errors).toEqual([]);
  });

  it('checks the pointer at most once per refresh interval', async () => {
    await saveServingModel(fs, V1, model);
    await saveServingModel(fs, V2, model);
    await promote(V1);
    const champions = cache({ refreshIntervalMs: 5000 });
    expect((await champions.current())!.version).toBe(V1);
    await promote(V2);

    store.calls.length = 0;
    clock = 4999;
    expect((await champions.current())!.version).toBe(V1);
    expect(store.calls).toEqual([]);
    clock = 5000;
    expect((await champions.current())!.version).toBe(V2);
    expect(store.calls[0]).toBe(`head ${CHAMPION_KEY}`);
  });

  it('refreshes when champion.json changes, and only then', async () => {
    await saveServingModel(fs, V1, model);
    await saveServingModel(fs, V2, model, { decision: false });
    await promote(V1);
    const champions = cache();
    const one = await champions.current();
    store.calls.length = 0;
    expect(await champions.current()).toBe(one);
    // An unchanged pointer costs one HEAD and nothing else.
    expect(store.calls).toEqual([`head ${CHAMPION_KEY}`]);

    await promote(V2);
    const two = await champions.current();
    expect(two!.version).toBe(V2);
    expect(two!.pointer.previous).toEqual([V1]);
    expect(two!.evaluation).toBeNull();
    expect(store.loadsOf(V2)).toBe(1);
  });

  it('keeps the model in memory when the pointer changes but names the same version', async () => {
    await saveServingModel(fs, V1, model);
    await promote(V1);
    const champions = cache();
    const before = await champions.current();
    await promote(V1);
    const after = await champions.current();
    expect(after!.pointer.promotedBy).toBe('run-2');
    expect(after!.pointerEtag).not.toBe(before!.pointerEtag);
    expect(after!.model).toBe(before!.model);
    expect(store.loadsOf(V1)).toBe(1);
  });

  it('keeps serving the previous champion when the new one is corrupt, reports it, and retries at the next check', async () => {
    await saveServingModel(fs, V1, model);
    await saveServingModel(fs, V2, model);
    await promote(V1);
    const champions = cache();
    expect((await champions.current())!.version).toBe(V1);

    await corrupt(V2);
    await promote(V2);
    expect((await champions.current())!.version).toBe(V1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ChampionLoadError);
    expect(errors[0]).toMatchObject({ name: 'ChampionLoadError', version: V2, serving: V1 });
    expect(errors[0].message).toMatch(new RegExp(`^champion ${V2} cannot be loaded: .*residual\\.f64.*; model ${V1} keeps serving$`));
    expect((errors[0].cause as Error).name).toBe('ArtifactError');

    // Still broken at the next check: reported again, V1 still serves.
    expect((await champions.current())!.version).toBe(V1);
    expect(errors).toHaveLength(2);
    expect(store.loadsOf(V2)).toBe(2);

    // Repaired (saved again): the next check picks it up.
    await saveServingModel(fs, V2, model);
    expect((await champions.current())!.version).toBe(V2);
    expect(errors).toHaveLength(2);
  });

  it('throws a ChampionLoadError when the first champion cannot be loaded, and waits for the interval before trying again', async () => {
    await saveServingModel(fs, V1, model);
    await corrupt(V1);
    await promote(V1);
    const champions = cache({ refreshIntervalMs: 5000 });
    await expect(champions.current()).rejects.toMatchObject({ name: 'ChampionLoadError', version: V1, serving: undefined });
    expect(errors[0].message).toMatch(/; no model is serving$/);
    await expect(champions.current()).rejects.toBeInstanceOf(ChampionLoadError);
    expect(store.loadsOf(V1)).toBe(1);
    expect(champions.loaded()).toBeUndefined();

    await saveServingModel(fs, V1, model);
    clock = 5000;
    expect((await champions.current())!.version).toBe(V1);
  });

  it('reports an unreadable pointer and keeps serving', async () => {
    await saveServingModel(fs, V1, model);
    await promote(V1);
    const champions = cache();
    await champions.current();
    await fs.put(CHAMPION_KEY, '{ not json');
    expect((await champions.current())!.version).toBe(V1);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/^cannot read models\/champion\.json: models\/champion\.json is unreadable: it is not JSON \(10 bytes\); model .* keeps serving$/)]);
  });

  it('serves without holdout numbers when decision.json is unreadable, and says so', async () => {
    await saveServingModel(fs, V1, model, { decision: false });
    await fs.put(versionKey(V1, 'decision.json'), '{"summary": 3}');
    await promote(V1);
    const loaded = await cache().current();
    expect(loaded!.version).toBe(V1);
    expect(loaded!.evaluation).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(new RegExp(`^models/${V1.replace('.', '\\.')}/decision\\.json is unreadable`));
  });

  it('uses the fallback contract only for an artifact that carries none', async () => {
    await saveModel(fs, V1, model, { createdAt: FIXED_NOW.toISOString() });
    await promote(V1);
    await expect(cache().current()).rejects.toThrow(`champion ${V1} cannot be loaded: model ${V1} carries no data contract`);
    const loaded = await cache({ fallbackContract: DEFAULT_CONTRACT }).current();
    expect(loaded!.contract).toBe(DEFAULT_CONTRACT);
  });

  it('rejects a model whose columns its contract does not produce', async () => {
    const renamed = new MaintenanceModel(model.featureNames.map((name) => `${name}_x`), model.scaler, model.classifier, model.threshold);
    await saveModel(fs, V1, renamed, { createdAt: FIXED_NOW.toISOString(), extra: { contract: DEFAULT_CONTRACT } });
    await promote(V1);
    await expect(cache().current()).rejects.toThrow(/takes the columns air_temperature_k_x, .* but its contract encodes air_temperature_k, /);
  });

  it('rejects a negative refresh interval', () => {
    expect(() => new ChampionCache(store, { refreshIntervalMs: -1 })).toThrow(RangeError);
  });
});
