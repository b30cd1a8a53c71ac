import { randomBytes } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from '../../core/errors.ts';
import { errnoCode, processRuns, unlinkIfPresent } from './fs-helpers.ts';

/**
 * A lock file shared by every process on the machine (and by machines sharing a local disk):
 * whoever creates it with O_EXCL (`open(…, 'wx')`) holds it, deleting it releases it. It records
 * its owner, so a lock left by a crashed process can be taken over: once it is older than
 * `staleMs` and its process no longer runs (or it comes from another host, whose processes cannot
 * be checked). Holds are meant to last milliseconds; the waiter polls with jittered backoff.
 */

export interface FileLockOptions {
  /** How long to wait for the lock before giving up with a TransientError. @default 10_000 */
  readonly timeoutMs?: number;
  /** Minimum age before a lock whose owner is gone may be taken over. @default 10_000 */
  readonly staleMs?: number;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_STALE_MS = 10_000;
const MAX_BACKOFF_MS = 50;

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string') {
      return { pid: value.pid, host: value.host, token: value.token };
    }
  } catch {
    // An empty or torn lock file: its creator died between creating and writing it.
  }
  return undefined;
}

/** Whether a lock `ageMs` old with this content may be taken over. */
function isStale(text: string, ageMs: number, staleMs: number): boolean {
  if (ageMs < staleMs) return false;
  const owner = parseOwner(text);
  if (owner === undefined) return true;
  if (owner.host !== hostname()) return true;
  return !processRuns(owner.pid);
}

async function readLock(path: string): Promise<{ text: string; ino: bigint; mtimeMs: number } | undefined> {
  try {
    const info = await stat(path, { bigint: true });
    const text = await readFile(path, 'utf8');
    return { text, ino: info.ino, mtimeMs: Number(info.mtimeMs) };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Whether the lock at `path` names its owner and that owner is a process of this host that no
 * longer runs: such a lock can be removed at any age (a lock too young to judge is one whose
 * owner could still be writing it, which this is not).
 */
export async function lockOwnerGone(path: string): Promise<boolean> {
  const seen = await readLock(path);
  const owner = seen === undefined ? undefined : parseOwner(seen.text);
  return owner !== undefined && owner.host === hostname() && !processRuns(owner.pid);
}

/** Whether the lock at `path` is stale (see {@link FileLockOptions.staleMs}); false when it is gone. */
export async function isStaleLock(path: string, staleMs: number = DEFAULT_STALE_MS): Promise<boolean> {
  const seen = await readLock(path);
  return seen !== undefined && isStale(seen.text, Date.now() - seen.mtimeMs, staleMs);
}

/**
 * Removes the lock at `path` if it is stale. Two waiters may judge the same lock stale at once;
 * only the one that creates the `~break` file removes it, and only if it is still the very lock
 * judged stale (same inode, same content) — never a fresh lock taken in between.
 * @returns true when the lock is gone (removed here, or released meanwhile)
 */
export async function breakIfStale(path: string, staleMs: number = DEFAULT_STALE_MS): Promise<boolean> {
  const seen = await readLock(path);
  if (seen === undefined) return true;
  if (!isStale(seen.text, Date.now() - seen.mtimeMs, staleMs)) return false;
  const breaker = `${path}~break`;
  try {
    await (await open(breaker, 'wx')).close();
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
    // A breaker is held for microseconds: an old one was left by a crash mid-break.
    const old = await readLock(breaker);
    if (old !== undefined && Date.now() - old.mtimeMs > staleMs) await unlinkIfPresent(breaker);
    return false;
  }
  try {
    const now = await readLock(path);
    if (now !== undefined && now.ino === seen.ino && now.text === seen.text) await unlinkIfPresent(path);
    return true;
  } finally {
    await unlinkIfPresent(breaker);
  }
}

/**
 * Creates the lock file at `path` (its folder must exist), waiting while another holder has it.
 * @returns a function that releases the lock
 * @throws TransientError when the lock stays held longer than `timeoutMs`
 */
export async function acquireFileLock(path: string, options: FileLockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(12).toString('hex') };
  const text = JSON.stringify(owner);
  const deadline = Date.now() + timeoutMs;
  let backoffMs = 1;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
      return () => releaseFileLock(path, text);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    }
    if (await breakIfStale(path, staleMs)) continue;
    if (Date.now() >= deadline) {
      throw new TransientError(
        `lock ${path} is still held after ${timeoutMs} ms; another writer holds it, or a writer that crashed left it (delete it if no prognos process is running)`,
      );
    }
    await sleep(backoffMs * (0.5 + Math.random()));
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }
}

/** Deletes the lock only if it is still ours: had it been taken over as stale, it now belongs to another. */
async function releaseFileLock(path: string, text: string): Promise<void> {
  const current = await readLock(path);
  if (current?.text === text) await unlinkIfPresent(path);
}
