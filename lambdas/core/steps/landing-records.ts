import { z } from 'zod';
import { ObjectNotFoundError, PreconditionFailedError, type ObjectStore } from '../ports/object-store.ts';
import { ingestedFileKey, setAsideKey } from '../storage-keys.ts';

/**
 * What ingest remembers about each landing key, so a later run (and `prognos landing`) can tell
 * what became of a file without reading it again:
 *
 * - `lake/ingested/files/<landing key>.json`: the content (sha256, etag) this key had when it was
 *   ingested, and its counts — an edit of the file in place shows as another hash;
 * - `lake/quarantine/files/<landing key>.json`: the file is set aside as a whole (unusable, or
 *   edited after ingest), with the reason; later runs skip it while its content is the same.
 *
 * The landing file itself is never touched.
 */

export const ingestedFileRecordSchema = z.object({
  key: z.string(),
  sha256: z.string(),
  etag: z.string(),
  /** When this key's content was first ingested (ISO 8601). */
  ingestedAt: z.string(),
  rowsRead: z.int(),
  rowsValid: z.int(),
  rowsQuarantined: z.int(),
  featureKeys: z.array(z.string()),
});
export type IngestedFileRecord = z.infer<typeof ingestedFileRecordSchema>;

export const setAsideRecordSchema = z.object({
  key: z.string(),
  sha256: z.string(),
  etag: z.string(),
  /** 'unusable': the file cannot be read as a whole; 'edited': its content changed after it was ingested. */
  kind: z.enum(['unusable', 'edited']),
  reason: z.string(),
  setAsideAt: z.string(),
  /** For an edited file: the rows still in the lake from the content ingested before. */
  staleRows: z.object({ sha256: z.string(), rows: z.int(), featureKeys: z.array(z.string()) }).nullable(),
});
export type SetAsideRecord = z.infer<typeof setAsideRecordSchema>;

async function readRecord<T>(store: ObjectStore, key: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let body;
  try {
    ({ body } = await store.get(key));
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
  return schema.parse(JSON.parse(new TextDecoder().decode(body)));
}

export const readIngestedFile = (store: ObjectStore, landingKey: string): Promise<IngestedFileRecord | undefined> =>
  readRecord(store, ingestedFileKey(landingKey), ingestedFileRecordSchema);

export const readSetAside = (store: ObjectStore, landingKey: string): Promise<SetAsideRecord | undefined> =>
  readRecord(store, setAsideKey(landingKey), setAsideRecordSchema);

/** Create-only: the first record of a key stands (its first ingest time, for instance). */
export async function writeIngestedFile(store: ObjectStore, record: IngestedFileRecord): Promise<void> {
  try {
    await store.put(ingestedFileKey(record.key), `${JSON.stringify(record, null, 2)}\n`, { ifNoneMatch: '*', contentType: 'application/json' });
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
}

/** Overwrites: the latest reason for setting the key's current content aside stands. */
export async function writeSetAside(store: ObjectStore, record: SetAsideRecord): Promise<string> {
  const key = setAsideKey(record.key);
  await store.put(key, `${JSON.stringify(record, null, 2)}\n`, { contentType: 'application/json' });
  return key;
}
