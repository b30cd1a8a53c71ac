import type { DataContract } from '../core/contract/contract.ts';
import { loadModel } from '../core/registry/model-store.ts';
import { readChampion, rollbackChampion } from '../core/registry/champion.ts';
import { CliError } from './errors.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';

/**
 * `prognos rollback`: the previous champion serves again (one compare-and-swap of
 * `models/champion.json`). Its artifact is verified first, so a rollback never points at a
 * model that cannot load.
 */
export async function runRollback(options: { readonly home: string; readonly contract: DataContract }, io: CliIo): Promise<{ from: string; to: string }> {
  const { store } = openWorkspace(options.home, options.contract);
  const current = await readChampion(store);
  if (current === undefined) throw new CliError('there is no champion yet: nothing to roll back');
  const target = current.pointer.previous[0];
  if (target === undefined) throw new CliError(`champion ${current.pointer.version} is the first one promoted: there is no earlier version to roll back to`);
  await loadModel(store, target);
  const { from, to } = await rollbackChampion(store, new Date());
  io.err(`rolled back: champion is now ${to.version} (was ${from})\n`);
  io.out(`${to.version}\n`);
  return { from, to: to.version };
}
