import type { DataContract } from '../core/contract/contract.ts';
import { readChampionHistory } from '../core/registry/champion-history.ts';
import { type ChampionPointer, readChampionState } from '../core/registry/champion-pointer.ts';
import { listVersions } from '../core/registry/model-store.ts';
import { fixed, formatTable } from './format.ts';
import type { CliIo } from './io.ts';
import { groupByRun, listingRows, type ModelListing, type ModelStatus, runHeadline } from './model-listing.ts';
import { readVersionFolder } from './version-folder.ts';
import { openWorkspace } from './workspace.ts';
import { CHAMPION_KEY } from '../core/storage-keys.ts';

export type { ModelListing, ModelStatus } from './model-listing.ts';

const STATUS_WORDS: Record<ModelStatus, string> = {
  serving: 'serving',
  superseded: 'promoted, superseded',
  rejected: 'rejected',
  candidate: 'not gated',
  'not-promoted': 'not promoted',
};

/** A candidate's status says what the run's rule made of it, when the run recorded that. */
function statusWords(row: ModelListing): string {
  if (row.status !== 'candidate' || row.picked === null) return STATUS_WORDS[row.status];
  return row.picked ? 'picked, not gated' : 'not picked';
}

export interface ModelsListing {
  readonly champion: ChampionPointer | null;
  /** Why there is no champion although `champion.json` exists (it is unreadable). */
  readonly championProblem: string | null;
  /** The last champion the history recorded, shown when the pointer is unreadable. */
  readonly lastRecordedChampion: string | null;
  /** Every version, oldest first. */
  readonly versions: readonly ModelListing[];
}

/** `2026-12-06 06:00 UTC` from an ISO instant. */
function minuteOf(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * The table of `prognos models`: one block per run, headed by the run's name, mode and start, its
 * gated version first and the models trained beside it under it; columns aligned over all runs.
 */
export function modelsTable(versions: readonly ModelListing[]): string {
  const groups = groupByRun(versions);
  const rows = groups.flatMap((group) => group.versions).map((row) => [
    row.status === 'serving' ? '*' : '',
    row.version,
    row.kind ?? '?',
    row.trainRows === null ? '-' : String(row.trainRows),
    row.holdout ? fixed(row.holdout.recall) : '-',
    row.holdout ? fixed(row.holdout.averagePrecision) : '-',
    row.decision ? (row.decision.promote ? 'passed' : 'failed') : '-',
    statusWords(row),
  ]);
  const [columns, ...lines] = formatTable([['', 'version', 'kind', 'rows', 'recall', 'holdout AP', 'gate', 'status'], ...rows], {
    align: ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'left'],
  }).split('\n');
  const out = [columns];
  let at = 0;
  for (const group of groups) {
    const { mode, createdAt } = runHeadline(group);
    const facts = [group.runName === null ? 'no run recorded' : `run ${group.runName}`, mode, createdAt && minuteOf(createdAt)].filter((fact) => fact !== null);
    out.push(`  ${facts.join(' · ')}`, ...lines.slice(at, at + group.versions.length));
    at += group.versions.length;
  }
  return `${out.join('\n')}\n`;
}

/**
 * `prognos models`: every version with its run, mode, kind, training rows, holdout numbers, gate
 * decision and status, grouped by run. Works with an unreadable `champion.json` and past unreadable records.
 */
export async function runModels(options: { readonly home: string; readonly contract: DataContract; readonly json?: boolean }, io: CliIo): Promise<ModelsListing> {
  const { store } = openWorkspace(options.home, options.contract);
  const state = await readChampionState(store);
  const history = await readChampionHistory(store);
  const champion = state.kind === 'readable' ? state.current.pointer : null;
  const served = new Set([...history.entries.map((entry) => entry.version), ...(champion?.previous ?? [])]);
  const folders = await Promise.all((await listVersions(store)).map((version) => readVersionFolder(store, version)));
  const versions = listingRows(folders, { champion: champion?.version ?? null, served });
  const listing: ModelsListing = {
    champion,
    championProblem: state.kind === 'unreadable' ? state.problem : null,
    lastRecordedChampion: state.kind === 'unreadable' ? (history.entries.at(-1)?.version ?? null) : null,
    versions,
  };
  if (options.json) {
    io.out(`${JSON.stringify(listing, null, 2)}\n`);
    return listing;
  }
  if (versions.length === 0) io.out('no models yet: run the training workflow with npx prognos run\n');
  else io.out(`${modelsTable(versions)}one model's record: npx prognos models show VERSION\n`);
  for (const { version, decisionProblem, manifestProblem } of versions) {
    for (const problem of [manifestProblem, decisionProblem]) if (problem !== null) io.err(`model ${version}: ${problem}\n`);
  }
  if (champion !== null) io.out(`* serving since ${champion.since} (${champion.promotedBy === 'rollback' ? 'rolled back' : `promoted by ${champion.promotedBy}`})\n`);
  else if (listing.championProblem !== null) {
    const last = listing.lastRecordedChampion;
    io.out(
      `no version is serving: ${CHAMPION_KEY} is unreadable (${listing.championProblem}); ${last === null ? 'there is no champion history' : `the last recorded champion is ${last}: npx prognos doctor --repair restores it, npx prognos rollback goes back from it`}\n`,
    );
  } else if (versions.length > 0) io.out('no champion yet\n');
  return listing;
}
