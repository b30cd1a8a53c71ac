/**
 * `prognos models` and `prognos rollback` over a real home folder: statuses that tell serving
 * from superseded, rejected and never promoted; both commands with a garbage `champion.json`;
 * racing rollbacks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { CliError, describeError } from '../../../lambdas/cli/errors.ts';
import type { CliIo } from '../../../lambdas/cli/io.ts';
import { runModels } from '../../../lambdas/cli/models.ts';
import { runRollback } from '../../../lambdas/cli/rollback.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { promoteChampion, readChampion } from '../../../lambdas/core/registry/champion.ts';
import { versionKey, writeJson } from '../../../lambdas/core/registry/model-store.ts';
import { decisionFor } from '../serving/serving-fixture.ts';
import { FIXED_NOW, saveTinyModel, testVersion } from '../../support/pipeline-fixture.ts';
import { CHAMPION_KEY } from '../../../lambdas/core/storage-keys.ts';

const [V1, V2, V3, V4, V5] = [1, 2, 3, 4, 5].map((n) => testVersion(n));

function captureIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (text) => void (out += text), err: (text) => void (err += text), stdout: () => out, stderr: () => err };
}

describe('prognos models and rollback', () => {
  let home: string;
  let store: FsObjectStore;
  const options = () => ({ home, contract: DEFAULT_CONTRACT });

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'prognos-cli-'));
    store = new FsObjectStore(home);
    for (const version of [V1, V2, V3, V4, V5]) await saveTinyModel(store, version);
    // V1 and V2 passed the gate and served in turn; V3 was rejected; V4 passed but its promotion
    // lost a race; V5's run stopped before the gate.
    for (const version of [V1, V2, V4]) await writeJson(store, versionKey(version, 'decision.json'), decisionFor(version));
    await writeJson(store, versionKey(V3, 'decision.json'), { ...decisionFor(V3), promote: false });
    await promoteChampion(store, V1, 'run-1', undefined, FIXED_NOW);
    await promoteChampion(store, V2, 'run-2', await readChampion(store), new Date(FIXED_NOW.getTime() + 1000));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  const statuses = (listing: Awaited<ReturnType<typeof runModels>>) => Object.fromEntries(listing.versions.map((v) => [v.version, v.status]));

  it('models tells serving, promoted and superseded, rejected and not promoted apart', async () => {
    const io = captureIo();
    const listing = await runModels(options(), io);
    expect(statuses(listing)).toEqual({ [V1]: 'superseded', [V2]: 'serving', [V3]: 'rejected', [V4]: 'not-promoted', [V5]: 'not-promoted' });
    const lines = io.stdout().split('\n');
    expect(lines.find((line) => line.includes(V1))).toMatch(/passed\s+promoted, superseded$/);
    expect(lines.find((line) => line.includes(V2))).toMatch(/^\s*\*\s+\S+\s+gpc-exact\s+24\s+0\.900\s+0\.610\s+passed\s+serving$/);
    expect(lines.find((line) => line.includes(V3))).toMatch(/failed\s+rejected$/);
    expect(lines.find((line) => line.includes(V4))).toMatch(/passed\s+not promoted$/);
    expect(lines.find((line) => line.includes(V5))).toMatch(/gpc-exact\s+24\s+-\s+-\s+-\s+not promoted$/);
    expect(io.stdout()).toContain(`* serving since ${new Date(FIXED_NOW.getTime() + 1000).toISOString()} (promoted by run-2)`);
  });

  it('models works with a garbage champion.json and says what the history knows', async () => {
    await store.put(CHAMPION_KEY, Uint8Array.from([0x00, 0xff, 0x7b]));
    const io = captureIo();
    const listing = await runModels({ ...options(), json: true }, io);
    expect(listing).toMatchObject({ champion: null, championProblem: 'it is not JSON (3 bytes)', lastRecordedChampion: V2 });
    expect(statuses(listing)).toEqual({ [V1]: 'superseded', [V2]: 'superseded', [V3]: 'rejected', [V4]: 'not-promoted', [V5]: 'not-promoted' });
    expect(JSON.parse(io.stdout())).toEqual(JSON.parse(JSON.stringify(listing)));

    const text = captureIo();
    await runModels(options(), text);
    expect(text.stdout()).toContain(`no version is serving: ${CHAMPION_KEY} is unreadable (it is not JSON (3 bytes)); the last recorded champion is ${V2}`);
  });

  it('models lists a version whose decision record is unreadable, and says so', async () => {
    await store.put(versionKey(V4, 'decision.json'), '{');
    const io = captureIo();
    const listing = await runModels(options(), io);
    expect(listing.versions.find((v) => v.version === V4)).toMatchObject({ decision: null, status: 'not-promoted', decisionProblem: expect.stringMatching(/decision\.json is unreadable/) });
    expect(io.stderr()).toContain(`model ${V4}: models/${V4}/decision.json is unreadable`);
  });

  it('rollback works with a garbage champion.json, from the champion history', async () => {
    await store.put(CHAMPION_KEY, 'garbage');
    const io = captureIo();
    expect(await runRollback(options(), io)).toEqual({ from: V2, to: V1 });
    expect(io.stdout()).toBe(`${V1}\n`);
    expect(io.stderr()).toContain(`${CHAMPION_KEY} was unreadable (it is not JSON (7 bytes)); the champion history says ${V2} served last`);
    expect((await readChampion(store))!.pointer).toMatchObject({ version: V1, previous: [] });
  });

  it('of two rollbacks at once, one moves the champion back one version and the other fails with a clear error', async () => {
    await promoteChampion(store, V4, 'run-4', await readChampion(store), new Date(FIXED_NOW.getTime() + 2000));
    const outcomes = await Promise.allSettled([runRollback(options(), captureIo()), runRollback(options(), captureIo())]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const error = (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(CliError);
    expect(error.message).toMatch(new RegExp(`lost to another change of the champion: the champion is now ${V2} \\(rolled back to at .*\\); nothing was changed by this rollback`));
    expect(describeError(error)).toMatchObject({ exitCode: 1, expected: true });
    expect((await readChampion(store))!.pointer).toMatchObject({ version: V2, previous: [V1] });
  });

  it('rollback refuses a version argument that is not one, or not an earlier champion, as a CLI error', async () => {
    for (const [to, message] of [
      ['../lake', /"\.\.\/lake" is not a model version/],
      [V3, new RegExp(`${V3} is not an earlier champion of ${V2}; rollback targets: ${V1}`)],
    ] as const) {
      const error = await runRollback({ ...options(), to }, captureIo()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CliError);
      expect((error as Error).message).toMatch(message);
      expect(describeError(error)).toMatchObject({ exitCode: 1, expected: true });
    }
    expect((await readChampion(store))!.pointer.version).toBe(V2);
  });
});
