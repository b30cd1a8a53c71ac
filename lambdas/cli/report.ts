import type { DataContract } from '../core/contract/contract.ts';
import { readChampion } from '../core/registry/champion.ts';
import { assertVersion, listVersions, versionKey } from '../core/registry/model-store.ts';
import { CliError } from './errors.ts';
import { displayPath } from './format.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';

/** What `prognos report --json` prints. */
export interface ReportJson {
  readonly version: string;
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
  const key = versionKey(version, 'report.html');
  if ((await workspace.store.head(key)) === undefined) {
    throw new CliError(`model ${version} has no report (${key}); its run may have stopped before WriteReport, see npx prognos models`);
  }
  const path = displayPath(workspace.pathOf(key));
  const result: ReportJson = { version, path, champion: version === championVersion };
  io.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${path}\n`);
  return path;
}
