/**
 * What every ObjectStore adapter must do, as a vitest suite: call `describeObjectStoreContract`
 * from the adapter's test file with a factory that makes a fresh, empty store. Keys start with a
 * zone (`landing/`, `lake/`, `models/`), as the port requires: the S3 adapter maps zones to buckets.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, PreconditionFailedError, type ObjectStore } from '../../lambdas/core/ports/object-store.ts';

export interface StoreUnderTest {
  readonly store: ObjectStore;
  cleanup(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Settles every promise and sorts the outcomes: values of the fulfilled, reasons of the rejected. */
async function outcomes<T>(promises: Promise<T>[]): Promise<{ won: { index: number; value: T }[]; lost: unknown[] }> {
  const settled = await Promise.allSettled(promises);
  const won: { index: number; value: T }[] = [];
  const lost: unknown[] = [];
  settled.forEach((result, index) => {
    if (result.status === 'fulfilled') won.push({ index, value: result.value });
    else lost.push(result.reason);
  });
  return { won, lost };
}

export interface ContractOptions {
  /**
   * false: skip the conditional-write tests (create-only, compare-and-swap, their races), for a
   * test server that accepts If-None-Match / If-Match and ignores them (s3rver). Default true.
   */
  readonly conditionalWrites?: boolean;
}

export function describeObjectStoreContract(label: string, makeStore: () => Promise<StoreUnderTest>, options: ContractOptions = {}): void {
  const conditionalWrites = options.conditionalWrites ?? true;
  // Only tests that need a conditional write refused are skipped; the accepted ones still run.
  const itConditional = (name: string, test: () => Promise<void>): void => {
    if (conditionalWrites) it(name, test);
    else it.skip(`${name} (skipped: ${label} ignores If-None-Match / If-Match; the adapter's unit tests cover them)`, test);
  };
  describe(`ObjectStore contract: ${label}`, () => {
    let subject: StoreUnderTest;
    let store: ObjectStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    describe('put / get / head', () => {
      it('round-trips bytes exactly, including every byte value and an empty body', async () => {
        const bytes = new Uint8Array(512).map((_, i) => (i * 7 + 3) % 256);
        await store.put('models/v1/x_train.f64', bytes);
        await store.put('models/v1/empty.bin', new Uint8Array(0));
        const got = await store.get('models/v1/x_train.f64');
        expect(got.body).toBeInstanceOf(Uint8Array);
        expect(Array.from(got.body)).toEqual(Array.from(bytes));
        expect(got.key).toBe('models/v1/x_train.f64');
        expect(got.size).toBe(512);
        const empty = await store.get('models/v1/empty.bin');
        expect(empty.body.byteLength).toBe(0);
        expect(empty.size).toBe(0);
      });

      it('stores strings as UTF-8', async () => {
        await store.put('landing/training/note.txt', 'Temperatur 25 °C — ok ✓ 🚀');
        const got = await store.get('landing/training/note.txt');
        expect(text(got.body)).toBe('Temperatur 25 °C — ok ✓ 🚀');
        expect(got.size).toBe(encoder.encode('Temperatur 25 °C — ok ✓ 🚀').byteLength);
      });

      it('returns the etag of put from get, head and list alike', async () => {
        const { etag } = await store.put('models/champion.json', '{"version":"v1"}');
        expect(typeof etag).toBe('string');
        expect(etag.length).toBeGreaterThan(0);
        const info = await store.head('models/champion.json');
        expect(info).toBeDefined();
        expect(info!.etag).toBe(etag);
        expect(info!.key).toBe('models/champion.json');
        expect(info!.size).toBe(16);
        expect(info!.lastModified).toBeInstanceOf(Date);
        expect(Math.abs(info!.lastModified.getTime() - Date.now())).toBeLessThan(60_000);
        expect((await store.get('models/champion.json')).etag).toBe(etag);
        expect((await store.list('models/champion.json')).map((o) => o.etag)).toEqual([etag]);
      });

      it('overwrites an object unconditionally', async () => {
        await store.put('lake/a.json', 'first');
        await store.put('lake/a.json', 'second, longer');
        expect(text((await store.get('lake/a.json')).body)).toBe('second, longer');
        expect((await store.head('lake/a.json'))!.size).toBe(14);
      });

      it('does not keep a reference to the caller’s buffer', async () => {
        const bytes = encoder.encode('original');
        await store.put('lake/copy.bin', bytes);
        bytes.fill(0);
        expect(text((await store.get('lake/copy.bin')).body)).toBe('original');
      });
    });

    describe('getStream', () => {
      /** Reads a stream to the end, copying each chunk (an adapter may reuse its buffers). */
      async function drain(body: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; chunks: number }> {
        const parts: Uint8Array[] = [];
        for await (const chunk of body) parts.push(Uint8Array.from(chunk));
        const bytes = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
        let at = 0;
        for (const part of parts) {
          bytes.set(part, at);
          at += part.byteLength;
        }
        return { bytes, chunks: parts.length };
      }

      it('streams the same bytes, etag and size as get, for an object larger than one chunk', async () => {
        // 3 MiB + 5 of a pattern that repeats every 251 bytes, so a lost or repeated chunk shows.
        const bytes = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => i % 251);
        await store.put('landing/training/big.csv', bytes);
        const streamed = await store.getStream('landing/training/big.csv');
        const whole = await store.get('landing/training/big.csv');
        expect(streamed.key).toBe('landing/training/big.csv');
        expect(streamed.etag).toBe(whole.etag);
        expect(streamed.size).toBe(bytes.byteLength);
        expect(streamed.lastModified.getTime()).toBe(whole.lastModified.getTime());
        const { bytes: read, chunks } = await drain(streamed.body);
        expect(chunks).toBeGreaterThan(1);
        expect(Buffer.compare(Buffer.from(read), Buffer.from(bytes))).toBe(0);
      });

      it('streams an empty object as no bytes', async () => {
        await store.put('landing/training/empty.csv', new Uint8Array(0));
        const streamed = await store.getStream('landing/training/empty.csv');
        expect(streamed.size).toBe(0);
        expect((await drain(streamed.body)).bytes.byteLength).toBe(0);
      });

      it('keeps streaming the version it opened while a writer replaces the object', async () => {
        await store.put('lake/v.txt', 'first version');
        const streamed = await store.getStream('lake/v.txt');
        await store.put('lake/v.txt', 'second, longer version');
        expect(text((await drain(streamed.body)).bytes)).toBe('first version');
        expect(streamed.etag).toBe((await store.put('lake/w.txt', 'first version')).etag);
      });

      it('throws ObjectNotFoundError for a missing key or a "folder"', async () => {
        await store.put('lake/features/dt=2026-01-01/part-0.parquet', 'x');
        await expect(store.getStream('lake/absent.csv')).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(store.getStream('lake/features')).rejects.toBeInstanceOf(ObjectNotFoundError);
      });
    });

    describe('missing objects', () => {
      it('get throws ObjectNotFoundError naming the key', async () => {
        await store.put('lake/present.json', '{}');
        const error = await store.get('lake/absent.json').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ObjectNotFoundError);
        expect((error as ObjectNotFoundError).name).toBe('ObjectNotFoundError');
        expect((error as ObjectNotFoundError).key).toBe('lake/absent.json');
        expect((error as Error).message).toContain('lake/absent.json');
      });

      it('head returns undefined', async () => {
        expect(await store.head('lake/absent.json')).toBeUndefined();
      });

      it('an empty store lists nothing and finds nothing', async () => {
        expect(await store.list('')).toEqual([]);
        expect(await store.list('lake/')).toEqual([]);
        expect(await store.head('models/champion.json')).toBeUndefined();
        await expect(store.get('models/champion.json')).rejects.toBeInstanceOf(ObjectNotFoundError);
      });

      it('a "folder" (a prefix of other keys) is not an object', async () => {
        await store.put('lake/features/dt=2026-01-01/part-0.parquet', 'x');
        expect(await store.head('lake/features')).toBeUndefined();
        expect(await store.head('lake/features/dt=2026-01-01')).toBeUndefined();
        await expect(store.get('lake/features')).rejects.toBeInstanceOf(ObjectNotFoundError);
      });
    });

    describe('list', () => {
      const keys = [
        'lake/features/dt=2026-01-02/part-0.parquet',
        'lake/features/dt=2026-01-01/part-1.parquet',
        'lake/features/dt=2026-01-01/part-0.parquet',
        'lake/featured.json',
        'lake/quarantine/bad.csv',
        'landing/training/upload.csv',
        'models/champion.json',
      ];

      beforeEach(async () => {
        for (const key of keys) await store.put(key, `body of ${key}`);
      });

      it('lists every key at any depth, sorted', async () => {
        const listed = await store.list('');
        expect(listed.map((o) => o.key)).toEqual([...keys].sort());
        for (const info of listed) {
          expect(info.size).toBe(encoder.encode(`body of ${info.key}`).byteLength);
          expect(info.etag).toBe((await store.head(info.key))!.etag);
        }
      });

      it('a prefix ending in "/" selects one folder, recursively', async () => {
        expect((await store.list('lake/features/')).map((o) => o.key)).toEqual([
          'lake/features/dt=2026-01-01/part-0.parquet',
          'lake/features/dt=2026-01-01/part-1.parquet',
          'lake/features/dt=2026-01-02/part-0.parquet',
        ]);
      });

      it('a prefix may end mid-name, matching files and folders alike (S3 semantics)', async () => {
        expect((await store.list('lake/feat')).map((o) => o.key)).toEqual([
          'lake/featured.json',
          'lake/features/dt=2026-01-01/part-0.parquet',
          'lake/features/dt=2026-01-01/part-1.parquet',
          'lake/features/dt=2026-01-02/part-0.parquet',
        ]);
        expect((await store.list('lake/features/dt=2026-01-0')).length).toBe(3);
        expect((await store.list('lake/features/dt=2026-01-02')).map((o) => o.key)).toEqual(['lake/features/dt=2026-01-02/part-0.parquet']);
        expect((await store.list('l')).length).toBe(6);
      });

      it('a prefix equal to a whole key lists that key', async () => {
        expect((await store.list('models/champion.json')).map((o) => o.key)).toEqual(['models/champion.json']);
      });

      it('a prefix that matches nothing lists nothing', async () => {
        expect(await store.list('lake/predictions/')).toEqual([]);
        expect(await store.list('models/nowhere/at/all/')).toEqual([]);
        expect(await store.list('lake/featx')).toEqual([]);
      });

      it('orders keys by their bytes, digits and case included', async () => {
        // UTF-8 byte order puts ～ (U+FF5E) before 😀 (U+1F600); JavaScript's default sort does not.
        // No two keys differ only in case: a case-insensitive disk (macOS) could not hold both.
        for (const key of ['lake/sort/b', 'lake/sort/C', 'lake/sort/a10', 'lake/sort/a9', 'lake/sort/a-1', 'lake/sort/a_1', 'lake/sort/é', 'lake/sort/z', 'lake/sort/😀', 'lake/sort/～']) await store.put(key, key);
        expect((await store.list('lake/sort/')).map((o) => o.key)).toEqual(['lake/sort/C', 'lake/sort/a-1', 'lake/sort/a10', 'lake/sort/a9', 'lake/sort/a_1', 'lake/sort/b', 'lake/sort/z', 'lake/sort/é', 'lake/sort/～', 'lake/sort/😀']);
      });
    });

    describe('etags', () => {
      it('change whenever the content changes', async () => {
        const seen = new Set<string>();
        for (const body of ['a', 'b', 'ab', 'ba', '', 'a ']) {
          const { etag } = await store.put('models/champion.json', body);
          expect(seen.has(etag), `etag of ${JSON.stringify(body)} repeats an earlier one`).toBe(false);
          seen.add(etag);
          expect((await store.head('models/champion.json'))!.etag).toBe(etag);
        }
      });

      it('stay the same when the same content is written again', async () => {
        const first = await store.put('models/champion.json', 'same');
        const second = await store.put('models/champion.json', 'same');
        expect(second.etag).toBe(first.etag);
        expect((await store.head('models/champion.json'))!.etag).toBe(first.etag);
      });

      it('do not depend on the key', async () => {
        const a = await store.put('lake/one.json', 'same');
        const b = await store.put('lake/two.json', 'same');
        expect(a.etag).toBe(b.etag);
      });
    });

    describe('create-only writes (ifNoneMatch: "*")', () => {
      itConditional('creates a missing object, then refuses to overwrite it', async () => {
        const { etag } = await store.put('lake/quarantine/run-1.csv', 'first', { ifNoneMatch: '*' });
        const error = await store.put('lake/quarantine/run-1.csv', 'second', { ifNoneMatch: '*' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PreconditionFailedError);
        expect((error as PreconditionFailedError).name).toBe('PreconditionFailedError');
        expect((error as PreconditionFailedError).key).toBe('lake/quarantine/run-1.csv');
        const got = await store.get('lake/quarantine/run-1.csv');
        expect(text(got.body)).toBe('first');
        expect(got.etag).toBe(etag);
      });

      itConditional('refuses even when the body is identical', async () => {
        await store.put('lake/x.json', 'same', { ifNoneMatch: '*' });
        await expect(store.put('lake/x.json', 'same', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
      });

      itConditional('lets exactly one of 20 concurrent creators win, and keeps the winner’s body', async () => {
        const key = 'models/v7/decision.json';
        const bodies = Array.from({ length: 20 }, (_, i) => `{"writer":${i},"pad":"${'x'.repeat(i * 100)}"}`);
        const { won, lost } = await outcomes(bodies.map((body) => store.put(key, body, { ifNoneMatch: '*' })));
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const reason of lost) expect(reason).toBeInstanceOf(PreconditionFailedError);
        const got = await store.get(key);
        expect(text(got.body)).toBe(bodies[won[0].index]);
        expect(got.etag).toBe(won[0].value.etag);
      });
    });

    describe('compare-and-swap writes (ifMatch)', () => {
      it('writes when the etag matches, and returns the new etag', async () => {
        const v1 = await store.put('models/champion.json', '{"version":"v1"}');
        const v2 = await store.put('models/champion.json', '{"version":"v2"}', { ifMatch: v1.etag });
        expect(v2.etag).not.toBe(v1.etag);
        const got = await store.get('models/champion.json');
        expect(text(got.body)).toBe('{"version":"v2"}');
        expect(got.etag).toBe(v2.etag);
      });

      itConditional('refuses a stale etag and leaves the object as it was', async () => {
        const v1 = await store.put('models/champion.json', '{"version":"v1"}');
        const v2 = await store.put('models/champion.json', '{"version":"v2"}', { ifMatch: v1.etag });
        const error = await store.put('models/champion.json', '{"version":"v3"}', { ifMatch: v1.etag }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PreconditionFailedError);
        expect((error as PreconditionFailedError).key).toBe('models/champion.json');
        const got = await store.get('models/champion.json');
        expect(text(got.body)).toBe('{"version":"v2"}');
        expect(got.etag).toBe(v2.etag);
      });

      itConditional('refuses when there is no object to match', async () => {
        const { etag } = await store.put('models/other.json', 'x');
        await expect(store.put('models/champion.json', 'y', { ifMatch: etag })).rejects.toBeInstanceOf(PreconditionFailedError);
        expect(await store.head('models/champion.json')).toBeUndefined();
      });

      itConditional('lets exactly one of 20 concurrent updates from the same etag win', async () => {
        const key = 'models/champion.json';
        const base = await store.put(key, '{"version":"v0"}');
        const bodies = Array.from({ length: 20 }, (_, i) => `{"version":"v${i + 1}"}`);
        const { won, lost } = await outcomes(bodies.map((body) => store.put(key, body, { ifMatch: base.etag })));
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const reason of lost) expect(reason).toBeInstanceOf(PreconditionFailedError);
        const got = await store.get(key);
        expect(text(got.body)).toBe(bodies[won[0].index]);
        expect(got.etag).toBe(won[0].value.etag);
      });

      itConditional('serialises a chain of read-modify-write updates without losing one', async () => {
        const key = 'models/counter.json';
        await store.put(key, '0', { ifNoneMatch: '*' });
        const increment = async (): Promise<void> => {
          for (;;) {
            const current = await store.get(key);
            try {
              await store.put(key, String(Number(text(current.body)) + 1), { ifMatch: current.etag });
              return;
            } catch (error) {
              if (!(error instanceof PreconditionFailedError)) throw error;
            }
          }
        };
        await Promise.all(Array.from({ length: 10 }, increment));
        expect(text((await store.get(key)).body)).toBe('10');
      });
    });
  });
}
