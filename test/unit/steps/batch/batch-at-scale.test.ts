/**
 * Batch inference over 10,000 landing files, without scoring 10,000 real files: ListNewFiles
 * (two listings, the manifest), the Map's items as the local ItemReader reads the manifest, each
 * child's payload as the definition's ItemSelector builds it, ScoreFile, and each child's result
 * as the definition's ResultSelector shapes it. 9,990 files were scored by earlier batches (they
 * are in the ledger); 10 new ones are over the size cap. Then a backlog: 10,000 new files, of
 * which one batch takes maxFilesPerBatch. The largest payload any state of the batch holds must
 * stay far below Step Functions' 256 KiB.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { objectStoreItemReader, resolveReader, S3_GET_OBJECT } from '../../../../lambdas/adapters/local/distributed-map.ts';
import { DEFAULT_CONTRACT } from '../../../../lambdas/core/contract/contract.ts';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore, type PutOptions, PreconditionFailedError, type StoredObject, type StreamedObject } from '../../../../lambdas/core/ports/object-store.ts';
import type { QueryEngine } from '../../../../lambdas/core/ports/query-engine.ts';
import { batchConfigSchema, type BatchStepContext, DEFAULT_MAX_FILES_PER_BATCH } from '../../../../lambdas/core/steps/batch/batch-state.ts';
import { type ListNewFilesResult, listNewFiles, type ManifestItem } from '../../../../lambdas/core/steps/batch/list-new-files.ts';
import { scoreFile } from '../../../../lambdas/core/steps/batch/score-file.ts';
import { writeLedgerEntry } from '../../../../lambdas/core/steps/batch/scored-ledger.ts';
import { BATCH_DEFINITION } from '../../../support/batch-fixture.ts';
import { batchFilesPrefix, LANDING_INFERENCE_PREFIX, LEDGER_PREFIX } from '../../../../lambdas/core/storage-keys.ts';

const FILES = 10_000;
const NEW_FILES = 10;
const STATE_LIMIT = 256 * 1024;
const BATCH = 'infer-00000000000000000000aaaa';

/** An in-memory ObjectStore that counts reads by zone: a folder of 10,000 files would only make the test slow. */
class MemoryStore implements ObjectStore {
  readonly #objects = new Map<string, StoredObject>();
  #version = 0;
  readonly reads: string[] = [];
  readonly lists: string[] = [];

  async get(key: string): Promise<StoredObject> {
    this.reads.push(key);
    const object = this.#objects.get(key);
    if (object === undefined) throw new ObjectNotFoundError(key);
    return object;
  }
  async getStream(key: string): Promise<StreamedObject> {
    const { body, ...info } = await this.get(key);
    return { ...info, body: [body][Symbol.iterator]() as unknown as AsyncIterable<Uint8Array> };
  }
  async head(key: string): Promise<ObjectInfo | undefined> {
    const object = this.#objects.get(key);
    return object === undefined ? undefined : { key, etag: object.etag, size: object.size, lastModified: object.lastModified };
  }
  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ readonly etag: string }> {
    if (options.ifNoneMatch === '*' && this.#objects.has(key)) throw new PreconditionFailedError(key, 'exists');
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const etag = (++this.#version).toString(16).padStart(32, '0');
    this.#objects.set(key, { key, etag, size: bytes.length, lastModified: new Date(Date.UTC(2026, 2, 2)), body: bytes });
    return { etag };
  }
  async list(prefix: string): Promise<ObjectInfo[]> {
    this.lists.push(prefix);
    return [...this.#objects.values()].filter((o) => o.key.startsWith(prefix)).map(({ body: _body, ...info }) => info);
  }
}

type Json = Record<string, unknown>;

/** A JSONPath of the two kinds the batch definition's selectors use: `$$.Map.Item.Value.<field>` and `$.<a>.<b>`. */
function evaluate(path: string, input: Json, item: Json): unknown {
  const [root, ...fields] = path.startsWith('$$.Map.Item.Value.') ? [item, ...path.slice('$$.Map.Item.Value.'.length).split('.')] : [input, ...path.slice(2).split('.')];
  return fields.reduce<unknown>((value, field) => (value as Json | undefined)?.[field], root);
}

function select(selector: Record<string, string>, input: Json, item: Json = {}): Json {
  return Object.fromEntries(Object.entries(selector).map(([field, path]) => [field.replace(/\.\$$/, ''), evaluate(path, input, item)]));
}

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

describe(`a batch over ${FILES.toLocaleString('en')} listed files`, () => {
  const definition = JSON.parse(readFileSync(BATCH_DEFINITION, 'utf8')) as { States: Record<string, Json> };
  const map = definition.States.ScoreFiles as Json & {
    ItemReader: { Resource: string; Parameters: Json; ReaderConfig: { InputType: string } };
    ItemSelector: Record<string, string>;
    ItemProcessor: { States: { ScoreFile: { ResultSelector: Record<string, string> } } };
  };
  const store = new MemoryStore();
  const input = { batchName: BATCH, config: batchConfigSchema.parse({ maxFileBytes: 100 }) };
  const context: BatchStepContext = {
    store,
    queries: {} as QueryEngine,
    contract: DEFAULT_CONTRACT,
    now: () => new Date('2026-03-02T10:00:00Z'),
    progress: () => {},
    retrain: { start: () => Promise.reject(new Error('no retrain here')) },
  };
  let listed: ListNewFilesResult;
  let items: ManifestItem[];
  let payloads: Json[];
  let results: Json[];

  beforeAll(async () => {
    for (let i = 0; i < FILES; i += 1) {
      const key = `${LANDING_INFERENCE_PREFIX}2026/03/${String(i).padStart(5, '0')}.csv`;
      // The old files are small; the new ones exceed the cap of 100 bytes, so they are quarantined unread (no champion needed).
      const isNew = i >= FILES - NEW_FILES;
      const { etag } = await store.put(key, isNew ? 'x'.repeat(200) : 'udi,type\n1,L\n');
      if (!isNew) await writeLedgerEntry(store, { key, etag: `"${etag}"`, status: 'scored', sha256: 'ab'.repeat(32), batchName: 'infer-00000000000000000000bbbb', reason: null, recordedAt: '2026-03-01T10:00:00.000Z' });
    }
    listed = await listNewFiles(input, context);
    expect(store.reads).toEqual([]);
    const state = { ...input, files: listed };
    const reader = { state: 'ScoreFiles', resource: map.ItemReader.Resource, parameters: map.ItemReader.Parameters, inputType: map.ItemReader.ReaderConfig.InputType };
    items = (await objectStoreItemReader(store)(resolveReader(reader, state))) as ManifestItem[];
    store.reads.length = 0;
    payloads = items.map((item) => select(map.ItemSelector, input, item as unknown as Json));
    results = [];
    for (const payload of payloads) {
      const result = await scoreFile(payload, context);
      results.push(select(map.ItemProcessor.States.ScoreFile.ResultSelector, { Payload: result }));
    }
  });

  it('lists the prefix and the ledger once each, reads no file, and gives the Map only the 10 new files, in key order', () => {
    expect(map.ItemReader.Resource).toBe(S3_GET_OBJECT);
    expect(store.lists).toEqual([LANDING_INFERENCE_PREFIX, LEDGER_PREFIX]);
    expect(listed).toMatchObject({ listed: FILES, alreadyHandled: FILES - NEW_FILES, selected: NEW_FILES, deferred: 0 });
    expect(items).toHaveLength(NEW_FILES);
    expect(items.map((item) => item.Key)).toEqual(items.map((item) => item.Key).sort());
    expect(items[0]!.Key).toBe(`${LANDING_INFERENCE_PREFIX}2026/03/0${FILES - NEW_FILES}.csv`);
    // Each child looks its version up in the ledger once more (another batch may have taken it meanwhile); nothing else is read.
    expect(store.reads.filter((key) => key.startsWith(LANDING_INFERENCE_PREFIX))).toEqual([]);
    expect(store.reads.filter((key) => key.startsWith(LEDGER_PREFIX))).toHaveLength(NEW_FILES);
    expect(store.reads).toHaveLength(NEW_FILES);
  });

  it('takes up only the files the ledger does not have: the batch file list has the 10 new ones', async () => {
    expect(results).toEqual(items.map((item) => ({ key: item.Key, status: 'unusable', duplicate: false })));
    expect(await store.list(batchFilesPrefix(BATCH))).toHaveLength(NEW_FILES);
    expect(await store.list(LEDGER_PREFIX)).toHaveLength(FILES);
  });

  it('keeps the largest state payload far below 256 KiB: results go to S3, the Map adds nothing to the state', () => {
    // In AWS the ResultWriter writes the children's results to S3 and "ResultPath": null keeps the Map's output out of the state.
    expect(map.ResultWriter).toBeDefined();
    expect(map.ResultPath).toBeNull();
    const largest = {
      executionInput: bytes(input),
      listNewFilesResult: bytes(listed),
      childInput: Math.max(...payloads.map(bytes)),
      childResult: Math.max(...results.map(bytes)),
      stateAfterMap: bytes({ ...input, files: listed }),
    };
    const worst = Math.max(...Object.values(largest));
    expect(worst, JSON.stringify(largest)).toBeLessThan(STATE_LIMIT / 100);
    expect(largest.childResult).toBeLessThan(120);
  });
});

describe(`a backlog of ${FILES.toLocaleString('en')} new files`, () => {
  it(`takes up maxFilesPerBatch (${DEFAULT_MAX_FILES_PER_BATCH}) of them, oldest keys first, and leaves the rest for the next batch`, async () => {
    const store = new MemoryStore();
    const context: BatchStepContext = { store, queries: {} as QueryEngine, contract: DEFAULT_CONTRACT, now: () => new Date('2026-03-02T10:00:00Z'), progress: () => {}, retrain: { start: () => Promise.reject(new Error('none')) } };
    for (let i = FILES - 1; i >= 0; i -= 1) await store.put(`${LANDING_INFERENCE_PREFIX}2026/03/${String(i).padStart(5, '0')}.csv`, 'udi,type\n1,L\n');
    await store.put(`${LANDING_INFERENCE_PREFIX}2026/`, '');
    const input = { batchName: BATCH, config: batchConfigSchema.parse({}) };
    const listed = await listNewFiles(input, context);
    expect(listed).toMatchObject({ listed: FILES + 1, folderMarkers: 1, alreadyHandled: 0, selected: DEFAULT_MAX_FILES_PER_BATCH, deferred: FILES - DEFAULT_MAX_FILES_PER_BATCH });
    const manifest = JSON.parse(new TextDecoder().decode((await store.get(listed.manifestKey)).body)) as ManifestItem[];
    expect(manifest.map((item) => item.Key)).toEqual(Array.from({ length: DEFAULT_MAX_FILES_PER_BATCH }, (_, i) => `${LANDING_INFERENCE_PREFIX}2026/03/${String(i).padStart(5, '0')}.csv`));
    // The manifest is an object the Map reads, not state; the state holds only the counts and its key.
    expect(bytes(listed)).toBeLessThan(300);
    expect(bytes(manifest)).toBeGreaterThan(STATE_LIMIT / 4);
  });
});
