import { unlink } from 'node:fs/promises';

/**
 * File-system helpers every local adapter needs: Node's errno codes, deleting a file that may
 * already be gone, and whether a process id still runs on this machine.
 */

/** The errno code of a Node file-system error (`ENOENT`, `EEXIST`, …), else undefined. */
export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && errnoCode(error) === code;
}

/** Deletes `path`; a file that is already gone is not an error (another process cleaned it up). */
export async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
}

/** Whether process `pid` exists on this machine (signal 0 checks without signalling). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return errnoCode(error) === 'EPERM';
  }
}
