import type { DataContract } from '../core/contract/contract.ts';
import { readChampion } from '../core/registry/champion.ts';
import { assertVersion, listVersions, versionKey } from '../core/registry/model-store.ts';
import { CliError } from './errors.ts';
import { displayPath } from './format.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';

/** `prognos report [VERSION]`: prints the path of a version's HTML report (default: the champion's, else the newest). */
export async function runReport(options: { readonly home: string; readonly contract: DataContract; readonly version?: string }, io: CliIo): Promise<string> {
  const workspace = openWorkspace(options.home, options.contract);
  let version = options.version;
  if (version !== undefined) {
    try {
      assertVersion(version);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  } else {
    version = (await readChampion(workspace.store))?.pointer.version ?? (await listVersions(workspace.store)).at(-1);
    if (version === undefined) throw new CliError('no models yet: run the training workflow with prognos run');
  }
  const key = versionKey(version, 'report.html');
  if ((await workspace.store.head(key)) === undefined) {
    throw new CliError(`model ${version} has no report (${key}); its run may have stopped before WriteReport, see prognos models`);
  }
  const path = displayPath(workspace.pathOf(key));
  io.out(`${path}\n`);
  return path;
}
