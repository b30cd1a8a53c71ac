import { z } from 'zod';
import { ArtifactError } from '../errors.ts';
import { ObjectNotFoundError, type ObjectStore } from '../ports/object-store.ts';
import { modelVersionSchema } from './version.ts';
import { CHAMPION_KEY } from '../storage-keys.ts';

/**
 * `models/champion.json`: which version serves, and the versions that served before it (newest
 * first) for rollback. Every change is a compare-and-swap on the pointer's etag (champion.ts),
 * so two changes racing cannot both win and a reader always sees one whole pointer.
 *
 * A pointer that cannot be read (truncated, not JSON, another shape, a version that is not one)
 * is a state of its own, not an exception: training goes on without a comparison, Promote
 * replaces it, rollback and doctor fall back to the champion history.
 */

/** How many earlier champions the pointer remembers for rollback. */
export const ROLLBACK_DEPTH = 20;

export const championPointerSchema = z.object({
  version: modelVersionSchema,
  since: z.iso.datetime(),
  /** The run that promoted it, or `rollback`. */
  promotedBy: z.string(),
  previous: z.array(modelVersionSchema).max(ROLLBACK_DEPTH),
  /** Its entry in `models/champion-history/`: one more with every change (0 for pointers written before the history). */
  sequence: z.int().nonnegative().default(0),
});

export type ChampionPointer = z.infer<typeof championPointerSchema>;

export interface CurrentChampion {
  readonly pointer: ChampionPointer;
  /** For the compare-and-swap of the next change. */
  readonly etag: string;
}

/** What `models/champion.json` holds right now. */
export type ChampionState =
  | { readonly kind: 'none' }
  | { readonly kind: 'unreadable'; readonly etag: string; readonly problem: string }
  | { readonly kind: 'readable'; readonly current: CurrentChampion };

/** Parses a pointer's bytes; the problem in words when they are not one. */
export function parseChampionPointer(body: Uint8Array): { pointer: ChampionPointer } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    // Not the parser's message: it quotes the bytes, which may be binary garbage.
    return { problem: body.byteLength === 0 ? 'it is empty' : `it is not JSON (${body.byteLength} bytes)` };
  }
  const parsed = championPointerSchema.safeParse(json);
  if (!parsed.success) return { problem: `it is not a champion pointer: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}` };
  return { pointer: parsed.data };
}

/** The pointer as it is: none, unreadable (and why), or the champion with its etag. Throws only for I/O errors. */
export async function readChampionState(store: ObjectStore): Promise<ChampionState> {
  let object;
  try {
    object = await store.get(CHAMPION_KEY);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return { kind: 'none' };
    throw error;
  }
  const parsed = parseChampionPointer(object.body);
  if ('problem' in parsed) return { kind: 'unreadable', etag: object.etag, problem: parsed.problem };
  return { kind: 'readable', current: { pointer: parsed.pointer, etag: object.etag } };
}

/**
 * The current champion, or undefined before the first promotion; for readers that cannot do
 * without one (serving, scoring).
 * @throws ArtifactError for an unreadable pointer
 */
export async function readChampion(store: ObjectStore): Promise<CurrentChampion | undefined> {
  const state = await readChampionState(store);
  if (state.kind === 'unreadable') throw new ArtifactError(`${CHAMPION_KEY} is unreadable: ${state.problem}`);
  return state.kind === 'none' ? undefined : state.current;
}

/**
 * What a run judged its challenger against, kept in Evaluate's result so Promote can tell whether
 * the pointer still holds it: no champion, an unreadable pointer, or a champion's version.
 */
export const judgedChampionSchema = z.discriminatedUnion('pointer', [
  z.object({ pointer: z.literal('none') }),
  z.object({ pointer: z.literal('unreadable') }),
  z.object({ pointer: z.literal('champion'), version: modelVersionSchema }),
]);
export type JudgedChampion = z.infer<typeof judgedChampionSchema>;

export function judgedChampionOf(state: ChampionState): JudgedChampion {
  if (state.kind === 'readable') return { pointer: 'champion', version: state.current.pointer.version };
  return { pointer: state.kind };
}

export function sameJudgedChampion(a: JudgedChampion, b: JudgedChampion): boolean {
  return a.pointer === b.pointer && (a.pointer !== 'champion' || a.version === (b as typeof a).version);
}

/** "champion V", "no champion", "an unreadable champion.json": for messages. */
export function describeJudgedChampion(judged: JudgedChampion): string {
  if (judged.pointer === 'champion') return `champion ${judged.version}`;
  return judged.pointer === 'none' ? 'no champion' : `an unreadable ${CHAMPION_KEY}`;
}
