import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRunRecord } from '../../../lambdas/adapters/local/state-machine-runner.ts';
import type { CliIo } from '../../../lambdas/cli/io.ts';
import { kindOf, startWatch, type WatchHandle } from '../../../lambdas/cli/watch.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { type BatchFixture, createBatchFixture, inferenceCsv } from '../../support/batch-fixture.ts';
import { sampleCsv, SMALL_CONFIG } from '../../support/pipeline-fixture.ts';

let fixture: BatchFixture;
let handle: WatchHandle | undefined;
const lines: string[] = [];
const io: CliIo = { out: (text) => void lines.push(text), err: (text) => void lines.push(text) };

beforeEach(async () => {
  fixture = await createBatchFixture();
  lines.length = 0;
});
afterEach(async () => {
  await handle?.close();
  handle = undefined;
  await fixture.close();
});

describe('kindOf', () => {
  it('maps a file under landing/training/ or landing/inference/ to its workflow, and nothing else', () => {
    expect(kindOf('/h/landing', '/h/landing/training/a.csv')).toBe('training');
    expect(kindOf('/h/landing', '/h/landing/inference/2026/a.csv')).toBe('inference');
    expect(kindOf('/h/landing', '/h/landing/inference/.prognos~tmp~1~ab')).toBeUndefined();
    expect(kindOf('/h/landing', '/h/landing/other/a.csv')).toBeUndefined();
    expect(kindOf('/h/landing', '/h/landing/training')).toBeUndefined();
  });
});

describe('prognos watch', () => {
  it('a new inference file starts batch inference; the same landing zone again starts nothing', async () => {
    await fixture.promoteChampion();
    handle = await startWatch({ home: fixture.root, contract: DEFAULT_CONTRACT, settleMs: 50 }, io);
    const first = handle.next();
    await fixture.landInference('line-3.csv', inferenceCsv(40, 1, 1));
    const run = await first;
    expect(run).toMatchObject({ kind: 'inference', started: true, name: expect.stringMatching(/^infer-[0-9a-f]{24}$/) });
    expect((await readRunRecord(fixture.runsDir, run.name!))?.status).toBe('SUCCEEDED');
    expect(await fixture.keys('lake/predictions/dt=')).toHaveLength(1);

    // A duplicate event: the same files, the same name, no new batch.
    const second = handle.next();
    handle.enqueue('inference');
    expect(await second).toEqual({ kind: 'inference', name: run.name, started: false });
  });

  it('a new training file starts the training workflow as prognos run does', async () => {
    const config = join(fixture.root, 'pipeline.json');
    // The run is for today and the fixture lands files on a fixed day: a window that reaches it.
    await writeFile(config, JSON.stringify({ ...SMALL_CONFIG, windowDays: 36_500 }));
    handle = await startWatch({ home: fixture.root, contract: DEFAULT_CONTRACT, settleMs: 50, trainingConfigFile: config }, io);
    const first = handle.next();
    await fixture.land('plant-a.csv', sampleCsv());
    const run = await first;
    expect(run).toMatchObject({ kind: 'training', started: true, name: expect.stringMatching(/^train-[0-9a-f]{24}$/) });
    expect((await readRunRecord(fixture.runsDir, run.name!))?.status).toBe('SUCCEEDED');
  });

  it('reports a run that cannot start and goes on watching', async () => {
    handle = await startWatch({ home: fixture.root, contract: DEFAULT_CONTRACT, settleMs: 50 }, io);
    const first = handle.next();
    await fixture.landInference('early.csv', inferenceCsv(10, 2, 1));
    expect(await first).toEqual({ kind: 'inference', started: false, error: expect.stringContaining('no champion yet') });
    expect(lines.join('')).toMatch(/prognos: there is no champion yet/);

    await fixture.promoteChampion();
    const second = handle.next();
    await fixture.landInference('later.csv', inferenceCsv(10, 3, 101));
    expect(await second).toMatchObject({ kind: 'inference', started: true });
  });
});
