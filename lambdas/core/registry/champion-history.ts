import type { ObjectStore } from '../ports/object-store.ts';
import { type ChampionPointer, parseChampionPointer } from './champion-pointer.ts';
import { CHAMPION_HISTORY_KEY_PATTERN, CHAMPION_HISTORY_PREFIX, championHistoryKey } from '../storage-keys.ts';

/**
 * `models/champion-history/<sequence>.json`: every pointer `champion.json` has held, one file per
 * change (promotion, rollback), named by the pointer's `sequence` (zero-padded, so keys sort in
 * order). The pointer is the commit point; its history entry is written right after a swap
 * succeeds, and a change also writes the entry of the pointer it replaces if that one is missing
 * (a crash between swap and entry). So the newest entry stands in for an unreadable pointer: it
 * says which version served last and what served before it.
 */

/** Writes the entry of `pointer` (idempotent: the same sequence always holds the same pointer). */
export async function recordChampion(store: ObjectStore, pointer: ChampionPointer): Promise<void> {
  await store.put(championHistoryKey(pointer.sequence), `${JSON.stringify(pointer, null, 2)}\n`, { contentType: 'application/json' });
}

/** Whether the history has an entry for this pointer's sequence. */
export async function isRecorded(store: ObjectStore, pointer: ChampionPointer): Promise<boolean> {
  return (await store.head(championHistoryKey(pointer.sequence))) !== undefined;
}

export interface ChampionHistory {
  /** Readable entries, oldest first. */
  readonly entries: readonly ChampionPointer[];
  /** Entries that could not be read, with why (doctor reports them; they are skipped). */
  readonly unreadable: readonly { readonly key: string; readonly problem: string }[];
}

/** The whole history, oldest first. */
export async function readChampionHistory(store: ObjectStore): Promise<ChampionHistory> {
  const keys = (await store.list(CHAMPION_HISTORY_PREFIX)).map((object) => object.key).filter((key) => CHAMPION_HISTORY_KEY_PATTERN.test(key));
  const entries: ChampionPointer[] = [];
  const unreadable: { key: string; problem: string }[] = [];
  for (const key of keys) {
    const parsed = parseChampionPointer((await store.get(key)).body);
    if ('problem' in parsed) unreadable.push({ key, problem: parsed.problem });
    else if (championHistoryKey(parsed.pointer.sequence) !== key) unreadable.push({ key, problem: `it holds sequence ${parsed.pointer.sequence}` });
    else entries.push(parsed.pointer);
  }
  return { entries, unreadable };
}

/** The newest readable entry: the last champion recorded. */
export async function lastRecordedChampion(store: ObjectStore): Promise<ChampionPointer | undefined> {
  return (await readChampionHistory(store)).entries.at(-1);
}
