import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRunRecords, readRunRecord } from '../../../lambdas/adapters/local/state-machine-runner.ts';
import type { CliIo } from '../../../lambdas/cli/io.ts';
import { DEFAULT_WATCH_WINDOW_SECONDS, kindOf, startWatch, type WatchHandle } from '../../../lambdas/cli/watch.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { type BatchFixture, createBatchFixture, inferenceCsv } from '../../support/batch-fixture.ts';
import { UPLOAD_BATCHING_WINDOW } from '../../../lib/upload-queue.ts';
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
    handle = await startWatch({ home: fixture.root, contract: DEFAULT_CONTRACT, settleMs: 50, windowMs: 0 }, io);
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
    handle = await startWatch({ home: fixture.root, contract: DEFAULT_CONTRACT, settleMs: 50, windowMs: 0, trainingConfigFile: config }, io);
    const first = handle.next();
    await fixture.land('plant-a.csv', sampleCsv());
    const run = await first;
    expect(run).toMatchObject({ kind: 'training', started: true, name: expect.stringMatching(/^train-[0-9a-f]{24}$/) });
    expect((await readRunRecord(fixture.runsDir, run.name!))?.status).toBe('SUCCEEDED');
  });

  it('reports a run that cannot start and goes on watching', async () => {
    handle = await startWatch({ home: fixture.root, contract: DEFAULT_CONTRACT, settleMs: 50, windowMs: 0 }, io);
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

/** A pipeline config whose window reaches the fixture's landing day from today. */
async function wideWindowConfig(): Promise<string> {
  const config = join(fixture.root, 'pipeline.json');
  await writeFile(config, JSON.stringify({ ...SMALL_CONFIG, windowDays: 36_500 }));
  return config;
}

async function runNames(): Promise<string[]> {
  return (await listRunRecords(fixture.runsDir)).records.map((record) => record.name);
}

/** Resolves when `check` holds, polling; rejects after `ms`. */
async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('prognos watch coalesces uploads', () => {
  it('waits as long by default as the upload queue batches in AWS', () => {
    expect(DEFAULT_WATCH_WINDOW_SECONDS).toBe(UPLOAD_BATCHING_WINDOW.toSeconds());
  });

  it('five files landing within the window start one training run over all of them', async () => {
    const windowMs = 1500;
    handle = await startWatch({ home: fixture.root, contract: DEFAULT_CONTRACT, settleMs: 50, windowMs, trainingConfigFile: await wideWindowConfig() }, io);
    const first = handle.next();
    for (let i = 0; i < 5; i++) await fixture.land(`burst-${i}.csv`, sampleCsv(120, 10 + i, 1 + 120 * i));
    const run = await first;
    expect(run).toMatchObject({ kind: 'training', started: true });
    const record = await readRunRecord(fixture.runsDir, run.name!);
    expect(record?.status).toBe('SUCCEEDED');
    expect((record?.input as { files: string[] }).files).toHaveLength(5);
    // Nothing else follows: the window has long closed, and it queued one run.
    await pause(windowMs + 500);
    expect(await runNames()).toEqual([run.name]);
    expect(lines.join('').match(/joins the open window/g)).toHaveLength(4);
  });

  it('files landing during a run start one more run after it, not one each', async () => {
    const windowMs = 200;
    handle = await startWatch({ home: fixture.root, contract: DEFAULT_CONTRACT, settleMs: 50, windowMs, trainingConfigFile: await wideWindowConfig() }, io);
    const first = handle.next();
    await fixture.land('first.csv', sampleCsv(300, 1, 1));
    await eventually(() => /run train-[0-9a-f]+: /.test(lines.join('')), 20_000, 'the first run to start');
    // Three files while it runs, the last after its window closed: still one follow-up.
    await fixture.land('during-0.csv', sampleCsv(100, 2, 1001));
    await fixture.land('during-1.csv', sampleCsv(100, 3, 2001));
    await pause(windowMs + 200);
    await fixture.land('during-2.csv', sampleCsv(100, 4, 3001));
    const lastLanded = new Date().toISOString();
    const run = await first;
    const firstRecord = await readRunRecord(fixture.runsDir, run.name!);
    expect(firstRecord?.input).toMatchObject({ files: ['landing/training/first.csv'] });
    // The premise: every file landed while the first run was still going.
    expect(firstRecord!.finishedAt! > lastLanded, 'the first run ended before the last file landed').toBe(true);
    const second = await handle.next();
    expect(second).toMatchObject({ kind: 'training', started: true });
    expect(second.name).not.toBe(run.name);
    expect((await readRunRecord(fixture.runsDir, second.name!))?.input).toMatchObject({ files: expect.arrayContaining(['landing/training/during-2.csv']) });
    await pause(windowMs + 500);
    expect((await runNames()).sort()).toEqual([run.name, second.name].sort());
  });
});
