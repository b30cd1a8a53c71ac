/**
 * S3ObjectStore over real HTTP against s3rver, a wire-compatible S3 server in a child process:
 * the SDK's requests, signing, checksums, XML parsing and pagination all run for real. s3rver
 * accepts If-None-Match / If-Match on PUT and ignores them, so only the tests that need a write
 * refused are skipped here; the unit test checks those against S3's documented answers.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store.ts';
import { ObjectNotFoundError } from '../../lambdas/core/ports/object-store.ts';
import { describeObjectStoreContract } from '../support/object-store-contract.ts';
import { startS3rver, type RunningS3rver } from '../support/s3rver.ts';

type Buckets = { readonly landing: string; readonly lake: string; readonly models: string };

interface Subject {
  readonly client: S3Client;
  readonly buckets: Buckets;
  readonly store: S3ObjectStore;
}

let server: RunningS3rver | undefined;
let buckets = 0;

afterAll(async () => {
  await server?.stop();
});

/** A store over three new, empty buckets of the one server this file starts. */
async function freshStore(): Promise<Subject> {
  server ??= await startS3rver();
  const client = new S3Client({
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // One attempt: a failure here is the adapter's or the server's, not something to retry away.
    maxAttempts: 1,
  });
  const n = ++buckets;
  const names: Buckets = { landing: `t${n}-landing`, lake: `t${n}-lake`, models: `t${n}-models` };
  for (const Bucket of Object.values(names)) await client.send(new CreateBucketCommand({ Bucket }));
  return { client, buckets: names, store: new S3ObjectStore({ client, buckets: names }) };
}

describeObjectStoreContract(
  's3rver',
  async () => {
    const { client, store } = await freshStore();
    return { store, cleanup: async () => client.destroy() };
  },
  { conditionalWrites: false },
);

describe('S3ObjectStore on s3rver', () => {
  let subject: Subject;

  beforeAll(async () => {
    server ??= await startS3rver();
  });
  beforeEach(async () => {
    subject = await freshStore();
  });
  afterEach(() => {
    subject.client.destroy();
  });

  async function read(Bucket: string, Key: string): Promise<{ text: string; contentType: string | undefined }> {
    const out = await subject.client.send(new GetObjectCommand({ Bucket, Key }));
    return { text: await out.Body!.transformToString(), contentType: out.ContentType };
  }

  it('puts each zone into its bucket under the full key, with the content type', async () => {
    const { store, buckets: names } = subject;
    await store.put('landing/training/a.csv', 'id,x\n1,2\n', { contentType: 'text/csv' });
    await store.put('lake/features/dt=2026-01-01/part-0.parquet', 'PAR1');
    await store.put('models/champion.json', '{}', { contentType: 'application/json' });
    // Read back with the plain SDK, bucket by bucket, to see where the adapter wrote.
    expect(await read(names.landing, 'landing/training/a.csv')).toEqual({ text: 'id,x\n1,2\n', contentType: 'text/csv' });
    expect((await read(names.lake, 'lake/features/dt=2026-01-01/part-0.parquet')).text).toBe('PAR1');
    expect((await read(names.models, 'models/champion.json')).contentType).toBe('application/json');
    await expect(read(names.lake, 'landing/training/a.csv')).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('passes S3’s ETag through unchanged (quoted MD5) and sends it back verbatim in If-Match', async () => {
    const { store } = subject;
    const { etag } = await store.put('models/champion.json', 'hello');
    expect(etag).toBe('"5d41402abc4b2a76b9719d911017c592"'); // MD5 of "hello", quoted as S3 sends it
    const next = await store.put('models/champion.json', 'hello again', { ifMatch: etag });
    expect(next.etag).not.toBe(etag);
    const created = await store.put('models/new.json', 'x', { ifNoneMatch: '*' });
    expect((await store.head('models/new.json'))!.etag).toBe(created.etag);
  });

  it('follows continuation tokens through listings longer than one page (1000 keys)', async () => {
    const { store } = subject;
    const keys = Array.from({ length: 1005 }, (_, i) => `lake/features/dt=2026-01-01/part-${String(i).padStart(4, '0')}.parquet`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, key)));
    await store.put('landing/training/a.csv', 'a');
    expect((await store.list('lake/features/')).map((o) => o.key)).toEqual(keys);
    // "lake/" sorts before "landing/": the listing merged across buckets keeps byte order.
    expect((await store.list('')).map((o) => o.key)).toEqual([...keys, 'landing/training/a.csv']);
  });

  it('skips the console’s "folder" objects (keys ending in /) in listings', async () => {
    const { store, client, buckets: names } = subject;
    await client.send(new PutObjectCommand({ Bucket: names.landing, Key: 'landing/training/', Body: new Uint8Array(0) }));
    await store.put('landing/training/a.csv', 'a');
    expect((await store.list('landing/')).map((o) => o.key)).toEqual(['landing/training/a.csv']);
  });

  it('tells a missing key (ObjectNotFoundError) from a missing bucket (the SDK’s NoSuchBucket)', async () => {
    const { store, client, buckets: names } = subject;
    await expect(store.get('lake/absent.json')).rejects.toBeInstanceOf(ObjectNotFoundError);
    const misconfigured = new S3ObjectStore({ client, buckets: { ...names, lake: `${names.lake}-missing` } });
    await expect(misconfigured.get('lake/absent.json')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('lets zones share one bucket without listing an object twice', async () => {
    const { client, buckets: names } = subject;
    const shared = new S3ObjectStore({ client, buckets: { landing: names.lake, lake: names.lake, models: names.lake } });
    await shared.put('landing/training/a.csv', 'a');
    await shared.put('lake/features/x.parquet', 'x');
    await shared.put('models/champion.json', '{}');
    expect((await shared.list('')).map((o) => o.key)).toEqual(['lake/features/x.parquet', 'landing/training/a.csv', 'models/champion.json']);
    expect((await shared.list('la')).map((o) => o.key)).toEqual(['lake/features/x.parquet', 'landing/training/a.csv']);
  });
});
