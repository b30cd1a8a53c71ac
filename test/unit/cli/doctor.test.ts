import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newRunRecord } from '../../../lambdas/adapters/local/run-record.ts';
import { runDoctor } from '../../../lambdas/cli/doctor.ts';
import { CliError } from '../../../lambdas/cli/errors.ts';
import type { CliIo } from '../../../lambdas/cli/io.ts';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { promoteChampion, readChampion } from '../../../lambdas/core/registry/champion.ts';
import { saveTinyModel } from '../../support/pipeline-fixture.ts';

const contract = DEFAULT_CONTRACT;
const CHAMPION = '20261201T000000.000Z-00000001';
const TORN = '20261202T000000.000Z-00000002';
const EVER = '20261203T000000.000Z-00000003';
const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'prognos-doctor-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function put(path: string, text: string): string {
  const full = join(home, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

function io(): CliIo & { text: () => string } {
  let text = '';
  return { out: (t) => void (text += t), err: (t) => void (text += t), text: () => text };
}

describe('prognos doctor', () => {
  it('--repair puts an unparsable champion pointer back to the last recorded champion', async () => {
    const store = new FsObjectStore(home);
    await saveTinyModel(store, CHAMPION);
    await promoteChampion(store, CHAMPION, 'run-1', undefined, new Date('2026-12-01T00:00:00Z'));
    put('models/champion.json', 'garbage');
    const out = io();
    const report = await runDoctor({ home, contract, repair: true }, out);
    expect(report.remaining).toEqual([]);
    expect(report.repaired.join('\n')).toMatch(new RegExp(`restored models/champion\\.json .* to the last recorded champion ${CHAMPION}`));
    expect((await readChampion(store))?.pointer).toMatchObject({ version: CHAMPION, promotedBy: 'run-1' });
  });

  it('finds nothing in an empty home and exits 0', async () => {
    const out = io();
    await expect(runDoctor({ home, contract }, out)).resolves.toMatchObject({ findings: [] });
    expect(out.text()).toContain('the store is healthy');
  });

  it('reports every kind of problem; --repair fixes the safe ones, keeps what is or was champion, and says what remains', async () => {
    // A champion pointer that does not parse (it still names versions: they are protected).
    put('models/champion.json', `{"version": "${CHAMPION}", "previous": ["${EVER}"`);
    put(`models/${CHAMPION}/model/manifest.json`, 'not a manifest');
    put(`models/${EVER}/model/weights.f64`, 'half an artifact, no manifest');
    put(`models/${TORN}/model/weights.f64`, 'half an artifact, no manifest');
    put('lake/training-sets/train-gone/rows.parquet', 'x');
    put('runs/broken.json', '{"name": "broken", ');
    const stale = { ...newRunRecord({ name: 'train-dead', stateMachine: 'training', definitionSha256: 'x', input: {}, startedAt: new Date() }), runner: { pid: deadPid, hostname: hostname() } };
    put('runs/train-dead.json', JSON.stringify(stale));
    put('lake/training-sets/train-dead/rows.parquet', 'x');
    put(`landing/training/.prognos~tmp~${deadPid}~0123abcd`, 'torn');
    put(`landing/training/.prognos~tmp~${process.pid}~4567cdef`, 'a write in progress');
    put('runs/train-dead.json.999999.abcd.tmp', '{');
    put('models/.prognos~lock~0123456789abcdef0123456789abcdef', JSON.stringify({ pid: deadPid, host: hostname(), token: 't' }));

    const look = io();
    const error = await runDoctor({ home, contract }, look).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(/^\d+ problem\(s\) remain in the store; 'npx prognos doctor --repair' fixes \d+ of them$/);
    const kinds = look.text().split('\n').filter((line) => /^(repairable|problem)/.test(line)).map((line) => line.split(/\s{2,}/)[1]);
    expect(kinds.sort()).toEqual(
      ['champion', 'corrupt-model', 'orphan-model', 'orphan-training-set', 'stale-lock', 'stale-run', 'temporary-file', 'temporary-file', 'unreadable-run'].sort(),
    );

    const fix = io();
    const repaired = await runDoctor({ home, contract, repair: true }, fix).catch((e: unknown) => e);
    expect(repaired).toBeInstanceOf(CliError);
    expect((repaired as Error).message).toMatch(/^2 problem\(s\) remain in the store$/);
    expect(fix.text()).toMatch(/fixed\s+removed the temporary file landing\/training\/\.prognos~tmp~/);
    expect(fix.text()).toMatch(/fixed\s+marked run train-dead aborted; continue it with 'npx prognos runs retry train-dead'/);
    expect(fix.text()).toMatch(/fixed\s+removed models\/20261202T000000\.000Z-00000002\//);
    expect(fix.text()).toMatch(/fixed\s+removed the stale lock models\/\.prognos~lock~/);
    expect(fix.text()).toMatch(/fixed\s+moved the unreadable run record runs\/broken\.json to runs\/unreadable\//);

    // What is or was champion stays, corrupt or not; the live writer's file stays; the dead run's training set stays (its record exists).
    expect(existsSync(join(home, 'models', CHAMPION))).toBe(true);
    expect(existsSync(join(home, 'models', EVER))).toBe(true);
    expect(existsSync(join(home, 'models', TORN))).toBe(false);
    expect(existsSync(join(home, 'lake', 'training-sets', 'train-gone'))).toBe(false);
    expect(existsSync(join(home, 'lake', 'training-sets', 'train-dead'))).toBe(true);
    expect(readdirSync(join(home, 'landing', 'training'))).toEqual([`.prognos~tmp~${process.pid}~4567cdef`]);

    // What is left needs a person: the champion pointer and the corrupt artifact.
    const again = io();
    await runDoctor({ home, contract }, again).catch(() => undefined);
    expect(again.text().split('\n').filter((line) => line.startsWith('problem')).map((line) => line.split(/\s{2,}/)[1])).toEqual(['champion', 'corrupt-model']);
    expect(again.text()).toMatch(/models\/champion\.json: .*'npx prognos rollback'/);
  });
});
