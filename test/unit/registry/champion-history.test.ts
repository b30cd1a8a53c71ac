/**
 * The champion history (`models/champion-history/`), rollback from it when `champion.json` is
 * unreadable, rollback as a compare-and-swap, the doctor's repair, and version strings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { ArtifactError } from '../../../lambdas/core/errors.ts';
import { type ObjectStore, PreconditionFailedError } from '../../../lambdas/core/ports/object-store.ts';
import { inspectChampion } from '../../../lambdas/core/registry/champion-health.ts';
import { readChampionHistory } from '../../../lambdas/core/registry/champion-history.ts';
import {
  ChampionChangeError,
  promoteChampion,
  readChampion,
  readChampionState,
  repairChampionFromHistory,
  rollbackChampion,
} from '../../../lambdas/core/registry/champion.ts';
import { loadModel } from '../../../lambdas/core/registry/model-store.ts';
import { assertVersion, InvalidVersionError, modelVersionSchema } from '../../../lambdas/core/registry/version.ts';
import { FIXED_NOW, saveTinyModel, testVersion } from '../../support/pipeline-fixture.ts';
import { CHAMPION_KEY, championHistoryKey } from '../../../lambdas/core/storage-keys.ts';

const [V1, V2, V3, V4] = [1, 2, 3, 4].map((n) => testVersion(n));

describe('champion history and rollback', () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-'));
    store = new FsObjectStore(root);
    for (const version of [V1, V2, V3, V4]) await saveTinyModel(store, version);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const later = (seconds: number) => new Date(FIXED_NOW.getTime() + seconds * 1000);

  async function promoteAll(versions: readonly string[]): Promise<void> {
    for (const [i, version] of versions.entries()) await promoteChampion(store, version, `run-${i + 1}`, await readChampion(store), later(i));
  }

  it('records every pointer champion.json has held, numbered in order', async () => {
    await promoteAll([V1, V2, V3]);
    await rollbackChampion(store, later(10));
    const { entries, unreadable } = await readChampionHistory(store);
    expect(unreadable).toEqual([]);
    expect(entries.map((e) => [e.sequence, e.version, e.promotedBy, e.previous])).toEqual([
      [1, V1, 'run-1', []],
      [2, V2, 'run-2', [V1]],
      [3, V3, 'run-3', [V2, V1]],
      [4, V2, 'rollback', [V1]],
    ]);
    expect(entries.at(-1)).toEqual((await readChampion(store))!.pointer);
  });

  it('a change records the pointer it replaces when a crash kept it out of the history', async () => {
    await promoteAll([V1, V2]);
    await rm(join(root, ...championHistoryKey(2).split('/')));
    expect(await inspectChampion(store)).toMatchObject({ kind: 'usable', recorded: false });
    await promoteChampion(store, V3, 'run-3', await readChampion(store), later(5));
    expect((await readChampionHistory(store)).entries.map((e) => e.sequence)).toEqual([1, 2, 3]);
  });

  it('a pointer written before the history (no sequence) is read as sequence 0 and recorded by the next change', async () => {
    await store.put(CHAMPION_KEY, JSON.stringify({ version: V1, since: FIXED_NOW.toISOString(), promotedBy: 'old', previous: [] }));
    expect((await readChampion(store))!.pointer.sequence).toBe(0);
    await promoteChampion(store, V2, 'run-2', await readChampion(store), later(1));
    expect((await readChampionHistory(store)).entries.map((e) => [e.sequence, e.version])).toEqual([
      [0, V1],
      [1, V2],
    ]);
  });

  describe('rollback', () => {
    it('rolls back to a chosen earlier champion, dropping the ones in between', async () => {
      await promoteAll([V1, V2, V3, V4]);
      const back = await rollbackChampion(store, later(10), { to: V2 });
      expect(back.from).toBe(V4);
      expect(back.to).toMatchObject({ version: V2, promotedBy: 'rollback', previous: [V1] });
    });

    it('refuses a target that is not an earlier champion, or not a version at all', async () => {
      await promoteAll([V1, V2]);
      await expect(rollbackChampion(store, later(10), { to: V3 })).rejects.toThrow(new RegExp(`${V3} is not an earlier champion of ${V2}; rollback targets: ${V1}`));
      await expect(rollbackChampion(store, later(10), { to: V3 })).rejects.toBeInstanceOf(ChampionChangeError);
      await expect(rollbackChampion(store, later(10), { to: '../lake' })).rejects.toBeInstanceOf(InvalidVersionError);
      expect((await readChampion(store))!.pointer.version).toBe(V2);
    });

    it('never puts back a version that cannot be loaded', async () => {
      await promoteAll([V1, V2]);
      await store.put(`models/${V1}/model/manifest.json`, 'garbage');
      const error = await rollbackChampion(store, later(10)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArtifactError);
      expect((error as Error).message).toMatch(new RegExp(`^cannot roll back to ${V1}: model ${V1}: manifest is not JSON`));
      expect((await readChampion(store))!.pointer.version).toBe(V2);
    });

    it.each([
      ['garbage', 'x\u0000\u00ff{'],
      ['empty', ''],
      ['a path for a version', JSON.stringify({ version: '../lake', since: FIXED_NOW.toISOString(), promotedBy: 'x', previous: [] })],
    ])('works from the history when champion.json is %s', async (_what, body) => {
      await promoteAll([V1, V2, V3]);
      await store.put(CHAMPION_KEY, body);
      const back = await rollbackChampion(store, later(10));
      expect(back.from).toBe(V3);
      expect(back.unreadablePointer).toMatch(/^it is /);
      expect(back.to).toMatchObject({ version: V2, previous: [V1], sequence: 4 });
      expect((await readChampion(store))!.pointer).toEqual(back.to);
    });

    it('says so when champion.json is unreadable and there is no history', async () => {
      await store.put(CHAMPION_KEY, 'garbage');
      await expect(rollbackChampion(store, later(10))).rejects.toThrow(/champion\.json is unreadable \(it is not JSON \(7 bytes\)\) and there is no champion history to roll back with/);
    });

    /** A store on which no write of champion.json proceeds before `readers` reads of it: the two rollbacks surely race. */
    function racingStore(readers: number): ObjectStore {
      let reads = 0;
      let release: () => void = () => undefined;
      const allRead = new Promise<void>((resolve) => (release = resolve));
      return {
        head: (key) => store.head(key),
        list: (prefix) => store.list(prefix),
        getStream: (key) => store.getStream(key),
        async get(key) {
          const object = await store.get(key);
          if (key === CHAMPION_KEY && ++reads === readers) release();
          return object;
        },
        async put(key, body, options) {
          if (key === CHAMPION_KEY) await allRead;
          return store.put(key, body, options);
        },
      };
    }

    it('of two rollbacks racing, exactly one wins; the other fails naming the champion that won', async () => {
      await promoteAll([V1, V2, V3]);
      const racing = racingStore(2);
      const outcomes = await Promise.allSettled([rollbackChampion(racing, later(10)), rollbackChampion(racing, later(11))]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = outcomes.find((o) => o.status === 'rejected')!.reason as Error;
      expect(lost).toBeInstanceOf(PreconditionFailedError);
      expect(lost.message).toMatch(new RegExp(`rolling back from ${V3} to ${V2} lost to another change of the champion: the champion is now ${V2} \\(rolled back to at `));
      // One version back, not two.
      expect((await readChampion(store))!.pointer).toMatchObject({ version: V2, previous: [V1], sequence: 4 });
      expect((await readChampionHistory(store)).entries).toHaveLength(4);
    });

    it('a promotion that loses names the champion that won, read after losing', async () => {
      await promoteAll([V1]);
      const seen = await readChampion(store);
      await promoteChampion(store, V2, 'run-fast', seen, later(1));
      const error = await promoteChampion(store, V3, 'run-slow', seen, later(2)).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(new RegExp(`promoting ${V3} lost to another change of the champion: the champion is now ${V2} \\(promoted by run-fast at `));
    });
  });

  describe('repairChampionFromHistory', () => {
    it('restores an unreadable pointer to the last recorded champion, exactly', async () => {
      await promoteAll([V1, V2]);
      const recorded = (await readChampion(store))!.pointer;
      await store.put(CHAMPION_KEY, '{"version": "2026');
      expect((await inspectChampion(store)).kind).toBe('unreadable-pointer');
      const repair = await repairChampionFromHistory(store);
      expect(repair).toMatchObject({ repaired: true, pointer: recorded });
      expect((await readChampion(store))!.pointer).toEqual(recorded);
      expect(await repairChampionFromHistory(store)).toMatchObject({ repaired: false, reason: expect.stringMatching(/nothing to repair/) });
    });

    it('records a readable pointer missing from the history', async () => {
      await promoteAll([V1]);
      await rm(join(root, ...championHistoryKey(1).split('/')));
      expect(await repairChampionFromHistory(store)).toMatchObject({ repaired: true, action: `recorded champion ${V1} in the champion history` });
      expect((await readChampionHistory(store)).entries).toHaveLength(1);
    });

    it('leaves the choice to rollback when the last recorded champion cannot be loaded', async () => {
      await promoteAll([V1, V2]);
      await store.put(CHAMPION_KEY, 'garbage');
      await store.put(`models/${V2}/model/manifest.json`, 'garbage');
      const repair = await repairChampionFromHistory(store);
      expect(repair).toMatchObject({ repaired: false, reason: expect.stringMatching(new RegExp(`last recorded champion ${V2} cannot be loaded.*prognos rollback`)) });
      expect((await readChampionState(store)).kind).toBe('unreadable');
      // rollback goes on from the history to V1, which loads.
      expect((await rollbackChampion(store, later(10))).to.version).toBe(V1);
      await loadModel(store, V1);
    });
  });
});

describe('version strings', () => {
  it.each(['../lake', '..', 'models/x', '20261126T190501.123Z-1a2b3c4d/..', '20261126T190501.123Z-1A2B3C4D', '', ' 20261126T190501.123Z-1a2b3c4d', '20261126T190501.123Z-1a2b3c4d\n'])(
    'refuses %j with an InvalidVersionError (a RangeError) that says what a version looks like',
    (bad) => {
      expect(() => assertVersion(bad)).toThrow(InvalidVersionError);
      expect(() => assertVersion(bad)).toThrow(RangeError);
      expect(() => assertVersion(bad)).toThrow(/is not a model version \(expected e\.g\. 20261126T190501\.123Z-1a2b3c4d\)/);
      expect(modelVersionSchema.safeParse(bad).success).toBe(false);
    },
  );

  it.each(['20261126T190501.123Z-1a2b3c4d', '20261126T190501Z-00000000'])('accepts %s', (good) => {
    expect(() => assertVersion(good)).not.toThrow();
    expect(modelVersionSchema.parse(good)).toBe(good);
  });
});
