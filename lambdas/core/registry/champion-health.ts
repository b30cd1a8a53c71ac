import { ArtifactError } from '../errors.ts';
import type { ArtifactManifest } from '../ml/artifact.ts';
import type { DeployedModel } from '../ml/deployed-model.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { isRecorded, lastRecordedChampion } from './champion-history.ts';
import { type ChampionPointer, type ChampionState, type CurrentChampion, readChampionState } from './champion-pointer.ts';
import { loadModel } from './model-store.ts';
import { CHAMPION_KEY } from '../storage-keys.ts';

/**
 * Whether the champion can be used, as a typed verdict rather than an exception: Train (refit),
 * Evaluate (the comparison) and `prognos doctor` each decide what a corrupt champion means for
 * them, and none of them stops because of it.
 */

export type ChampionVerdict =
  | { readonly kind: 'none' }
  /** `champion.json` cannot be read; `lastRecorded` is the newest history entry, if any. */
  | { readonly kind: 'unreadable-pointer'; readonly state: Extract<ChampionState, { kind: 'unreadable' }>; readonly problem: string; readonly lastRecorded: ChampionPointer | undefined }
  /** The pointer is fine, the version it names is not: missing, corrupt manifest, checksum, shapes. */
  | { readonly kind: 'unloadable-model'; readonly state: Extract<ChampionState, { kind: 'readable' }>; readonly current: CurrentChampion; readonly pointer: ChampionPointer; readonly problem: string }
  | {
      readonly kind: 'usable';
      readonly state: Extract<ChampionState, { kind: 'readable' }>;
      readonly current: CurrentChampion;
      readonly pointer: ChampionPointer;
      readonly model: DeployedModel;
      readonly manifest: ArtifactManifest;
      /** False when a crash kept the pointer out of the champion history (doctor records it). */
      readonly recorded: boolean;
    };

/** Reads the pointer and loads (verifies) the artifact it names. Throws only for I/O errors. */
export async function inspectChampion(store: ObjectStore): Promise<ChampionVerdict> {
  const state = await readChampionState(store);
  if (state.kind === 'none') return state;
  if (state.kind === 'unreadable') {
    return { kind: 'unreadable-pointer', state, problem: `${CHAMPION_KEY} is unreadable: ${state.problem}`, lastRecorded: await lastRecordedChampion(store) };
  }
  const { current } = state;
  try {
    const { model, manifest } = await loadModel(store, current.pointer.version);
    return { kind: 'usable', state, current, pointer: current.pointer, model, manifest, recorded: await isRecorded(store, current.pointer) };
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    const problem = error.message.startsWith(`model ${current.pointer.version}`) ? error.message : `model ${current.pointer.version}: ${error.message}`;
    return { kind: 'unloadable-model', state, current, pointer: current.pointer, problem: `champion ${current.pointer.version} cannot be loaded (${problem})` };
  }
}
