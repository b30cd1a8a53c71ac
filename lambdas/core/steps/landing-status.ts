import type { ObjectStore } from '../ports/object-store.ts';
import { readIngestedFile, readSetAside } from './landing-records.ts';

/**
 * What became of each landing file, from the records ingest keeps (no file is read): ingested
 * (with its counts and when), quarantined as a whole (with why), edited after ingest and not yet
 * seen by a run, or pending (no run has ingested it yet). A record counts only for the version
 * it was written for: its etag must be the file's current one.
 */

export type LandingState =
  | { readonly state: 'ingested'; readonly rowsValid: number; readonly rowsQuarantined: number; readonly at: string }
  | { readonly state: 'quarantined'; readonly reason: string; readonly at: string }
  | { readonly state: 'edited'; readonly reason: string; readonly at: string }
  | { readonly state: 'pending' };

export interface LandingFileStatus {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string;
  readonly status: LandingState;
}

export async function landingStatus(store: ObjectStore, prefix: string): Promise<LandingFileStatus[]> {
  const files = await store.list(prefix);
  return Promise.all(
    files.map(async (file): Promise<LandingFileStatus> => {
      const base = { key: file.key, size: file.size, lastModified: file.lastModified.toISOString() };
      const setAside = await readSetAside(store, file.key);
      if (setAside !== undefined && setAside.etag === file.etag) return { ...base, status: { state: 'quarantined', reason: setAside.reason, at: setAside.setAsideAt } };
      const ingested = await readIngestedFile(store, file.key);
      if (ingested === undefined) return { ...base, status: { state: 'pending' } };
      if (ingested.etag === file.etag) {
        return { ...base, status: { state: 'ingested', rowsValid: ingested.rowsValid, rowsQuarantined: ingested.rowsQuarantined, at: ingested.ingestedAt } };
      }
      const reason = `changed after it was ingested on ${ingested.ingestedAt.slice(0, 10)}; the next run sets it aside (its ${ingested.rowsValid} earlier rows stay in the lake)`;
      return { ...base, status: { state: 'edited', reason, at: ingested.ingestedAt } };
    }),
  );
}
