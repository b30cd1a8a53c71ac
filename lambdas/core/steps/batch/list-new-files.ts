import { z } from 'zod';
import { batchInputSchema } from './batch-state.ts';
import type { BatchStepContext } from './batch-state.ts';
import { batchManifestKey, LANDING_INFERENCE_PREFIX, LEDGER_PREFIX, ledgerEntryKey } from '../../storage-keys.ts';

/**
 * ListNewFiles, the batch's first step: which landing files this batch scores. It lists
 * `landing/inference/` and the scored-files ledger (one LIST request per 1,000 keys each, no
 * object read), keeps the versions (key + ETag) that no earlier batch scored or quarantined,
 * oldest key first up to `config.maxFilesPerBatch`, and writes them to the batch's manifest, the
 * JSON array that the ScoreFiles Distributed Map reads as its items. So a batch starts one child
 * per new file, however many files the prefix has gathered. S3 "folder" keys (ending in '/') are
 * not files and are left out.
 */

/** One manifest item: the fields of an S3 listing item that the Map's ItemSelector reads. */
export interface ManifestItem {
  readonly Key: string;
  /** Quoted, as S3 lists ETags. */
  readonly Etag: string;
  readonly Size: number;
}

export const listNewFilesResultSchema = z.object({
  /** The manifest the Map reads (`lake/batches/<batch>/manifest.json`). */
  manifestKey: z.string(),
  /** Objects under landing/inference/, folder markers included. */
  listed: z.int().nonnegative(),
  /** Versions in the ledger: handled by an earlier batch. */
  alreadyHandled: z.int().nonnegative(),
  folderMarkers: z.int().nonnegative(),
  /** In the manifest: this batch's files. */
  selected: z.int().nonnegative(),
  /** New, but over maxFilesPerBatch: left for the next batch. */
  deferred: z.int().nonnegative(),
});

export type ListNewFilesResult = z.infer<typeof listNewFilesResultSchema>;

export async function listNewFiles(input: unknown, context: BatchStepContext): Promise<ListNewFilesResult> {
  const { batchName, config } = batchInputSchema.parse(input);
  const [landing, ledger] = await Promise.all([context.store.list(LANDING_INFERENCE_PREFIX), context.store.list(LEDGER_PREFIX)]);
  const handled = new Set(ledger.map((entry) => entry.key));
  const files = landing.filter((object) => !object.key.endsWith('/'));
  const quoted = (etag: string): string => (etag.startsWith('"') ? etag : `"${etag}"`);
  // S3 lists in key order (UTF-8 bytes; code-unit order for these keys): the oldest keys of a dated layout first.
  const fresh = files
    .filter((object) => !handled.has(ledgerEntryKey(object.key, object.etag)))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const selected: ManifestItem[] = fresh.slice(0, config.maxFilesPerBatch).map((object) => ({ Key: object.key, Etag: quoted(object.etag), Size: object.size }));
  const manifestKey = batchManifestKey(batchName);
  // Rewritten as a whole on a retry: the ledger, not the manifest, says what was scored.
  await context.store.put(manifestKey, `${JSON.stringify(selected)}\n`, { contentType: 'application/json' });
  const result = {
    manifestKey,
    listed: landing.length,
    alreadyHandled: files.length - fresh.length,
    folderMarkers: landing.length - files.length,
    selected: selected.length,
    deferred: fresh.length - selected.length,
  };
  context.progress({
    kind: 'message',
    text: `${result.selected} new file(s) to score of ${result.listed} listed (${result.alreadyHandled} scored before${result.deferred > 0 ? `, ${result.deferred} left for the next batch (maxFilesPerBatch ${config.maxFilesPerBatch})` : ''})`,
  });
  return result;
}
