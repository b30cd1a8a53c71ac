import { z } from 'zod';
import { ArtifactError } from '../errors.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { assertVersion, MODELS_PREFIX } from './model-store.ts';

/**
 * `models/champion.json`: which version serves, and the versions that served before it (newest
 * first) for rollback. Every change is a compare-and-swap on the pointer's etag, so two
 * promotions racing cannot both win and a reader always sees one whole pointer.
 */

export const CHAMPION_KEY = `${MODELS_PREFIX}champion.json`;

/** How many earlier champions the pointer remembers for rollback. */
export const ROLLBACK_DEPTH = 20;

const championSchema = z.object({
  version: z.string(),
  since: z.iso.datetime(),
  /** The run that promoted it, or `rollback`. */
  promotedBy: z.string(),
  previous: z.array(z.string()).max(ROLLBACK_DEPTH),
});

export type ChampionPointer = z.infer<typeof championSchema>;

export interface CurrentChampion {
  readonly pointer: ChampionPointer;
  /** For the compare-and-swap of the next change. */
  readonly etag: string;
}

/** The current champion, or undefined before the first promotion. @throws ArtifactError for an unreadable pointer */
export async function readChampion(store: ObjectStore): Promise<CurrentChampion | undefined> {
  const head = await store.head(CHAMPION_KEY);
  if (head === undefined) return undefined;
  const { body, etag } = await store.get(CHAMPION_KEY);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch (error) {
    throw new ArtifactError(`${CHAMPION_KEY} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = championSchema.safeParse(json);
  if (!parsed.success) throw new ArtifactError(`${CHAMPION_KEY} is not a champion pointer:\n${z.prettifyError(parsed.error)}`);
  return { pointer: parsed.data, etag };
}

async function swap(store: ObjectStore, current: CurrentChampion | undefined, next: ChampionPointer): Promise<ChampionPointer> {
  await store.put(CHAMPION_KEY, `${JSON.stringify(next, null, 2)}\n`, {
    contentType: 'application/json',
    ...(current === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: current.etag }),
  });
  return next;
}

/**
 * Makes `version` the champion, the current one becoming the first rollback target.
 * `expected` is the champion the caller's decision was based on (undefined: there was none);
 * if another promotion or a rollback happened since, this fails rather than overwrite it.
 * @throws PreconditionFailedError when the champion changed since `expected` was read
 */
export async function promoteChampion(store: ObjectStore, version: string, promotedBy: string, expected: CurrentChampion | undefined, now: Date): Promise<ChampionPointer> {
  assertVersion(version);
  const previous = expected === undefined ? [] : [expected.pointer.version, ...expected.pointer.previous].filter((v) => v !== version).slice(0, ROLLBACK_DEPTH);
  return swap(store, expected, { version, since: now.toISOString(), promotedBy, previous });
}

/**
 * Puts the previous champion back. The version rolled back from is dropped from the history
 * (rolling back twice goes two versions back, as a user expects).
 * @throws RangeError when there is no champion or nothing to roll back to
 * @throws PreconditionFailedError when the champion changed while rolling back
 */
export async function rollbackChampion(store: ObjectStore, now: Date): Promise<{ from: string; to: ChampionPointer }> {
  const current = await readChampion(store);
  if (current === undefined) throw new RangeError('there is no champion yet: nothing to roll back');
  const [target, ...rest] = current.pointer.previous;
  if (target === undefined) throw new RangeError(`champion ${current.pointer.version} is the first one promoted: there is no earlier version to roll back to`);
  const to = await swap(store, current, { version: target, since: now.toISOString(), promotedBy: 'rollback', previous: rest });
  return { from: current.pointer.version, to };
}

