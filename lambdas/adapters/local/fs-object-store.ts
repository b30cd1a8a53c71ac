import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, readdir, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  ObjectNotFoundError,
  PreconditionFailedError,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
  type StreamedObject,
} from '../../core/ports/object-store.ts';
import { acquireFileLock, type FileLockOptions } from './file-lock.ts';
import { errnoCode, unlinkIfPresent } from './fs-helpers.ts';

/**
 * The object store on a local folder: key `a/b/c.json` is the file `<root>/a/b/c.json`. It keeps
 * the promises S3 makes: whole-object atomic writes (temporary file, fsync, rename), content
 * etags, and conditional writes that hold against concurrent writers in other processes (a
 * per-key lock file around check-and-rename, see file-lock.ts).
 *
 * Housekeeping files share the folders of the objects they serve (a rename is only atomic within
 * one file system) and are named `.prognos~…`; keys may not use that prefix, `list`, `head` and
 * `get` never show such files, and none ends in `.parquet`, so DuckDB's globs skip them too.
 */

/** First characters of every file the store keeps for itself. */
const RESERVED_PREFIX = '.prognos~';

/** A file's etag may be cached only if it was last modified this long before it was hashed (see `etagOf`). */
const ETAG_CACHE_MARGIN_MS = 1_000;
const ETAG_CACHE_LIMIT = 10_000;
/** Files opened at once by `list`. */
const LIST_CONCURRENCY = 16;
/** Chunk size of streamed reads (and of hashing a file for its etag). */
const STREAM_CHUNK_BYTES = 1 << 20;

export type FsObjectStoreOptions = FileLockOptions & {
  /**
   * Called inside each put with the key, the bytes in a temporary file and the key's lock held,
   * just before the rename: a seam for the kill drill (PROGNOS_KILL_IN_WRITE), which shows what
   * a crash at the worst moment leaves behind.
   */
  readonly beforeRename?: (key: string) => void;
};

/** A key the folder cannot hold next to another: `a/b` and `a/b/c` cannot both be objects on a file system. */
export class KeyConflictError extends Error {
  override readonly name = 'KeyConflictError' as const;
}

function keyError(key: string, why: string): TypeError {
  return new TypeError(`invalid object key ${JSON.stringify(key)}: ${why}`);
}

/** Checks one complete `/`-separated segment of a key or prefix. */
function checkSegment(key: string, segment: string): void {
  if (segment === '') throw keyError(key, 'empty segment (leading, trailing or doubled "/")');
  if (segment === '.' || segment === '..') throw keyError(key, `"${segment}" segments are not allowed`);
  if (segment.startsWith(RESERVED_PREFIX)) throw keyError(key, `segments starting with "${RESERVED_PREFIX}" are reserved for the store's own files`);
}

function checkCharacters(key: string): void {
  if (key.includes('\\')) throw keyError(key, 'backslashes are not allowed; separate segments with "/"');
  if (key.includes('\0')) throw keyError(key, 'NUL characters are not allowed');
  if (key.startsWith('/')) throw keyError(key, 'a key does not start with "/"');
}

/**
 * Throws a TypeError saying why `key` is not a valid object key: empty, leading `/`, empty
 * segment, `.` or `..` segment, backslash, NUL, or a segment starting with `.prognos~`.
 */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw keyError(String(key), 'a key must be a non-empty string');
  checkCharacters(key);
  for (const segment of key.split('/')) checkSegment(key, segment);
}

/** Like assertValidKey, but empty is allowed and the last segment may stop mid-name (`lake/feat`). */
function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw keyError(String(prefix), 'a prefix must be a string');
  checkCharacters(prefix);
  const segments = prefix.split('/');
  for (const segment of segments.slice(0, -1)) checkSegment(prefix, segment);
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Sorted as S3 lists keys: by UTF-8 bytes, which differs from JavaScript's UTF-16 order beyond the BMP. */
function sortUtf8(keys: readonly string[]): string[] {
  return keys
    .map((key) => ({ key, bytes: Buffer.from(key, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ key }) => key);
}

interface CachedEtag {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly etag: string;
}

function sameFile(cached: CachedEtag, info: Stats): boolean {
  return cached.dev === info.dev && cached.ino === info.ino && cached.size === info.size && cached.mtimeMs === info.mtimeMs && cached.ctimeMs === info.ctimeMs;
}

function asUint8Array(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

async function fsyncDirectory(dir: string): Promise<void> {
  // Makes the rename itself durable; some platforms cannot open or sync a folder, which is fine.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/** Runs tasks on the same key one after another within this process, so they do not poll the lock file. */
const keyQueues = new Map<string, Promise<void>>();

async function serialized<T>(id: string, task: () => Promise<T>): Promise<T> {
  const previous = keyQueues.get(id) ?? Promise.resolve();
  const run = previous.then(task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  keyQueues.set(id, settled);
  try {
    return await run;
  } finally {
    if (keyQueues.get(id) === settled) keyQueues.delete(id);
  }
}

export class FsObjectStore implements ObjectStore {
  /** Absolute folder holding the objects; created on the first put. */
  readonly root: string;
  readonly #lockOptions: FileLockOptions;
  readonly #beforeRename: ((key: string) => void) | undefined;
  readonly #etags = new Map<string, CachedEtag>();

  constructor(root: string, options: FsObjectStoreOptions = {}) {
    this.root = resolve(root);
    this.#lockOptions = options;
    this.#beforeRename = options.beforeRename;
  }

  #pathOf(key: string): string {
    assertValidKey(key);
    return join(this.root, ...key.split('/'));
  }

  async get(key: string): Promise<StoredObject> {
    const path = this.#pathOf(key);
    const found = await this.#read(key, path, true);
    if (found === undefined) throw new ObjectNotFoundError(key);
    return found;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return this.#info(key, this.#pathOf(key));
  }

  /**
   * Streams the file through one open handle, so etag, size and bytes all belong to the version
   * opened even if a writer renames a new one into place meanwhile. The etag (the content's
   * sha256) comes from the cache or from a first streamed pass over the same handle.
   */
  async getStream(key: string): Promise<StreamedObject> {
    const path = this.#pathOf(key);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw new ObjectNotFoundError(key);
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ObjectNotFoundError(key);
      const cached = this.#etags.get(path);
      let etag: string;
      if (cached !== undefined && sameFile(cached, info)) etag = cached.etag;
      else {
        const hashedAt = Date.now();
        const hash = createHash('sha256');
        const buffer = Buffer.allocUnsafe(STREAM_CHUNK_BYTES);
        let position = 0;
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
          if (bytesRead === 0) break;
          hash.update(buffer.subarray(0, bytesRead));
          position += bytesRead;
        }
        etag = hash.digest('hex');
        this.#remember(path, info, etag, hashedAt);
      }
      // The stream owns the handle from here and closes it when read to the end, or abandoned.
      const body = handle.createReadStream({ start: 0, highWaterMark: STREAM_CHUNK_BYTES, autoClose: true });
      return { key, etag, size: info.size, lastModified: info.mtime, body };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async #info(key: string, path: string): Promise<ObjectInfo | undefined> {
    const found = await this.#read(key, path, false);
    if (found === undefined) return undefined;
    const { body: _body, ...info } = found;
    return info;
  }

  /**
   * Reads size, mtime and etag (and the body when asked) through one open handle, so all of them
   * describe the same version even while a writer renames a new one into place.
   */
  async #read(key: string, path: string, withBody: boolean): Promise<StoredObject | undefined> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) return undefined;
      const cached = this.#etags.get(path);
      let body: Uint8Array | undefined;
      let etag: string;
      if (!withBody && cached !== undefined && sameFile(cached, info)) {
        etag = cached.etag;
      } else {
        const hashedAt = Date.now();
        body = asUint8Array(await handle.readFile());
        etag = sha256Hex(body);
        this.#remember(path, info, etag, hashedAt);
      }
      const meta = { key, etag, size: info.size, lastModified: info.mtime };
      return { ...meta, body: body ?? new Uint8Array(0) };
    } finally {
      await handle.close();
    }
  }

  /**
   * Caches an etag by file identity (device, inode, size, mtime, ctime). File timestamps tick
   * coarsely (a few ms), so a new version could reuse a freed inode with the same size and
   * timestamps; it cannot if the hashed version was already older than the margin when hashed
   * (any later version is stamped after that), so only such files are cached.
   */
  #remember(path: string, info: Stats, etag: string, hashedAt: number): void {
    if (hashedAt - info.mtimeMs < ETAG_CACHE_MARGIN_MS || hashedAt - info.ctimeMs < ETAG_CACHE_MARGIN_MS) return;
    if (this.#etags.size >= ETAG_CACHE_LIMIT) this.#etags.delete(this.#etags.keys().next().value!);
    this.#etags.set(path, { dev: info.dev, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, etag });
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ readonly etag: string }> {
    const path = this.#pathOf(key);
    const { ifMatch, ifNoneMatch } = options;
    if (ifNoneMatch !== undefined && ifNoneMatch !== '*') throw new TypeError(`ifNoneMatch must be '*', got ${JSON.stringify(ifNoneMatch)}`);
    if (ifNoneMatch !== undefined && ifMatch !== undefined) throw new TypeError('give ifNoneMatch or ifMatch, not both');
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const etag = sha256Hex(bytes);
    const dir = dirname(path);
    await this.#makeFolder(key, dir);

    // The bytes go to disk before the lock is taken, so the lock is held only for check-and-rename.
    const temp = join(dir, `${RESERVED_PREFIX}tmp~${process.pid}~${randomBytes(8).toString('hex')}`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Every put takes the lock, unconditional ones too: a plain overwrite between another
      // writer's check and its rename would otherwise be lost without that writer failing.
      const lock = this.#lockFileOf(path);
      await serialized(lock, async () => {
        const release = await acquireFileLock(lock, this.#lockOptions);
        try {
          this.#beforeRename?.(key);
          await this.#checkCondition(key, path, options);
          await rename(temp, path).catch((error: unknown) => {
            const code = errnoCode(error);
            if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') {
              throw new KeyConflictError(`cannot store ${key}: other keys start with "${key}/", and a folder cannot also be a file`, { cause: error });
            }
            throw error;
          });
        } finally {
          await release();
        }
      });
    } finally {
      await unlinkIfPresent(temp);
    }
    await fsyncDirectory(dir);
    return { etag };
  }

  /**
   * The lock file guarding writes to `key` (a crashed writer may leave it; it is taken over once
   * stale, or an operator may delete it when no writer runs).
   */
  lockFileOf(key: string): string {
    return this.#lockFileOf(this.#pathOf(key));
  }

  #lockFileOf(path: string): string {
    // A hash, not the file name, so a long name does not exceed the file system's limit.
    return join(dirname(path), `${RESERVED_PREFIX}lock~${sha256Hex(new TextEncoder().encode(path)).slice(0, 32)}`);
  }

  async #makeFolder(key: string, dir: string): Promise<void> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOTDIR' || code === 'EEXIST') {
        throw new KeyConflictError(`cannot store ${key}: a shorter key is an object where its folder should be (a file cannot also be a folder)`, { cause: error });
      }
      throw error;
    }
  }

  /** Runs under the key's lock; reads the current version itself rather than trusting the etag cache. */
  async #checkCondition(key: string, path: string, { ifMatch, ifNoneMatch }: PutOptions): Promise<void> {
    if (ifMatch === undefined && ifNoneMatch === undefined) return;
    const current = await this.#read(key, path, true);
    if (ifNoneMatch === '*' && current !== undefined) {
      throw new PreconditionFailedError(key, 'an object already exists (create-only write)');
    }
    if (ifMatch !== undefined) {
      if (current === undefined) throw new PreconditionFailedError(key, `no object exists to match etag ${ifMatch}`);
      if (current.etag !== ifMatch) throw new PreconditionFailedError(key, `its etag is ${current.etag}, not ${ifMatch} (changed since read)`);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    assertValidPrefix(prefix);
    const segments = prefix.split('/');
    const partial = segments.pop()!;
    const found: string[] = [];
    await this.#collect(join(this.root, ...segments), segments.length > 0 ? `${segments.join('/')}/` : '', partial, found);
    const keys = sortUtf8(found);
    const infos: (ObjectInfo | undefined)[] = new Array(keys.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const i = next++;
        // A file deleted or replaced by a folder since the walk is simply not listed.
        infos[i] = await this.#info(keys[i], join(this.root, ...keys[i].split('/')));
      }
    };
    await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, keys.length) }, worker));
    return infos.filter((info): info is ObjectInfo => info !== undefined);
  }

  /** Adds the key of every file under `dir` whose name starts with `namePrefix` (at the top level only). */
  async #collect(dir: string, keyPrefix: string, namePrefix: string, keys: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.name.startsWith(namePrefix) || entry.name.startsWith(RESERVED_PREFIX)) continue;
      // A file put there by hand under a name no key can have (a backslash) is not an object.
      if (entry.name.includes('\\')) continue;
      const key = `${keyPrefix}${entry.name}`;
      if (entry.isDirectory()) await this.#collect(join(dir, entry.name), `${key}/`, '', keys);
      else if (entry.isFile()) keys.push(key);
    }
  }
}
