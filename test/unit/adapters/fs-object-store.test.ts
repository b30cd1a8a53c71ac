import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore, KeyConflictError } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { TransientError } from '../../../lambdas/core/errors.ts';
import { PreconditionFailedError } from '../../../lambdas/core/ports/object-store.ts';
import { describeObjectStoreContract } from '../../support/object-store-contract.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const writerScript = fileURLToPath(new URL('../../support/conditional-put.ts', import.meta.url));

async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'prognos-fs-store-'));
}

describeObjectStoreContract('FsObjectStore', async () => {
  const dir = await tempRoot();
  // A root that does not exist yet: the store must create it on the first put.
  return { store: new FsObjectStore(join(dir, 'home', '.prognos')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

describe('FsObjectStore on the file system', () => {
  let dir: string;
  let store: FsObjectStore;

  beforeEach(async () => {
    dir = await tempRoot();
    store = new FsObjectStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maps a key to the file at the same path under the root', async () => {
    await store.put('lake/features/dt=2026-01-01/part-0.parquet', 'PAR1');
    expect(await readFile(join(dir, 'lake', 'features', 'dt=2026-01-01', 'part-0.parquet'), 'utf8')).toBe('PAR1');
    expect(store.root).toBe(dir);
  });

  it('treats a missing root as an empty store, and creates it on the first put', async () => {
    const missing = new FsObjectStore(join(dir, 'not', 'yet'));
    expect(await missing.list('')).toEqual([]);
    expect(await missing.head('models/champion.json')).toBeUndefined();
    await missing.put('models/champion.json', '{}');
    expect(await readFile(join(dir, 'not', 'yet', 'models', 'champion.json'), 'utf8')).toBe('{}');
  });

  it('uses the sha256 of the content as etag, and the file mtime as lastModified', async () => {
    const { etag } = await store.put('a.txt', 'abc');
    expect(etag).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const when = new Date('2025-03-04T05:06:07Z');
    await utimes(join(dir, 'a.txt'), when, when);
    expect((await store.head('a.txt'))!.lastModified.toISOString()).toBe(when.toISOString());
  });

  it('sees a file changed behind its back, even after caching its etag', async () => {
    const path = join(dir, 'lake', 'edited.csv');
    await store.put('lake/edited.csv', 'a,b\n1,2\n');
    const when = new Date('2025-01-01T00:00:00Z'); // whole seconds: utimes can set it exactly
    await utimes(path, when, when);
    await sleep(1_100); // etags are cached only for files unchanged (ctime) for a second
    const first = (await store.head('lake/edited.csv'))!;
    expect((await store.head('lake/edited.csv'))!.etag).toBe(first.etag);
    // Same size, edited in place, same mtime: only the ctime tells.
    await writeFile(path, 'a,b\n1,3\n');
    await utimes(path, when, when);
    const second = (await store.head('lake/edited.csv'))!;
    expect(second.lastModified.getTime()).toBe(first.lastModified.getTime());
    expect(second.etag).not.toBe(first.etag);
    expect(second.etag).toBe((await store.get('lake/edited.csv')).etag);
    expect((await store.list('lake/'))[0].etag).toBe(second.etag);
  });

  describe('key validation', () => {
    const bad: [string, RegExp][] = [
      ['', /non-empty/],
      ['/lake/a.json', /does not start with "\/"/],
      ['lake//a.json', /empty segment/],
      ['lake/a.json/', /empty segment/],
      ['lake/../models/champion.json', /"\.\." segments/],
      ['..', /"\.\." segments/],
      ['lake/./a.json', /"\." segments/],
      ['lake\\a.json', /backslash/],
      ['lake/a\0.json', /NUL/],
      ['lake/.prognos~lock~x', /reserved/],
    ];

    it.each(bad)('rejects %j with a TypeError saying why', async (key, why) => {
      for (const call of [() => store.put(key, 'x'), () => store.get(key), () => store.head(key)]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toContain(JSON.stringify(key));
        expect((error as Error).message).toMatch(why);
      }
      expect(await filesUnder(dir)).toEqual([]);
    });

    it('accepts ordinary keys: dots inside names, spaces, "=", unicode', async () => {
      for (const key of ['.hidden', 'a..b', 'lake/features/dt=2026-01-01/part 0.parquet', 'models/v1/ünïcødé.json', '..a']) {
        await store.put(key, key);
        expect(new TextDecoder().decode((await store.get(key)).body)).toBe(key);
      }
    });

    it('rejects an invalid list prefix but allows one ending mid-name', async () => {
      await expect(store.list('/lake')).rejects.toBeInstanceOf(TypeError);
      await expect(store.list('lake/../x')).rejects.toBeInstanceOf(TypeError);
      await expect(store.list('lake\\x')).rejects.toBeInstanceOf(TypeError);
      await expect(store.list('lake//')).rejects.toBeInstanceOf(TypeError);
      await store.put('..a/b', 'x');
      expect((await store.list('..')).map((o) => o.key)).toEqual(['..a/b']);
    });
  });

  it('reports a key that would need a file to be a folder as KeyConflictError', async () => {
    await store.put('lake/a', 'file');
    await expect(store.put('lake/a/b', 'x')).rejects.toBeInstanceOf(KeyConflictError);
    await store.put('lake/c/d', 'file');
    await expect(store.put('lake/c', 'x')).rejects.toBeInstanceOf(KeyConflictError);
    expect((await store.list('lake/')).map((o) => o.key)).toEqual(['lake/a', 'lake/c/d']);
  });

  describe('atomic writes', () => {
    it('leaves no temporary or lock files behind, on success or on a failed condition', async () => {
      await store.put('models/champion.json', 'v1', { ifNoneMatch: '*' });
      await store.put('models/champion.json', 'v2');
      await expect(store.put('models/champion.json', 'v3', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(store.put('models/champion.json', 'v3', { ifMatch: 'stale' })).rejects.toBeInstanceOf(PreconditionFailedError);
      await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.put('models/champion.json', `r${i}`, { ifNoneMatch: '*' })));
      expect(await filesUnder(dir)).toEqual(['models/champion.json']);
    });

    it('never shows housekeeping files in list, head or get', async () => {
      await store.put('lake/features/dt=2026-01-01/part-0.parquet', 'x');
      const folder = join(dir, 'lake', 'features', 'dt=2026-01-01');
      // What a writer that crashed mid-put leaves behind.
      await writeFile(join(folder, '.prognos~tmp~123~abcdef'), 'partial');
      await writeFile(join(folder, '.prognos~lock~0123'), '');
      expect((await store.list('')).map((o) => o.key)).toEqual(['lake/features/dt=2026-01-01/part-0.parquet']);
      expect((await store.list('lake/features/dt=2026-01-01/.prognos')).map((o) => o.key)).toEqual([]);
    });

    it('a reader sees the old or the new body, never a mix or a truncated one', async () => {
      const size = 4 * 1024 * 1024;
      const bodies = ['a', 'b', 'c', 'd'].map((c) => new Uint8Array(size).fill(c.charCodeAt(0)));
      await store.put('lake/big.bin', bodies[0]);
      let writing = true;
      const writer = (async () => {
        for (let round = 0; round < 12; round++) await store.put('lake/big.bin', bodies[(round + 1) % bodies.length]);
        writing = false;
      })();
      let reads = 0;
      while (writing) {
        const { body, etag, size: reported } = await store.get('lake/big.bin');
        expect(body.byteLength).toBe(size);
        expect(reported).toBe(size);
        const first = body[0];
        expect(body.every((b) => b === first)).toBe(true);
        expect(etag).toBe(createHash('sha256').update(body).digest('hex'));
        reads++;
      }
      await writer;
      expect(reads).toBeGreaterThan(0);
    });
  });

  describe('lock files', () => {
    async function deadPid(): Promise<number> {
      const child = spawn(process.execPath, ['-e', '0']);
      await once(child, 'exit');
      return child.pid!;
    }

    async function plantLock(key: string, owner: object | string, ageMs: number): Promise<void> {
      const lock = store.lockFileOf(key);
      await mkdir(dirname(lock), { recursive: true });
      await writeFile(lock, typeof owner === 'string' ? owner : JSON.stringify(owner));
      const when = new Date(Date.now() - ageMs);
      await utimes(lock, when, when);
    }

    it('takes over a stale lock left by a process that died', async () => {
      const quick = new FsObjectStore(dir, { staleMs: 1_000, timeoutMs: 5_000 });
      await plantLock('models/champion.json', { pid: await deadPid(), host: hostname(), token: 'crashed' }, 5_000);
      await quick.put('models/champion.json', 'v1', { ifNoneMatch: '*' });
      expect(await filesUnder(dir)).toEqual(['models/champion.json']);
    });

    it('takes over an old lock file that its creator never finished writing', async () => {
      const quick = new FsObjectStore(dir, { staleMs: 1_000, timeoutMs: 5_000 });
      await plantLock('models/champion.json', '', 5_000);
      await quick.put('models/champion.json', 'v1');
      expect(await filesUnder(dir)).toEqual(['models/champion.json']);
    });

    it('waits for a lock held by a live process, then gives up with a TransientError', async () => {
      const quick = new FsObjectStore(dir, { staleMs: 1_000, timeoutMs: 300 });
      await plantLock('models/champion.json', { pid: process.pid, host: hostname(), token: 'alive' }, 60_000);
      const started = Date.now();
      const error = await quick.put('models/champion.json', 'v1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toMatch(/still held/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(await quick.head('models/champion.json')).toBeUndefined();
    });

    it('does not take over a young lock, even from a dead process', async () => {
      const quick = new FsObjectStore(dir, { staleMs: 30_000, timeoutMs: 300 });
      await plantLock('models/champion.json', { pid: await deadPid(), host: hostname(), token: 'crashed' }, 0);
      await expect(quick.put('models/champion.json', 'v1')).rejects.toBeInstanceOf(TransientError);
    });
  });

  describe('across processes', () => {
    const WRITERS = 6;
    /** Each writer races on every key at once: several independent races per process start. */
    const KEYS = Array.from({ length: 8 }, (_, i) => `models/v${i}/decision.json`);

    interface Verdicts {
      readonly bodies: string[];
      /** verdicts[writer][key]: `won <etag>` or `lost`. */
      readonly verdicts: string[][];
    }

    /** Starts the writers, waits until all are ready, releases them at once, and collects their verdicts. */
    async function race(mode: string): Promise<Verdicts> {
      const writers = Array.from({ length: WRITERS }, (_, i) => {
        const body = `writer ${i} ${'.'.repeat(i * 1000)}`;
        const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, mode, body, ...KEYS], { cwd: repoRoot });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
        const ready = new Promise<void>((resolve, reject) => {
          child.stdout.on('data', () => stdout.includes('ready') && resolve());
          void exited.then((code) => reject(new Error(`writer ${i} exited (${code}) before it was ready: ${stderr}`)));
        });
        const done = exited.then((code) => {
          if (code !== 0) throw new Error(`writer ${i} failed (${code}): ${stderr}`);
          return stdout.trim().split('\n').slice(1);
        });
        return { child, body, ready, done };
      });
      await Promise.all(writers.map((w) => w.ready));
      for (const { child } of writers) child.stdin.end('go\n');
      return { bodies: writers.map((w) => w.body), verdicts: await Promise.all(writers.map((w) => w.done)) };
    }

    async function expectOneWinnerPerKey({ bodies, verdicts }: Verdicts): Promise<void> {
      for (const [k, key] of KEYS.entries()) {
        const column = verdicts.map((v) => v[k]);
        const winners = column.flatMap((verdict, writer) => (verdict.startsWith('won ') ? [writer] : []));
        expect(winners, `${key}: ${JSON.stringify(column)}`).toHaveLength(1);
        expect(column.filter((verdict) => verdict === 'lost')).toHaveLength(WRITERS - 1);
        const stored = await store.get(key);
        expect(new TextDecoder().decode(stored.body)).toBe(bodies[winners[0]]);
        expect(stored.etag).toBe(column[winners[0]].slice('won '.length));
      }
    }

    it('exactly one of several processes creating the same key wins', async () => {
      await expectOneWinnerPerKey(await race('create'));
      expect(await filesUnder(dir)).toEqual([...KEYS].sort());
    });

    it('exactly one of several processes swapping from the same etag wins', async () => {
      const etags = new Set<string>();
      for (const key of KEYS) etags.add((await store.put(key, '{"version":"v0"}')).etag);
      expect(etags.size).toBe(1);
      await expectOneWinnerPerKey(await race(`match:${[...etags][0]}`));
      expect(await filesUnder(dir)).toEqual([...KEYS].sort());
    });
  });
});
