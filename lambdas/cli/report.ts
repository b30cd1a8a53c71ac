import type { DataContract } from '../core/contract/contract.ts';
import { readChampion } from '../core/registry/champion.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import { assertVersion, listVersions, versionKey } from '../core/registry/model-store.ts';
import { CliError } from './errors.ts';
import { lineageOf, readManifest, reportKeyOf } from './version-folder.ts';
import { displayPath } from './format.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';

/** What `prognos report --json` prints. */
export interface ReportJson {
  /** The version whose report it is: the one asked for, or the sibling its run's gate judged. */
  readonly version: string;
  /** The version asked for, when its report is its run's under a sibling (a model the rule did not pick). */
  readonly requested?: string;
  /** The path of the self-contained HTML report. */
  readonly path: string;
  /** True when the version is the champion. */
  readonly champion: boolean;
}

/** `prognos report [VERSION]`: prints the path of a version's HTML report (default: the champion's, else the newest); `--json` says which version and whether it serves. */
export async function runReport(options: { readonly home: string; readonly contract: DataContract; readonly version?: string; readonly json?: boolean }, io: CliIo): Promise<string> {
  const workspace = openWorkspace(options.home, options.contract);
  let version = options.version;
  const championVersion = (await readChampion(workspace.store))?.pointer.version;
  if (version !== undefined) {
    try {
      assertVersion(version);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  } else {
    version = championVersion ?? (await listVersions(workspace.store)).at(-1);
    if (version === undefined) throw new CliError('no models yet: run the training workflow with npx prognos run');
  }
  const own = await reportKeyOf(workspace.store, version);
  // A model the rule did not pick has no report of its own: its run's is under the version the gate judged.
  const sibling = own === null ? await siblingReport(workspace.store, version) : null;
  const key = own ?? sibling?.key;
  if (key === undefined) {
    throw new CliError(`model ${version} has no report (${versionKey(version, 'report.html')}); its run may have stopped before WriteReport, see npx prognos models`);
  }
  if (sibling) io.err(`model ${version} was trained beside ${sibling.version}, which the gate judged: its run's report\n`);
  const path = displayPath(workspace.pathOf(key));
  const reported = sibling?.version ?? version;
  const result: ReportJson = { version: reported, ...(sibling ? { requested: version } : {}), path, champion: reported === championVersion };
  io.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${path}\n`);
  return path;
}

/** The report of `version`'s run, kept under another version of the same run (the one the gate judged). */
async function siblingReport(store: ObjectStore, version: string): Promise<{ version: string; key: string } | null> {
  const manifest = (await readManifest(store, version)).value;
  const runName = manifest === null ? null : lineageOf(manifest).runName;
  if (runName === null) return null;
  for (const other of await listVersions(store)) {
    if (other === version) continue;
    const otherManifest = (await readManifest(store, other)).value;
    if (otherManifest === null || lineageOf(otherManifest).runName !== runName) continue;
    const key = await reportKeyOf(store, other);
    if (key !== null) return { version: other, key };
  }
  return null;
}
