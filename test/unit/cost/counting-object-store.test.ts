import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { CountingObjectStore } from '../../../lambdas/core/cost/counting-object-store.ts';
import { MeteredQueryEngine } from '../../../lambdas/core/cost/metered-query-engine.ts';
import { ObjectNotFoundError, PreconditionFailedError } from '../../../lambdas/core/ports/object-store.ts';
import { QueryError, type QueryEngine } from '../../../lambdas/core/ports/query-engine.ts';

let dir: string;
let inner: FsObjectStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prognos-counting-'));
  inner = new FsObjectStore(join(dir, 'home'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('CountingObjectStore', () => {
  it('counts PUT and LIST in one class, GET and HEAD in the other, and passes the calls on', async () => {
    const store = new CountingObjectStore(inner);
    await store.put('lake/a.json', '{"a":1}');
    await store.put('lake/b.json', '{"b":2}');
    expect(new TextDecoder().decode((await store.get('lake/a.json')).body)).toBe('{"a":1}');
    expect((await store.head('lake/b.json'))?.size).toBe(7);
    expect(await store.head('lake/none.json')).toBeUndefined();
    const stream = await store.getStream('lake/b.json');
    for await (const _chunk of stream.body) {
      // drained
    }
    expect((await store.list('lake/')).map((o) => o.key)).toEqual(['lake/a.json', 'lake/b.json']);
    // 2 PUT + 1 LIST; GET, 2 HEAD, GET (stream)
    expect(store.counts()).toEqual({ putCopyPostList: 3, getAndOther: 4 });
    // The inner store was written through.
    expect((await inner.list('lake/')).length).toBe(2);
  });

  it('counts requests that fail, as S3 bills them', async () => {
    const store = new CountingObjectStore(inner);
    await store.put('models/champion.json', '{}');
    await expect(store.put('models/champion.json', '{}', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(store.get('models/none.json')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(store.counts()).toEqual({ putCopyPostList: 2, getAndOther: 1 });
  });

  it('counts a listing as one LIST request per 1,000 keys, at least one', async () => {
    const many = { list: async (prefix: string) => Array.from({ length: 2001 }, (_, i) => ({ key: `${prefix}${i}`, etag: 'e', size: 1, lastModified: new Date(0) })) };
    const store = new CountingObjectStore({ ...inner, list: many.list } as unknown as FsObjectStore);
    expect(await store.list('lake/')).toHaveLength(2001);
    expect(store.counts().putCopyPostList).toBe(3);
    const empty = new CountingObjectStore(inner);
    expect(await empty.list('nothing/')).toEqual([]);
    expect(empty.counts().putCopyPostList).toBe(1);
  });
});

describe('MeteredQueryEngine', () => {
  it('records the bytes each query scanned, 0 for a failed one, and passes rows through', async () => {
    const engine: QueryEngine = {
      query: async (sql) => {
        if (sql.includes('broken')) throw new QueryError('no such column');
        return [{ n: 1 }];
      },
      close: async () => undefined,
    };
    const metered = new MeteredQueryEngine(engine, async (sql) => sql.length);
    expect(await metered.query('SELECT 1')).toEqual([{ n: 1 }]);
    await expect(metered.query('SELECT broken')).rejects.toBeInstanceOf(QueryError);
    expect(metered.scanned()).toEqual([8, 0]);
  });
});
