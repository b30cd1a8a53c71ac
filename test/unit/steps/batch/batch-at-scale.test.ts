/**
 * Batch inference over 10,000 landing files, without scoring 10,000 real files: the listing (the
 * local ItemReader), each child's payload as the definition's ItemSelector builds it, ScoreFile's
 * ledger look-up, and each child's result as the definition's ResultSelector shapes it. 9,990 files
 * were scored by earlier batches (they are in the ledger); 10 new ones are over the size cap. The
 * largest payload any state of the batch holds must stay far below Step Functions' 256 KiB.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { objectStoreItemReader, S3_LIST_OBJECTS_V2, type S3ListItem } from '../../../../lambdas/adapters/local/distributed-map.ts';
import { DEFAULT_CONTRACT } from '../../../../lambdas/core/contract/contract.ts';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore, type PutOptions, PreconditionFailedError, type StoredObject, type StreamedObject } from '../../../../lambdas/core/ports/object-store.ts';
import type { QueryEngine } from '../../../../lambdas/core/ports/query-engine.ts';
import { batchConfigSchema, batchFilesPrefix, LANDING_INFERENCE_PREFIX } from '../../../../lambdas/core/steps/batch/batch-state.ts';
import { scoreFile } from '../../../../lambdas/core/steps/batch/score-file.ts';
import { LEDGER_PREFIX, writeLedgerEntry } from '../../../../lambdas/core/steps/batch/scored-ledger.ts';
import type { StepContext } from '../../../../lambdas/core/steps/context.ts';
import { BATCH_DEFINITION } from '../../../support/batch-fixture.ts';

const FILES = 10_000;
const NEW_FILES = 10;
const STATE_LIMIT = 256 * 1024;
const BATCH = 'infer-00000000000000000000aaaa';

/** An in-memory ObjectStore that counts reads by zone: a folder of 10,000 files would only make the test slow. */
class MemoryStore implements ObjectStore {
  readonly #objects = new Map<string, StoredObject>();
  #version = 0;
  readonly reads: string[] = [];

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
    ItemReader: { Resource: string; Parameters: Json };
    ItemSelector: Record<string, string>;
    ItemProcessor: { States: { ScoreFile: { ResultSelector: Record<string, string> } } };
  };
  const store = new MemoryStore();
  const input = { batchName: BATCH, config: batchConfigSchema.parse({ maxFileBytes: 100 }) };
  const context: StepContext = { store, queries: {} as QueryEngine, contract: DEFAULT_CONTRACT, now: () => new Date('2026-03-02T10:00:00Z'), progress: () => {} };
  let items: S3ListItem[];
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
    items = (await objectStoreItemReader(store)({ state: 'ScoreFiles', resource: map.ItemReader.Resource, parameters: map.ItemReader.Parameters })) as S3ListItem[];
    store.reads.length = 0;
    payloads = items.map((item) => select(map.ItemSelector, input, item as unknown as Json));
    results = [];
    for (const payload of payloads) {
      const result = await scoreFile(payload, context);
      results.push(select(map.ItemProcessor.States.ScoreFile.ResultSelector, { Payload: result }));
    }
  });

  it('lists every file, in key order, and reads none of the landing files', () => {
    expect(map.ItemReader.Resource).toBe(S3_LIST_OBJECTS_V2);
    expect(items).toHaveLength(FILES);
    expect(items[0]!.Key < items[1]!.Key).toBe(true);
    expect(store.reads.filter((key) => key.startsWith(LANDING_INFERENCE_PREFIX))).toEqual([]);
    // One ledger look-up per file; nothing else is read.
    expect(store.reads.filter((key) => key.startsWith(LEDGER_PREFIX))).toHaveLength(FILES);
    expect(store.reads).toHaveLength(FILES);
  });

  it('takes up only the files the ledger does not have: the batch file list has the 10 new ones', async () => {
    expect(results.filter((r) => r.duplicate === true)).toHaveLength(FILES - NEW_FILES);
    expect(results.slice(-NEW_FILES)).toEqual(items.slice(-NEW_FILES).map((item) => ({ key: item.Key, status: 'unusable', duplicate: false })));
    expect(await store.list(batchFilesPrefix(BATCH))).toHaveLength(NEW_FILES);
    expect(await store.list(LEDGER_PREFIX)).toHaveLength(FILES);
  });

  it('keeps the largest state payload far below 256 KiB: results go to S3, the Map adds nothing to the state', () => {
    // In AWS the ResultWriter writes the children's results to S3 and "ResultPath": null keeps the Map's output out of the state.
    expect(map.ResultWriter).toBeDefined();
    expect(map.ResultPath).toBeNull();
    const largest = {
      executionInput: bytes(input),
      childInput: Math.max(...payloads.map(bytes)),
      childResult: Math.max(...results.map(bytes)),
      stateAfterMap: bytes(input),
    };
    const worst = Math.max(...Object.values(largest));
    expect(worst, JSON.stringify(largest)).toBeLessThan(STATE_LIMIT / 100);
    // Without the ResultWriter the collected results alone would be one array of every child's result.
    const collected = bytes(results);
    expect(collected).toBeGreaterThan(STATE_LIMIT);
    expect(largest.childResult).toBeLessThan(120);
  });
});
