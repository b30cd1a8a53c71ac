import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import type { Orchestrator } from '../../../lambdas/core/ports/orchestrator.ts';
import { batchConfigSchema } from '../../../lambdas/core/steps/batch/batch-state.ts';
import { pipelineConfigSchema } from '../../../lambdas/core/steps/run-state.ts';
import { startBatch } from '../../../lambdas/core/triggers/batch-starts.ts';
import { ignoredLandingKey } from '../../../lambdas/core/triggers/landing-keys.ts';
import { type StartEvent, startTraining } from '../../../lambdas/core/triggers/training-starts.ts';

function countingOrchestrator(): Orchestrator & { readonly names: string[] } {
  const names: string[] = [];
  return {
    names,
    async start(name) {
      names.push(name);
      return { started: true, executionId: name };
    },
  };
}

function upload(key: string): StartEvent {
  return {
    'detail-type': 'Object Created',
    source: 'aws.s3',
    time: '2026-12-06T10:15:00Z',
    detail: { bucket: { name: 'prognos-landing' }, object: { key, etag: 'abc', 'version-id': 'v1' } },
  };
}

describe('ignoredLandingKey', () => {
  it('takes .csv files of any case, and gives the reason for folder markers and other files', () => {
    expect(ignoredLandingKey('landing/training/2026/readings.csv')).toBeUndefined();
    expect(ignoredLandingKey('landing/training/READINGS.CSV')).toBeUndefined();
    expect(ignoredLandingKey('landing/training/2026/')).toBe('landing/training/2026/ is a folder marker, not a file');
    expect(ignoredLandingKey('landing/training/notes.txt')).toBe('landing/training/notes.txt is not a .csv file');
    expect(ignoredLandingKey('landing/training/readings.csv.gz')).toBe('landing/training/readings.csv.gz is not a .csv file');
  });
});

describe('the training starter skips what is not a CSV file, without failing', () => {
  const config = pipelineConfigSchema.parse({});

  it('records a console folder marker and a non-CSV upload as ignored and starts nothing', async () => {
    const orchestrator = countingOrchestrator();
    const folder = await startTraining(upload('landing/training/2026-12/'), config, orchestrator);
    const notes = await startTraining(upload('landing/training/README.md'), config, orchestrator);
    expect(folder).toEqual({ name: null, started: false, ignored: true, reason: 'landing/training/2026-12/ is a folder marker, not a file' });
    expect(notes).toMatchObject({ started: false, ignored: true, reason: 'landing/training/README.md is not a .csv file' });
    expect(orchestrator.names).toEqual([]);
  });

  it('still starts a refit for a CSV upload (URL-encoded key), and ignores uploads outside landing/training/', async () => {
    const orchestrator = countingOrchestrator();
    const csv = await startTraining(upload('landing/training/my+readings.csv'), config, orchestrator);
    expect(csv).toMatchObject({ started: true, ignored: false });
    expect(orchestrator.names).toEqual([csv.name]);
    expect(await startTraining(upload('landing/inference/x.csv'), config, orchestrator)).toMatchObject({ started: false, ignored: true, reason: 'landing/inference/x.csv is not under landing/training/: nothing to train' });
  });
});

describe('the batch starter skips what is not a CSV file', () => {
  let root: string;
  let store: FsObjectStore;
  const config = batchConfigSchema.parse({});

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-landing-keys-'));
    store = new FsObjectStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('starts nothing when only non-CSV files are there, and names the batch from the CSV files alone', async () => {
    await store.put('landing/inference/notes.txt', 'hello');
    const orchestrator = countingOrchestrator();
    const none = await startBatch(store, config, orchestrator);
    expect(none).toEqual({ name: null, started: false, reason: 'no CSV file under landing/inference/', ignored: ['landing/inference/notes.txt is not a .csv file'] });
    expect(orchestrator.names).toEqual([]);

    await store.put('landing/inference/a.csv', 'UDI\n1\n');
    const withNotes = await startBatch(store, config, orchestrator);
    expect(withNotes).toMatchObject({ started: true, ignored: ['landing/inference/notes.txt is not a .csv file'] });

    // The same CSV files without the notes: the same batch name.
    await rm(join(root, 'landing/inference/notes.txt'));
    const alone = await startBatch(store, config, countingOrchestrator());
    expect(alone).toMatchObject({ name: withNotes.name, ignored: [] });
  });
});
