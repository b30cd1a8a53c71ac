import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TransientError } from '../../core/errors.ts';
import {
  ObjectNotFoundError,
  PreconditionFailedError,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
  type StreamedObject,
} from '../../core/ports/object-store.ts';
import { errorName, httpStatus, isTransient, transientError } from './aws-errors.ts';

/**
 * The object store on S3, one bucket per zone. A key's first segment (`landing/`, `lake/`,
 * `models/`) picks the bucket and the object keeps the whole key, so `landing/training/a.csv` is
 * the object `landing/training/a.csv` of the landing bucket: event rules and IAM grants filter on
 * the same prefixes the code uses.
 *
 * Conditional writes are S3's own (`If-None-Match: *`, `If-Match: <etag>`, both atomic on S3
 * since 2024); ETags pass through unchanged, quotes included, and go back verbatim in If-Match.
 */

export const ZONES = ['landing', 'lake', 'models'] as const;
export type Zone = (typeof ZONES)[number];

export interface S3ObjectStoreOptions {
  readonly client: S3Client;
  /** Bucket of each zone; zones may share a bucket, since objects keep their zone prefix. */
  readonly buckets: Readonly<Record<Zone, string>>;
}

const encoder = new TextEncoder();

function isZone(name: string): name is Zone {
  return (ZONES as readonly string[]).includes(name);
}

function unknownZone(what: string, value: string): TypeError {
  return new TypeError(`${what} ${JSON.stringify(value)} does not start with a zone (${ZONES.map((z) => `${z}/`).join(', ')})`);
}

/** A missing key: GetObject says NoSuchKey, HEAD has no body and says NotFound. A missing bucket is not a missing key. */
function isMissingKey(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NoSuchKey' || name === 'NotFound' || (httpStatus(error) === 404 && name !== 'NoSuchBucket');
}

/** S3's answer to two conditional writes racing on one key: the loser may simply try again. */
function isConditionalConflict(error: unknown): boolean {
  const name = errorName(error);
  return name === 'ConditionalRequestConflict' || name === 'OperationAborted' || httpStatus(error) === 409;
}

function present<T>(value: T | undefined, what: string, key: string): T {
  if (value === undefined) throw new Error(`S3 returned no ${what} for ${key}`);
  return value;
}

/** S3 lists keys in UTF-8 byte order; merging zones must keep that order, which differs from UTF-16's beyond the BMP. */
function byUtf8Key(a: ObjectInfo, b: ObjectInfo): number {
  return Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8'));
}

export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;
  readonly #buckets: Readonly<Record<Zone, string>>;

  constructor({ client, buckets }: S3ObjectStoreOptions) {
    for (const zone of ZONES) {
      if (typeof buckets?.[zone] !== 'string' || buckets[zone].length === 0) throw new TypeError(`no bucket given for zone ${zone}`);
    }
    this.#client = client;
    this.#buckets = { landing: buckets.landing, lake: buckets.lake, models: buckets.models };
  }

  /** @throws TypeError for a key outside the zones, or one naming a "folder" (empty or ending in `/`) */
  bucketOf(key: string): string {
    if (typeof key !== 'string') throw new TypeError(`an object key must be a string, got ${typeof key}`);
    const zone = key.slice(0, key.indexOf('/'));
    if (!isZone(zone)) throw unknownZone('object key', key);
    if (key.length === zone.length + 1 || key.endsWith('/')) throw new TypeError(`object key ${JSON.stringify(key)} names a folder, not an object`);
    return this.#buckets[zone];
  }

  async get(key: string): Promise<StoredObject> {
    const Bucket = this.bucketOf(key);
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket, Key: key }));
      // Read inside the try: a connection can also drop while the body streams.
      const body = out.Body === undefined ? new Uint8Array(0) : await out.Body.transformToByteArray();
      return { key, body, etag: present(out.ETag, 'ETag', key), size: body.byteLength, lastModified: present(out.LastModified, 'LastModified', key) };
    } catch (error) {
      if (isMissingKey(error)) throw new ObjectNotFoundError(key);
      throw this.#failure(`get s3://${Bucket}/${key}`, error);
    }
  }

  /** GetObject's body stream; a connection that drops while it streams becomes TransientError like any other read. */
  async getStream(key: string): Promise<StreamedObject> {
    const Bucket = this.bucketOf(key);
    let out;
    try {
      out = await this.#client.send(new GetObjectCommand({ Bucket, Key: key }));
    } catch (error) {
      if (isMissingKey(error)) throw new ObjectNotFoundError(key);
      throw this.#failure(`get s3://${Bucket}/${key}`, error);
    }
    const stream = out.Body as AsyncIterable<Uint8Array> | undefined;
    const failure = (error: unknown): unknown => this.#failure(`get s3://${Bucket}/${key}`, error);
    async function* body(): AsyncIterable<Uint8Array> {
      if (stream === undefined) return;
      try {
        yield* stream;
      } catch (error) {
        throw failure(error);
      }
    }
    return {
      key,
      etag: present(out.ETag, 'ETag', key),
      size: present(out.ContentLength, 'ContentLength', key),
      lastModified: present(out.LastModified, 'LastModified', key),
      body: body(),
    };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const Bucket = this.bucketOf(key);
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket, Key: key }));
      return { key, etag: present(out.ETag, 'ETag', key), size: present(out.ContentLength, 'ContentLength', key), lastModified: present(out.LastModified, 'LastModified', key) };
    } catch (error) {
      if (isMissingKey(error)) return undefined;
      throw this.#failure(`head s3://${Bucket}/${key}`, error);
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ readonly etag: string }> {
    const Bucket = this.bucketOf(key);
    const { ifMatch, ifNoneMatch, contentType } = options;
    if (ifNoneMatch !== undefined && ifNoneMatch !== '*') throw new TypeError(`ifNoneMatch must be '*', got ${JSON.stringify(ifNoneMatch)}`);
    if (ifNoneMatch !== undefined && ifMatch !== undefined) throw new TypeError('give ifNoneMatch or ifMatch, not both');
    const bytes = typeof body === 'string' ? encoder.encode(body) : body;
    try {
      const out = await this.#client.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: bytes,
          ...(contentType === undefined ? {} : { ContentType: contentType }),
          ...(ifNoneMatch === undefined ? {} : { IfNoneMatch: ifNoneMatch }),
          ...(ifMatch === undefined ? {} : { IfMatch: ifMatch }),
        }),
      );
      return { etag: present(out.ETag, 'ETag', key) };
    } catch (error) {
      const conditional = ifMatch !== undefined || ifNoneMatch !== undefined;
      if (conditional && (httpStatus(error) === 412 || errorName(error) === 'PreconditionFailed')) {
        throw new PreconditionFailedError(key, ifNoneMatch === '*' ? 'an object already exists (create-only write)' : `its etag is no longer ${ifMatch} (changed since read)`);
      }
      // If-Match on a missing object: S3 answers 404 NoSuchKey; the port calls that a failed precondition.
      if (ifMatch !== undefined && isMissingKey(error)) throw new PreconditionFailedError(key, `no object exists to match etag ${ifMatch}`);
      if (conditional && isConditionalConflict(error)) {
        throw new TransientError(`put s3://${Bucket}/${key}: another conditional write to this key was in progress (${errorName(error)}); try again`, { cause: error });
      }
      throw this.#failure(`put s3://${Bucket}/${key}`, error);
    }
  }

  /**
   * Every object whose key starts with `prefix`, sorted by key. The prefix starts with a zone
   * (`lake/feat` is fine) or is the start of zone names (`''`, `l`): then each zone it may begin
   * is listed and the results merged. Keys ending in `/` (the console's "folders") are not objects.
   * @throws TypeError for a prefix no zone can match
   */
  async list(prefix: string): Promise<ObjectInfo[]> {
    const listed = await Promise.all(this.#listTargets(prefix).map(([bucket, within]) => this.#listBucket(bucket, within)));
    return listed.flat().sort(byUtf8Key);
  }

  #listTargets(prefix: string): [bucket: string, prefix: string][] {
    if (typeof prefix !== 'string') throw new TypeError(`a prefix must be a string, got ${typeof prefix}`);
    const slash = prefix.indexOf('/');
    if (slash >= 0) {
      const zone = prefix.slice(0, slash);
      if (!isZone(zone)) throw unknownZone('prefix', prefix);
      return [[this.#buckets[zone], prefix]];
    }
    // Each zone with its own prefix, so zones sharing a bucket are not listed twice.
    const zones = ZONES.filter((zone) => zone.startsWith(prefix));
    if (zones.length === 0) throw unknownZone('prefix', prefix);
    return zones.map((zone) => [this.#buckets[zone], `${zone}/`]);
  }

  async #listBucket(Bucket: string, Prefix: string): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    let ContinuationToken: string | undefined;
    try {
      do {
        const page = await this.#client.send(new ListObjectsV2Command({ Bucket, Prefix, ...(ContinuationToken === undefined ? {} : { ContinuationToken }) }));
        for (const item of page.Contents ?? []) {
          const key = present(item.Key, 'Key', Prefix);
          if (key.endsWith('/')) continue;
          found.push({ key, etag: present(item.ETag, 'ETag', key), size: present(item.Size, 'Size', key), lastModified: present(item.LastModified, 'LastModified', key) });
        }
        ContinuationToken = page.IsTruncated === true ? present(page.NextContinuationToken, 'NextContinuationToken', Prefix) : undefined;
      } while (ContinuationToken !== undefined);
    } catch (error) {
      throw this.#failure(`list s3://${Bucket}/${Prefix}`, error);
    }
    return found;
  }

  /** Transient errors become TransientError (the state machine retries); any other error passes unchanged. */
  #failure(doing: string, error: unknown): unknown {
    return isTransient(error) ? transientError(doing, error) : error;
  }
}
