import { ArtifactError } from '../errors.ts';
import { type ObjectStore, PreconditionFailedError } from '../ports/object-store.ts';
import { isRecorded, lastRecordedChampion, recordChampion } from './champion-history.ts';
import {
  type ChampionPointer,
  type ChampionState,
  type CurrentChampion,
  readChampionState,
  ROLLBACK_DEPTH,
} from './champion-pointer.ts';
import { loadModel } from './model-store.ts';
import { assertVersion } from './version.ts';
import { CHAMPION_KEY } from '../storage-keys.ts';

export { type ChampionPointer, type ChampionState, type CurrentChampion, readChampion, readChampionState, ROLLBACK_DEPTH } from './champion-pointer.ts';

/**
 * Changes of the champion: promotion, rollback, and the repair of an unreadable pointer. Each is
 * one compare-and-swap of `models/champion.json` on the etag read before deciding, so of two
 * changes racing exactly one wins and the other fails naming the champion that won. An
 * unreadable pointer is replaced the same way (with its own etag), the history standing in for
 * what it held.
 */

/** A change the registry refuses: nothing to roll back to, a target that never served. */
export class ChampionChangeError extends RangeError {
  override readonly name = 'ChampionChangeError' as const;
}

/** The pointer a change starts from: the current one, or the last recorded one when it is unreadable. */
interface Base {
  /** For the swap: the etag to match, or undefined for a create-only write (no pointer). */
  readonly etag: string | undefined;
  readonly pointer: ChampionPointer | undefined;
}

async function baseOf(store: ObjectStore, state: ChampionState): Promise<Base> {
  if (state.kind === 'none') return { etag: undefined, pointer: undefined };
  if (state.kind === 'readable') return { etag: state.current.etag, pointer: state.current.pointer };
  return { etag: state.etag, pointer: await lastRecordedChampion(store) };
}

/**
 * Told when the champion changed but its history entry could not be written (the change stands:
 * the pointer is the commit point; `inspectChampion` shows it unrecorded and the repair records it).
 * Without one, the failure is thrown, its message saying that the champion did change.
 */
export type HistoryErrorHandler = (error: Error) => void;

/**
 * Swaps the pointer from `base` to `next`, then records `next` in the history (and the pointer
 * it replaced, if a crash kept that from being recorded).
 * @throws PreconditionFailedError naming the champion now in place when another change won
 */
async function swap(store: ObjectStore, base: Base, next: ChampionPointer, what: string, onHistoryError?: HistoryErrorHandler): Promise<ChampionPointer> {
  if (base.pointer !== undefined && base.etag !== undefined && !(await isRecorded(store, base.pointer))) await recordChampion(store, base.pointer);
  try {
    await store.put(CHAMPION_KEY, `${JSON.stringify(next, null, 2)}\n`, {
      contentType: 'application/json',
      ...(base.etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: base.etag }),
    });
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    // Read after losing, so the message names the change that won rather than what we saw before.
    throw new PreconditionFailedError(CHAMPION_KEY, `${what} lost to another change of the champion: ${describeWinner(await readChampionState(store))}`);
  }
  try {
    await recordChampion(store, next);
  } catch (error) {
    const problem = new Error(`the champion is now ${next.version}, but its champion history entry could not be written: ${(error as Error).message}`, { cause: error });
    if (onHistoryError === undefined) throw problem;
    onHistoryError(problem);
  }
  return next;
}

function describeWinner(state: ChampionState): string {
  if (state.kind === 'none') return 'there is no champion now';
  if (state.kind === 'unreadable') return `${CHAMPION_KEY} is now unreadable (${state.problem})`;
  const { version, promotedBy, since } = state.current.pointer;
  return `the champion is now ${version} (${promotedBy === 'rollback' ? 'rolled back to' : `promoted by ${promotedBy}`} at ${since})`;
}

function isState(expected: CurrentChampion | ChampionState | undefined): expected is ChampionState {
  return expected !== undefined && 'kind' in expected;
}

/**
 * Makes `version` the champion, the current one becoming the first rollback target.
 * `expected` is what the caller's decision was based on: the champion (or the whole pointer
 * state, which may be unreadable) it read, undefined when there was none. If another change
 * happened since, this fails rather than overwrite it.
 * @throws PreconditionFailedError naming the champion that won, when the pointer changed since `expected` was read
 */
export async function promoteChampion(
  store: ObjectStore,
  version: string,
  promotedBy: string,
  expected: CurrentChampion | ChampionState | undefined,
  now: Date,
  onHistoryError?: HistoryErrorHandler,
): Promise<ChampionPointer> {
  assertVersion(version);
  const state: ChampionState = isState(expected) ? expected : expected === undefined ? { kind: 'none' } : { kind: 'readable', current: expected };
  const base = await baseOf(store, state);
  const stack = base.pointer === undefined ? [] : [base.pointer.version, ...base.pointer.previous];
  const previous = stack.filter((v) => v !== version).slice(0, ROLLBACK_DEPTH);
  const sequence = base.pointer === undefined ? 1 : base.pointer.sequence + 1;
  return swap(store, base, { version, since: now.toISOString(), promotedBy, previous, sequence }, `promoting ${version}`, onHistoryError);
}

export interface RollbackOptions {
  /** Roll back to this earlier champion (one of the pointer's `previous`) instead of the newest one. */
  readonly to?: string;
  readonly onHistoryError?: HistoryErrorHandler;
}

export interface Rollback {
  /** The version rolled back from; for an unreadable pointer, the last recorded champion. */
  readonly from: string;
  readonly to: ChampionPointer;
  /** Why the pointer was not used, when it was unreadable and the history stood in for it. */
  readonly unreadablePointer: string | null;
}

/**
 * Puts an earlier champion back: the previous one, or `options.to`. The versions rolled back from
 * are dropped from the rollback list (rolling back twice goes two versions back, as a user
 * expects). With an unreadable pointer, the last recorded champion stands in for it. The
 * target's artifact is verified first, and the swap is made on the etag read at the start, so
 * of two rollbacks racing exactly one moves the champion.
 * @throws ChampionChangeError when there is no champion, nothing to roll back to, or `to` is not a rollback target
 * @throws ArtifactError when the target cannot be loaded
 * @throws PreconditionFailedError naming the champion that won, when another change came first
 */
export async function rollbackChampion(store: ObjectStore, now: Date, options: RollbackOptions = {}): Promise<Rollback> {
  if (options.to !== undefined) assertVersion(options.to);
  const state = await readChampionState(store);
  if (state.kind === 'none') throw new ChampionChangeError('there is no champion yet: nothing to roll back');
  const base = await baseOf(store, state);
  const unreadablePointer = state.kind === 'unreadable' ? state.problem : null;
  if (base.pointer === undefined) {
    throw new ChampionChangeError(`${CHAMPION_KEY} is unreadable (${unreadablePointer}) and there is no champion history to roll back with`);
  }
  const { version: from, previous } = base.pointer;
  const index = options.to === undefined ? 0 : previous.indexOf(options.to);
  const target = previous[index];
  if (target === undefined) {
    if (options.to !== undefined) {
      throw new ChampionChangeError(
        `${options.to} is not an earlier champion of ${from}; rollback targets: ${previous.length === 0 ? 'none' : previous.join(', ')}`,
      );
    }
    throw new ChampionChangeError(`champion ${from} is the first one promoted: there is no earlier version to roll back to`);
  }
  try {
    await loadModel(store, target);
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    throw new ArtifactError(`cannot roll back to ${target}: ${error.message}`, { cause: error });
  }
  const next = { version: target, since: now.toISOString(), promotedBy: 'rollback', previous: previous.slice(index + 1), sequence: base.pointer.sequence + 1 };
  return { from, to: await swap(store, base, next, `rolling back from ${from} to ${target}`, options.onHistoryError), unreadablePointer };
}

/** What {@link repairChampionFromHistory} did, or why it did nothing. */
export type ChampionRepair =
  | { readonly repaired: true; readonly action: string; readonly pointer: ChampionPointer }
  | { readonly repaired: false; readonly reason: string };

/**
 * The safe repairs of the pointer, for `prognos doctor --repair`: an unreadable pointer is put
 * back to the last recorded champion (exactly as recorded, when its artifact loads), and a
 * readable pointer missing from the history is recorded. Anything else is a decision (which
 * version should serve?) and is left to `prognos rollback`.
 * @throws PreconditionFailedError when the pointer changed while repairing
 */
export async function repairChampionFromHistory(store: ObjectStore): Promise<ChampionRepair> {
  const state = await readChampionState(store);
  if (state.kind === 'none') return { repaired: false, reason: 'there is no champion pointer: nothing to repair' };
  if (state.kind === 'readable') {
    const { pointer } = state.current;
    if (await isRecorded(store, pointer)) return { repaired: false, reason: `champion ${pointer.version} is readable and recorded: nothing to repair` };
    await recordChampion(store, pointer);
    return { repaired: true, action: `recorded champion ${pointer.version} in the champion history`, pointer };
  }
  const last = await lastRecordedChampion(store);
  if (last === undefined) return { repaired: false, reason: `${CHAMPION_KEY} is unreadable (${state.problem}) and there is no champion history to restore it from` };
  try {
    await loadModel(store, last.version);
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    return { repaired: false, reason: `the last recorded champion ${last.version} cannot be loaded (${error.message}); choose one with npx prognos rollback` };
  }
  await store.put(CHAMPION_KEY, `${JSON.stringify(last, null, 2)}\n`, { contentType: 'application/json', ifMatch: state.etag });
  return { repaired: true, action: `restored ${CHAMPION_KEY} (it was unreadable: ${state.problem}) to the last recorded champion ${last.version}`, pointer: last };
}
