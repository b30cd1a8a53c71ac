import type { ObjectInfo, ObjectStore, PutOptions, StoredObject, StreamedObject } from '../ports/object-store.ts';
import type { S3RequestCounts } from './cost-model.ts';

/** Keys S3 returns per ListObjectsV2 page: a listing of n keys is ceil(n / 1000) LIST requests, at least one. */
export const S3_LIST_PAGE_SIZE = 1000;

/**
 * An ObjectStore that counts the S3 requests its calls are (or would be, locally) by price class,
 * and passes every call on unchanged. A request is counted when it is made, so a GET that finds
 * nothing and a PUT that loses its condition are counted too, as S3 bills them.
 */
export class CountingObjectStore implements ObjectStore {
  #putCopyPostList = 0;
  #getAndOther = 0;

  constructor(private readonly inner: ObjectStore) {}

  /** The requests so far. */
  counts(): S3RequestCounts {
    return { putCopyPostList: this.#putCopyPostList, getAndOther: this.#getAndOther };
  }

  get(key: string): Promise<StoredObject> {
    this.#getAndOther += 1;
    return this.inner.get(key);
  }

  getStream(key: string): Promise<StreamedObject> {
    this.#getAndOther += 1;
    return this.inner.getStream(key);
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    this.#getAndOther += 1;
    return this.inner.head(key);
  }

  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ readonly etag: string }> {
    this.#putCopyPostList += 1;
    return this.inner.put(key, body, options);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    try {
      const objects = await this.inner.list(prefix);
      this.#putCopyPostList += Math.max(1, Math.ceil(objects.length / S3_LIST_PAGE_SIZE));
      return objects;
    } catch (error) {
      this.#putCopyPostList += 1;
      throw error;
    }
  }
}
