import { readChampion } from '../core/registry/champion.ts';
import { listVersions, readJson, versionKey } from '../core/registry/model-store.ts';
import type { DecisionRecord } from '../core/steps/gate.ts';
import type { DataContract } from '../core/contract/contract.ts';
import { fixed, formatTable } from './format.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';

/** One line of `prognos models`. */
export interface ModelListing {
  readonly version: string;
  readonly champion: boolean;
  /** The gate's verdict, or null for a version whose run stopped before the gate. */
  readonly decision: DecisionRecord | null;
}

/** `prognos models`: every version, its holdout numbers and gate decision, and which one serves. */
export async function runModels(options: { readonly home: string; readonly contract: DataContract; readonly json?: boolean }, io: CliIo): Promise<ModelListing[]> {
  const { store } = openWorkspace(options.home, options.contract);
  const champion = await readChampion(store);
  const listings: ModelListing[] = [];
  for (const version of await listVersions(store)) {
    const key = versionKey(version, 'decision.json');
    const decision = (await store.head(key)) ? ((await readJson(store, key)) as DecisionRecord) : null;
    listings.push({ version, champion: champion?.pointer.version === version, decision });
  }
  if (options.json) {
    io.out(`${JSON.stringify({ champion: champion?.pointer ?? null, versions: listings }, null, 2)}\n`);
    return listings;
  }
  if (listings.length === 0) {
    io.out('no models yet: run the training workflow with prognos run\n');
    return listings;
  }
  const rows = listings.map(({ version, champion: serving, decision }) => [
    serving ? '*' : '',
    version,
    decision ? fixed(decision.challenger.recall) : '-',
    decision ? fixed(decision.challenger.precision) : '-',
    decision ? fixed(decision.challenger.averagePrecision) : '-',
    decision ? (decision.promote ? 'promoted' : 'rejected') : 'no decision',
  ]);
  io.out(`${formatTable([['', 'version', 'recall', 'precision', 'avg precision', 'gate'], ...rows])}`);
  io.out(champion ? `* champion since ${champion.pointer.since} (${champion.pointer.promotedBy})\n` : 'no champion yet\n');
  return listings;
}
