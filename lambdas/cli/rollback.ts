import type { DataContract } from '../core/contract/contract.ts';
import { PreconditionFailedError } from '../core/ports/object-store.ts';
import { ChampionChangeError, rollbackChampion } from '../core/registry/champion.ts';
import { InvalidVersionError } from '../core/registry/version.ts';
import { CliError } from './errors.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';
import { CHAMPION_KEY } from '../core/storage-keys.ts';

/**
 * `prognos rollback [--to VERSION]`: an earlier champion serves again — one compare-and-swap of
 * `models/champion.json` on the pointer read at the start, so of two rollbacks at once one moves
 * the champion and the other fails (exit 1) naming the champion that won. The target's artifact
 * is verified first. With an unreadable `champion.json` the champion history stands in for it.
 */
export async function runRollback(options: { readonly home: string; readonly contract: DataContract; readonly to?: string; readonly json?: boolean }, io: CliIo): Promise<{ from: string; to: string }> {
  const { store } = openWorkspace(options.home, options.contract);
  let rollback;
  try {
    rollback = await rollbackChampion(store, new Date(), { to: options.to, onHistoryError: (error) => io.err(`warning: ${error.message}\n`) });
  } catch (error) {
    if (error instanceof ChampionChangeError || error instanceof InvalidVersionError) throw new CliError(error.message);
    if (error instanceof PreconditionFailedError) throw new CliError(`${error.message}; nothing was changed by this rollback (see npx prognos models)`);
    throw error;
  }
  const { from, to, unreadablePointer } = rollback;
  if (unreadablePointer !== null) io.err(`${CHAMPION_KEY} was unreadable (${unreadablePointer}); the champion history says ${from} served last\n`);
  io.err(`rolled back: champion is now ${to.version} (was ${from})\n`);
  const result = { from, to: to.version };
  io.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${to.version}\n`);
  return result;
}
