/**
 * The one storage port: S3 in AWS, a folder locally. Keys are `/`-separated and start with the
 * zone (`landing/`, `lake/`, `models/`); an adapter may map each zone to a bucket of its own.
 */

/** What `head` and `list` tell about an object. */
export interface ObjectInfo {
  readonly key: string;
  /** Opaque version tag, changes whenever the content changes (content hash locally, S3's ETag in AWS). */
  readonly etag: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface StoredObject extends ObjectInfo {
  readonly body: Uint8Array;
}

/** An object's bytes as a stream of chunks, with what `head` tells about the version being read. */
export interface StreamedObject extends ObjectInfo {
  /** The bytes, in order; read it once. A chunk may be reused by the adapter after the next one is asked for: copy what you keep. */
  readonly body: AsyncIterable<Uint8Array>;
}

export interface PutOptions {
  /** `'*'`: write only if no object has this key (create-only). */
  readonly ifNoneMatch?: '*';
  /** Write only if the current object's etag equals this one (compare-and-swap). */
  readonly ifMatch?: string;
  readonly contentType?: string;
}

export interface ObjectStore {
  /** @throws ObjectNotFoundError */
  get(key: string): Promise<StoredObject>;
  /**
   * The object's bytes as a stream, for files too large to hold (landing CSVs): memory stays
   * bounded by the chunk size. etag and size describe the version being streamed.
   * @throws ObjectNotFoundError
   */
  getStream(key: string): Promise<StreamedObject>;
  /** undefined when there is no object with this key. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Writes the whole object atomically: a reader sees the old bytes or the new, never a mix.
   * @throws PreconditionFailedError when `ifNoneMatch` or `ifMatch` does not hold
   */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ readonly etag: string }>;
  /** Every object whose key starts with `prefix` (at any depth), sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
}

/** No object under the key asked for. */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  constructor(readonly key: string) {
    super(`no object at ${key}`);
  }
}

/** A conditional write lost: the object exists (create-only) or changed since it was read. */
export class PreconditionFailedError extends Error {
  override readonly name = 'PreconditionFailedError';
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`conditional write to ${key} failed: ${detail}`);
  }
}
