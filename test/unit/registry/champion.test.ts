import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { ArtifactError } from '../../../lambdas/core/errors.ts';
import { PreconditionFailedError } from '../../../lambdas/core/ports/object-store.ts';
import {
  ChampionChangeError,
  promoteChampion,
  readChampion,
  ROLLBACK_DEPTH,
  rollbackChampion,
} from '../../../lambdas/core/registry/champion.ts';
import { FIXED_NOW, saveTinyModel, testVersion } from '../../support/pipeline-fixture.ts';
import { CHAMPION_KEY } from '../../../lambdas/core/storage-keys.ts';

const [V1, V2, V3] = [1, 2, 3].map((n) => testVersion(n));

describe('champion pointer', () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-'));
    store = new FsObjectStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const later = (seconds: number) => new Date(FIXED_NOW.getTime() + seconds * 1000);

  /** Promotes each version in turn, each from the champion it finds. */
  async function promoteAll(versions: readonly string[]): Promise<void> {
    for (const [i, version] of versions.entries()) await promoteChampion(store, version, `run-${i}`, await readChampion(store), later(i));
  }

  it('does not exist before the first promotion', async () => {
    expect(await readChampion(store)).toBeUndefined();
  });

  it('is created by the first promotion, and the next one keeps the earlier versions newest first', async () => {
    const first = await promoteChampion(store, V1, 'run-1', undefined, FIXED_NOW);
    expect(first).toEqual({ version: V1, since: FIXED_NOW.toISOString(), promotedBy: 'run-1', previous: [], sequence: 1 });
    const current = await readChampion(store);
    expect(current!.pointer).toEqual(first);
    expect(current!.etag).toBe((await store.head(CHAMPION_KEY))!.etag);

    await promoteChampion(store, V2, 'run-2', current, later(1));
    await promoteChampion(store, V3, 'run-3', await readChampion(store), later(2));
    expect((await readChampion(store))!.pointer).toEqual({ version: V3, since: later(2).toISOString(), promotedBy: 'run-3', previous: [V2, V1], sequence: 3 });
  });

  it('re-promoting an earlier version removes it from the history rather than listing it twice', async () => {
    await promoteAll([V1, V2]);
    await promoteChampion(store, V1, 'again', await readChampion(store), later(5));
    expect((await readChampion(store))!.pointer.previous).toEqual([V2]);
  });

  it(`remembers at most ${ROLLBACK_DEPTH} earlier versions`, async () => {
    const versions = Array.from({ length: ROLLBACK_DEPTH + 3 }, (_, i) => testVersion(i + 1));
    await promoteAll(versions);
    const { pointer } = (await readChampion(store))!;
    expect(pointer.version).toBe(versions.at(-1));
    expect(pointer.previous).toHaveLength(ROLLBACK_DEPTH);
    expect(pointer.previous[0]).toBe(versions.at(-2));
    expect(pointer.previous.at(-1)).toBe(versions.at(-1 - ROLLBACK_DEPTH));
  });

  it('refuses a version the registry could not have written', async () => {
    await expect(promoteChampion(store, '../../etc/passwd', 'x', undefined, FIXED_NOW)).rejects.toThrow(RangeError);
    expect(await store.head(CHAMPION_KEY)).toBeUndefined();
  });

  it('fails a promotion from a stale champion and leaves the pointer as it was', async () => {
    await promoteAll([V1]);
    const stale = await readChampion(store);
    await promoteChampion(store, V2, 'run-2', stale, later(1));
    await expect(promoteChampion(store, V3, 'run-3', stale, later(2))).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(promoteChampion(store, V3, 'run-3', undefined, later(2))).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await readChampion(store))!.pointer.version).toBe(V2);
  });

  describe('two promotions at once from the same champion', () => {
    it.each([
      ['the first promotion (no champion yet)', [] as string[]],
      ['a later promotion', [V1]],
    ])('%s: exactly one wins', async (_what, history) => {
      await promoteAll(history);
      const expected = await readChampion(store);
      const outcomes = await Promise.allSettled([
        promoteChampion(store, V2, 'run-a', expected, later(10)),
        promoteChampion(store, V3, 'run-b', expected, later(10)),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(PreconditionFailedError);
      const winner = (won[0] as PromiseFulfilledResult<{ version: string }>).value.version;
      const { pointer } = (await readChampion(store))!;
      expect(pointer.version).toBe(winner);
      expect(pointer.previous).toEqual(history);
    });
  });

  describe('rollback', () => {
    beforeEach(async () => {
      for (const version of [V1, V2, V3]) await saveTinyModel(store, version);
    });

    it('goes back one version at a time, dropping the version rolled back from', async () => {
      await promoteAll([V1, V2, V3]);
      const back = await rollbackChampion(store, later(60));
      expect(back).toEqual({ from: V3, to: { version: V2, since: later(60).toISOString(), promotedBy: 'rollback', previous: [V1], sequence: 4 }, unreadablePointer: null });
      expect((await readChampion(store))!.pointer).toEqual(back.to);

      const again = await rollbackChampion(store, later(61));
      expect(again.from).toBe(V2);
      expect((await readChampion(store))!.pointer).toMatchObject({ version: V1, previous: [] });
    });

    it('fails clearly, changing nothing, when there is nothing to roll back to', async () => {
      await promoteAll([V1]);
      const before = await store.get(CHAMPION_KEY);
      const error = await rollbackChampion(store, later(60)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChampionChangeError);
      expect((error as Error).message).toBe(`champion ${V1} is the first one promoted: there is no earlier version to roll back to`);
      expect((await store.get(CHAMPION_KEY)).etag).toBe(before.etag);
    });

    it('fails clearly when there is no champion', async () => {
      await expect(rollbackChampion(store, FIXED_NOW)).rejects.toThrow(ChampionChangeError);
      await expect(rollbackChampion(store, FIXED_NOW)).rejects.toThrow('there is no champion yet: nothing to roll back');
      expect(await store.head(CHAMPION_KEY)).toBeUndefined();
    });
  });

  describe('an unreadable pointer', () => {
    it('that is not JSON is an ArtifactError', async () => {
      await store.put(CHAMPION_KEY, '{"version": ');
      await expect(readChampion(store)).rejects.toThrow(ArtifactError);
      await expect(readChampion(store)).rejects.toThrow(/models\/champion\.json is unreadable: it is not JSON/);
    });

    it('that lacks fields is an ArtifactError naming them', async () => {
      await store.put(CHAMPION_KEY, JSON.stringify({ version: V1 }));
      await expect(readChampion(store)).rejects.toThrow(/is not a champion pointer:[\s\S]*since/);
    });
  });
});
