/**
 * S3ObjectStore against a mocked S3Client: what each call sends, and how S3's answers become the
 * port's errors. Conditional writes are tested here because no installable S3 server enforces
 * them; the answers mocked are the ones S3 documents for PutObject with If-None-Match / If-Match.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../../lambdas/adapters/aws/s3-object-store.ts';
import { TransientError } from '../../../../lambdas/core/errors.ts';
import { ObjectNotFoundError, PreconditionFailedError } from '../../../../lambdas/core/ports/object-store.ts';

const BUCKETS = { landing: 'acme-landing', lake: 'acme-lake', models: 'acme-models' } as const;
const ETAG = '"9a0364b9e99bb480dd25e1f0284c8555"';
const WHEN = new Date('2026-01-02T03:04:05.000Z');

const s3 = mockClient(S3Client);
let store: S3ObjectStore;

beforeEach(() => {
  s3.reset();
  store = new S3ObjectStore({ client: new S3Client({ region: 'us-east-1' }), buckets: BUCKETS });
});

/** A service error as the SDK raises it: the error code as name, the HTTP status in $metadata. */
function serviceError(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

function body(text: string): GetObjectCommandOutput['Body'] {
  const bytes = new TextEncoder().encode(text);
  return { transformToByteArray: async () => bytes } as unknown as GetObjectCommandOutput['Body'];
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error(`expected a rejection with an Error, got ${String(error)}`);
  return error;
}

describe('zones and buckets', () => {
  it('sends each key to its zone’s bucket, keeping the full key as the object key', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: ETAG });
    await store.put('landing/training/a.csv', 'x');
    await store.put('lake/features/dt=2026-01-01/part-0.parquet', 'x');
    await store.put('models/champion.json', 'x');
    expect(s3.commandCalls(PutObjectCommand).map((call) => [call.args[0].input.Bucket, call.args[0].input.Key])).toEqual([
      ['acme-landing', 'landing/training/a.csv'],
      ['acme-lake', 'lake/features/dt=2026-01-01/part-0.parquet'],
      ['acme-models', 'models/champion.json'],
    ]);
  });

  it('refuses keys outside the zones, and "folders", with a TypeError before any call', async () => {
    for (const key of ['sort/b', 'Landing/x', 'lakehouse/x', 'lake', 'lake/', 'lake/features/', '']) {
      await expect(store.get(key), key).rejects.toBeInstanceOf(TypeError);
      await expect(store.head(key), key).rejects.toBeInstanceOf(TypeError);
      await expect(store.put(key, 'x'), key).rejects.toBeInstanceOf(TypeError);
    }
    await expect(store.list('nowhere/')).rejects.toThrow(/does not start with a zone/);
    await expect(store.list('x')).rejects.toBeInstanceOf(TypeError);
    expect(s3.calls()).toHaveLength(0);
  });

  it('needs a bucket for every zone', () => {
    const client = new S3Client({ region: 'us-east-1' });
    expect(() => new S3ObjectStore({ client, buckets: { ...BUCKETS, models: '' } })).toThrow(/zone models/);
    expect(() => new S3ObjectStore({ client, buckets: { landing: 'a', lake: 'b' } as never })).toThrow(TypeError);
  });
});

describe('get and head', () => {
  it('get returns the bytes, ETag as sent, size and last-modified', async () => {
    s3.on(GetObjectCommand, { Bucket: 'acme-models', Key: 'models/champion.json' }).resolves({ Body: body('{"v":1}'), ETag: ETAG, ContentLength: 7, LastModified: WHEN });
    const got = await store.get('models/champion.json');
    expect(new TextDecoder().decode(got.body)).toBe('{"v":1}');
    expect(got).toMatchObject({ key: 'models/champion.json', etag: ETAG, size: 7, lastModified: WHEN });
  });

  it('get turns NoSuchKey into ObjectNotFoundError, but lets NoSuchBucket (a deployment error) through', async () => {
    s3.on(GetObjectCommand)
      .rejectsOnce(new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }))
      .rejectsOnce(new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: 'The specified bucket does not exist' }));
    const missing = await failure(store.get('lake/absent.json'));
    expect(missing).toBeInstanceOf(ObjectNotFoundError);
    expect((missing as ObjectNotFoundError).key).toBe('lake/absent.json');
    expect((await failure(store.get('lake/absent.json'))).name).toBe('NoSuchBucket');
  });

  it('head returns the object’s info, and undefined on 404 NotFound', async () => {
    s3.on(HeadObjectCommand, { Key: 'lake/a.json' }).resolves({ ETag: ETAG, ContentLength: 12, LastModified: WHEN });
    s3.on(HeadObjectCommand, { Key: 'lake/b.json' }).rejects(new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'NotFound' }));
    expect(await store.head('lake/a.json')).toEqual({ key: 'lake/a.json', etag: ETAG, size: 12, lastModified: WHEN });
    expect(await store.head('lake/b.json')).toBeUndefined();
    expect(s3.commandCalls(HeadObjectCommand)[0].args[0].input).toEqual({ Bucket: 'acme-lake', Key: 'lake/a.json' });
  });

  it('lets AccessDenied through unchanged: not transient, not "missing"', async () => {
    const denied = serviceError('AccessDenied', 403, 'Access Denied');
    s3.on(GetObjectCommand).rejects(denied);
    s3.on(HeadObjectCommand).rejects(denied);
    expect(await failure(store.get('models/champion.json'))).toBe(denied);
    expect(await failure(store.head('models/champion.json'))).toBe(denied);
  });
});

describe('put', () => {
  beforeEach(() => {
    s3.on(PutObjectCommand).resolves({ ETag: ETAG });
  });

  it('sends the bytes (strings as UTF-8) and the content type, with no condition headers', async () => {
    expect(await store.put('models/v1/metrics.json', '°C', { contentType: 'application/json' })).toEqual({ etag: ETAG });
    const input = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(input).toEqual({ Bucket: 'acme-models', Key: 'models/v1/metrics.json', Body: new TextEncoder().encode('°C'), ContentType: 'application/json' });
    expect(input).not.toHaveProperty('IfNoneMatch');
    expect(input).not.toHaveProperty('IfMatch');
  });

  it('create-only sends If-None-Match: *', async () => {
    await store.put('lake/quarantine/run-1.csv', 'x', { ifNoneMatch: '*' });
    const input = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(input.IfNoneMatch).toBe('*');
    expect(input).not.toHaveProperty('IfMatch');
  });

  it('compare-and-swap sends the ETag back verbatim, quotes included, in If-Match', async () => {
    await store.put('models/champion.json', '{}', { ifMatch: ETAG });
    const input = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(input.IfMatch).toBe(ETAG);
    expect(input).not.toHaveProperty('IfNoneMatch');
  });

  it('checks its options before calling S3', async () => {
    await expect(store.put('models/a.json', 'x', { ifNoneMatch: 'abc' as '*' })).rejects.toBeInstanceOf(TypeError);
    await expect(store.put('models/a.json', 'x', { ifNoneMatch: '*', ifMatch: ETAG })).rejects.toThrow(/not both/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('conditional write answers', () => {
  it('412 PreconditionFailed on a create-only write → PreconditionFailedError', async () => {
    s3.on(PutObjectCommand).rejects(serviceError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold'));
    const error = await failure(store.put('lake/quarantine/run-1.csv', 'x', { ifNoneMatch: '*' }));
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error.name).toBe('PreconditionFailedError');
    expect((error as PreconditionFailedError).key).toBe('lake/quarantine/run-1.csv');
    expect(error.message).toMatch(/already exists/);
  });

  it('412 on a stale If-Match → PreconditionFailedError naming the etag', async () => {
    s3.on(PutObjectCommand).rejects(serviceError('PreconditionFailed', 412));
    const error = await failure(store.put('models/champion.json', '{}', { ifMatch: ETAG }));
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error.message).toContain(ETAG);
  });

  it('404 NoSuchKey on If-Match (nothing to match) → PreconditionFailedError, as the port requires', async () => {
    s3.on(PutObjectCommand).rejects(new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }));
    const error = await failure(store.put('models/champion.json', '{}', { ifMatch: ETAG }));
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error.message).toMatch(/no object exists/);
  });

  it('404 NoSuchBucket is not a failed precondition', async () => {
    s3.on(PutObjectCommand).rejects(new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: 'The specified bucket does not exist' }));
    expect((await failure(store.put('models/champion.json', '{}', { ifMatch: ETAG }))).name).toBe('NoSuchBucket');
  });

  it('409 ConditionalRequestConflict (a concurrent conditional write) → TransientError keeping the cause', async () => {
    const conflict = serviceError('ConditionalRequestConflict', 409, 'A conflicting operation occurred.');
    s3.on(PutObjectCommand).rejects(conflict);
    for (const options of [{ ifNoneMatch: '*' as const }, { ifMatch: ETAG }]) {
      const error = await failure(store.put('models/champion.json', '{}', options));
      expect(error).toBeInstanceOf(TransientError);
      expect(error.name).toBe('TransientError');
      expect(error.cause).toBe(conflict);
    }
  });
});

describe('transient failures → TransientError (the state machine retries that name)', () => {
  const slowDown = serviceError('SlowDown', 503, 'Please reduce your request rate.');
  const cases: [string, Error][] = [
    ['SlowDown 503', slowDown],
    ['InternalError 500', serviceError('InternalError', 500, 'We encountered an internal error. Please try again.')],
    ['ServiceUnavailable 503', serviceError('ServiceUnavailable', 503)],
    ['RequestTimeout 400', serviceError('RequestTimeout', 400, 'Your socket connection to the server was not read from or written to within the timeout period.')],
    ['ECONNRESET', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['ETIMEDOUT wrapped', new Error('request failed', { cause: Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }) })],
  ];

  for (const [label, cause] of cases) {
    it(`${label} on every operation`, async () => {
      s3.on(GetObjectCommand).rejects(cause);
      s3.on(HeadObjectCommand).rejects(cause);
      s3.on(PutObjectCommand).rejects(cause);
      s3.on(ListObjectsV2Command).rejects(cause);
      for (const call of [store.get('lake/a'), store.head('lake/a'), store.put('lake/a', 'x'), store.put('lake/a', 'x', { ifNoneMatch: '*' }), store.list('lake/')]) {
        const error = await failure(call);
        expect(error).toBeInstanceOf(TransientError);
        expect(error.cause).toBe(cause);
        expect(error.message).toContain('s3://acme-lake/lake/');
      }
    });
  }
});

describe('list', () => {
  it('follows the continuation token through every page, skipping "folder" keys', async () => {
    s3.on(ListObjectsV2Command, { Bucket: 'acme-lake', Prefix: 'lake/features/' }, true).resolves({
      IsTruncated: true,
      NextContinuationToken: 'page-2',
      Contents: [
        { Key: 'lake/features/', ETag: '"d41d8cd98f00b204e9800998ecf8427e"', Size: 0, LastModified: WHEN },
        { Key: 'lake/features/dt=2026-01-01/part-0.parquet', ETag: '"a"', Size: 10, LastModified: WHEN },
      ],
    });
    s3.on(ListObjectsV2Command, { Bucket: 'acme-lake', Prefix: 'lake/features/', ContinuationToken: 'page-2' }, true).resolves({
      IsTruncated: false,
      Contents: [{ Key: 'lake/features/dt=2026-01-02/part-0.parquet', ETag: '"b"', Size: 20, LastModified: WHEN }],
    });
    expect(await store.list('lake/features/')).toEqual([
      { key: 'lake/features/dt=2026-01-01/part-0.parquet', etag: '"a"', size: 10, lastModified: WHEN },
      { key: 'lake/features/dt=2026-01-02/part-0.parquet', etag: '"b"', size: 20, lastModified: WHEN },
    ]);
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'acme-lake', Prefix: 'lake/features/' },
      { Bucket: 'acme-lake', Prefix: 'lake/features/', ContinuationToken: 'page-2' },
    ]);
  });

  it('a prefix shorter than a zone name lists each zone it may begin, merged in byte order', async () => {
    s3.on(ListObjectsV2Command, { Bucket: 'acme-landing' }).resolves({ Contents: [{ Key: 'landing/training/a.csv', ETag: '"1"', Size: 1, LastModified: WHEN }] });
    s3.on(ListObjectsV2Command, { Bucket: 'acme-lake' }).resolves({ Contents: [{ Key: 'lake/z.json', ETag: '"2"', Size: 1, LastModified: WHEN }] });
    s3.on(ListObjectsV2Command, { Bucket: 'acme-models' }).resolves({ Contents: [{ Key: 'models/champion.json', ETag: '"3"', Size: 1, LastModified: WHEN }] });
    expect((await store.list('l')).map((o) => o.key)).toEqual(['lake/z.json', 'landing/training/a.csv']);
    expect(
      s3
        .commandCalls(ListObjectsV2Command)
        .map((call) => call.args[0].input)
        .sort((a, b) => a.Bucket!.localeCompare(b.Bucket!)),
    ).toEqual([
      { Bucket: 'acme-lake', Prefix: 'lake/' },
      { Bucket: 'acme-landing', Prefix: 'landing/' },
    ]);
    s3.resetHistory();
    expect((await store.list('')).map((o) => o.key)).toEqual(['lake/z.json', 'landing/training/a.csv', 'models/champion.json']);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(3);
  });

  it('an empty listing has no Contents at all', async () => {
    s3.on(ListObjectsV2Command).resolves({ IsTruncated: false, KeyCount: 0 });
    expect(await store.list('models/')).toEqual([]);
  });
});
