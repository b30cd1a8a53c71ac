import { z } from 'zod';
import { ObjectNotFoundError, type ObjectStore, PreconditionFailedError } from '../../ports/object-store.ts';
import { ledgerEntryKey } from '../../storage-keys.ts';

/**
 * The scored-files ledger: one small entry per landing object version, named by its key and its
 * ETag (`lake/ledger/<key hash>/<etag>.json`). ScoreFile writes the entry last, once a file is
 * scored or quarantined; a later batch finds it with one small GET and neither downloads nor scores
 * that file again. A re-upload under the same key has a new ETag, so it has no entry and is
 * scored again; the content marker (`lake/scored/<sha256>.json`) still keeps equal bytes from
 * being scored twice. A file whose ScoreFile failed has no entry and is tried by the next batch.
 */

/** What became of one landing object version (`oversized`: over `maxFileBytes`, quarantined unread). */
export const ledgerEntrySchema = z.object({
  key: z.string(),
  etag: z.string(),
  status: z.enum(['scored', 'unusable', 'oversized']),
  /** The content hash; null when the file was not read (oversized). */
  sha256: z.string().nullable(),
  batchName: z.string(),
  reason: z.string().nullable(),
  recordedAt: z.string(),
});

export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

/** The entry of this version of `key`, or undefined when it was never scored or quarantined. */
export async function readLedgerEntry(store: ObjectStore, key: string, etag: string): Promise<LedgerEntry | undefined> {
  try {
    const { body } = await store.get(ledgerEntryKey(key, etag));
    return ledgerEntrySchema.parse(JSON.parse(new TextDecoder().decode(body)));
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/** Records the outcome, create-only: a concurrent or earlier writer's entry stands (it says the same). */
export async function writeLedgerEntry(store: ObjectStore, entry: LedgerEntry): Promise<void> {
  try {
    await store.put(ledgerEntryKey(entry.key, entry.etag), `${JSON.stringify(ledgerEntrySchema.parse(entry))}\n`, { ifNoneMatch: '*', contentType: 'application/json' });
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
}
