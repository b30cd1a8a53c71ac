import type { ObjectStore } from '../../ports/object-store.ts';
import { type ScoreFileResult, scoreFileResultSchema } from './batch-state.ts';
import { batchFilesPrefix } from '../../storage-keys.ts';

/**
 * The batch's file list as ScoreFile recorded it (`lake/batches/<batch>/files/`), sorted by
 * landing key, and the totals that the drift step, the report and the CLI show.
 */

export async function readBatchFiles(store: ObjectStore, batchName: string): Promise<ScoreFileResult[]> {
  const objects = await store.list(batchFilesPrefix(batchName));
  const entries = await Promise.all(
    objects.map(async (object) => scoreFileResultSchema.parse(JSON.parse(new TextDecoder().decode((await store.get(object.key)).body)))),
  );
  return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export interface BatchTotals {
  readonly files: {
    /** Every key the batch took up: listed and not in the scored-files ledger (folder markers included). */
    readonly listed: number;
    /** Scored by this batch. */
    readonly scored: number;
    /** Handled before, by an earlier batch or under another key: not scored again. */
    readonly duplicates: number;
    /** Quarantined as a whole by this batch. */
    readonly unusable: number;
    readonly skipped: number;
  };
  /** Over the files scored by this batch, each content once. */
  readonly rows: { readonly read: number; readonly scored: number; readonly quarantined: number; readonly flagged: number; readonly review: number };
}

/** The files that count for `batchName`: processed by this batch (a re-run of it included), each content once. */
export function newInBatch(entries: readonly ScoreFileResult[], batchName: string): ScoreFileResult[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    if (entry.batchName !== batchName || entry.status === 'skipped') return false;
    // Not read (over the size cap, or gone before it was read): each key counts on its own.
    if (entry.sha256 === null) return true;
    if (seen.has(entry.sha256)) return false;
    seen.add(entry.sha256);
    return true;
  });
}

export function batchTotals(entries: readonly ScoreFileResult[], batchName: string): BatchTotals {
  const fresh = newInBatch(entries, batchName);
  const scored = fresh.filter((entry) => entry.status === 'scored');
  const sum = (pick: (entry: ScoreFileResult) => number): number => scored.reduce((total, entry) => total + pick(entry), 0);
  return {
    files: {
      listed: entries.length,
      scored: scored.length,
      duplicates: entries.filter((entry) => entry.status !== 'skipped').length - fresh.length,
      unusable: fresh.filter((entry) => entry.status === 'unusable').length,
      skipped: entries.filter((entry) => entry.status === 'skipped').length,
    },
    rows: {
      read: sum((e) => e.rowsRead),
      scored: sum((e) => e.rowsScored),
      quarantined: sum((e) => e.rowsQuarantined),
      flagged: sum((e) => e.rowsFlagged),
      review: sum((e) => e.rowsReview),
    },
  };
}
