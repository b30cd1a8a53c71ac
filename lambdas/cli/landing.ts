import { createHash } from 'node:crypto';
import type { ObjectStore } from '../core/ports/object-store.ts';
import { PreconditionFailedError } from '../core/ports/object-store.ts';
import { CliError } from './errors.ts';

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Puts a file into the landing zone, create-only: landing files are never replaced. The same
 * bytes already there are fine ('present'); other bytes under the key are an error that says
 * what to do.
 */
export async function landFile(store: ObjectStore, key: string, body: Uint8Array | string): Promise<'landed' | 'present'> {
  try {
    await store.put(key, body, { ifNoneMatch: '*', contentType: 'text/csv' });
    return 'landed';
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  if (sha256((await store.get(key)).body) !== sha256(body)) {
    throw new CliError(`${key} already exists with other contents; landing files are never replaced: land the file under another name`);
  }
  return 'present';
}
