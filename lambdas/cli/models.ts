import { z } from 'zod';
import type { DataContract } from '../core/contract/contract.ts';
import { readChampionHistory } from '../core/registry/champion-history.ts';
import { CHAMPION_KEY, type ChampionPointer, readChampionState } from '../core/registry/champion-pointer.ts';
import { listVersions, readJson, versionKey } from '../core/registry/model-store.ts';
import { headlineSchema } from '../core/steps/evaluate.ts';
import { fixed, formatTable } from './format.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';

/**
 * Where a version stands: `serving` (the champion), `superseded` (promoted and served, then
 * replaced: in the champion history or the pointer's rollback list), `rejected` (by the gate),
 * `not-promoted` (the gate passed it but it never served — its promotion lost a race or failed —
 * or its run stopped before the gate).
 */
export type ModelStatus = 'serving' | 'superseded' | 'rejected' | 'not-promoted';

const STATUS_WORDS: Record<ModelStatus, string> = {
  serving: 'serving',
  superseded: 'promoted, superseded',
  rejected: 'rejected',
  'not-promoted': 'not promoted',
};

// Only what the listing shows; the record holds more.
const decisionSchema = z.looseObject({ promote: z.boolean(), summary: z.string(), challenger: headlineSchema });
type ListedDecision = z.infer<typeof decisionSchema>;

/** One line of `prognos models`. */
export interface ModelListing {
  readonly version: string;
  readonly status: ModelStatus;
  /** The gate's verdict; null for a version whose run stopped before the gate, or whose record is unreadable. */
  readonly decision: ListedDecision | null;
  /** Why `decision` is null although the record exists. */
  readonly decisionProblem: string | null;
}

export interface ModelsListing {
  readonly champion: ChampionPointer | null;
  /** Why there is no champion although `champion.json` exists (it is unreadable). */
  readonly championProblem: string | null;
  /** The last champion the history recorded, shown when the pointer is unreadable. */
  readonly lastRecordedChampion: string | null;
  readonly versions: readonly ModelListing[];
}

async function decisionOf(store: ReturnType<typeof openWorkspace>['store'], version: string): Promise<Pick<ModelListing, 'decision' | 'decisionProblem'>> {
  const key = versionKey(version, 'decision.json');
  if ((await store.head(key)) === undefined) return { decision: null, decisionProblem: null };
  try {
    return { decision: decisionSchema.parse(await readJson(store, key)), decisionProblem: null };
  } catch (error) {
    return { decision: null, decisionProblem: `${key} is unreadable: ${error instanceof z.ZodError ? 'not a decision record' : (error as Error).message}` };
  }
}

/** `prognos models`: every version, its holdout numbers, gate decision and status. Works with an unreadable `champion.json`. */
export async function runModels(options: { readonly home: string; readonly contract: DataContract; readonly json?: boolean }, io: CliIo): Promise<ModelsListing> {
  const { store } = openWorkspace(options.home, options.contract);
  const state = await readChampionState(store);
  const history = await readChampionHistory(store);
  const champion = state.kind === 'readable' ? state.current.pointer : null;
  const served = new Set([...history.entries.map((entry) => entry.version), ...(champion?.previous ?? [])]);
  const versions: ModelListing[] = [];
  for (const version of await listVersions(store)) {
    const decision = await decisionOf(store, version);
    const status: ModelStatus =
      champion?.version === version ? 'serving' : served.has(version) ? 'superseded' : decision.decision?.promote === false ? 'rejected' : 'not-promoted';
    versions.push({ version, status, ...decision });
  }
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
  else {
    const rows = versions.map(({ version, status, decision }) => [
      status === 'serving' ? '*' : '',
      version,
      decision ? fixed(decision.challenger.recall) : '-',
      decision ? fixed(decision.challenger.precision) : '-',
      decision ? fixed(decision.challenger.averagePrecision) : '-',
      decision ? (decision.promote ? 'passed' : 'failed') : '-',
      STATUS_WORDS[status],
    ]);
    io.out(formatTable([['', 'version', 'recall', 'precision', 'avg precision', 'gate', 'status'], ...rows], { align: ['left', 'left', 'right', 'right', 'right', 'left', 'left'] }));
  }
  for (const { version, decisionProblem } of versions) if (decisionProblem !== null) io.err(`model ${version}: ${decisionProblem}\n`);
  if (champion !== null) io.out(`* serving since ${champion.since} (${champion.promotedBy === 'rollback' ? 'rolled back' : `promoted by ${champion.promotedBy}`})\n`);
  else if (listing.championProblem !== null) {
    const last = listing.lastRecordedChampion;
    io.out(
      `no version is serving: ${CHAMPION_KEY} is unreadable (${listing.championProblem}); ${last === null ? 'there is no champion history' : `the last recorded champion is ${last}: npx prognos doctor --repair restores it, npx prognos rollback goes back from it`}\n`,
    );
  } else if (versions.length > 0) io.out('no champion yet\n');
  return listing;
}
