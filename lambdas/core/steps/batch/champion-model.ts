import { z } from 'zod';
import type { DataContract } from '../../contract/contract.ts';
import { trainingReferenceSchema } from '../../drift/schemas.ts';
import { ArtifactError } from '../../errors.ts';
import type { TrainingReference } from '../../drift/types.ts';
import type { ArtifactManifest } from '../../ml/artifact.ts';
import type { DeployedModel } from '../../ml/deployed-model.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { readChampion } from '../../registry/champion.ts';
import { contractOf, loadModel } from '../../registry/model-store.ts';
import { NoChampionError } from './errors.ts';

/**
 * The serving model as batch inference needs it: the champion's artifact, the data contract it
 * was trained with (rows are validated against that one, not against whatever the deployment
 * has since), and its training reference for drift. A version's artifact never changes, so the
 * last one loaded is kept per store: the files of a batch (and a warm Lambda's next batch) load
 * it once.
 */

export interface ServingModel {
  readonly version: string;
  readonly model: DeployedModel;
  readonly manifest: ArtifactManifest;
  readonly contract: DataContract;
  /** undefined for models trained before drift monitoring: drift is skipped for them. */
  readonly reference: TrainingReference | undefined;
}

const cache = new WeakMap<ObjectStore, Promise<ServingModel>>();

/**
 * @param fallbackContract used when the artifact carries no contract (older models)
 * @throws NoChampionError when no model has been promoted yet
 */
export async function loadServingModel(store: ObjectStore, fallbackContract: DataContract): Promise<ServingModel> {
  const champion = await readChampion(store);
  if (champion === undefined) throw new NoChampionError('there is no champion yet: train and promote a model before scoring (npx prognos run)');
  const version = champion.pointer.version;
  const cached = cache.get(store);
  if (cached !== undefined) {
    const serving = await cached.catch(() => undefined);
    if (serving?.version === version) return serving;
  }
  const loading = load(store, version, fallbackContract);
  cache.set(store, loading);
  return loading;
}

async function load(store: ObjectStore, version: string, fallbackContract: DataContract): Promise<ServingModel> {
  const { model, manifest } = await loadModel(store, version);
  return { version, model, manifest, contract: contractOf(manifest, fallbackContract), reference: trainingReferenceOf(manifest.extra?.trainingReference, version) };
}

/**
 * The reference Train stores in `manifest.extra.trainingReference`; undefined when there is none
 * (a model trained before drift monitoring).
 * @throws ArtifactError when there is one but it is not a reference this build reads
 */
export function trainingReferenceOf(value: unknown, version: string): TrainingReference | undefined {
  if (value === undefined) return undefined;
  const parsed = trainingReferenceSchema.safeParse(value);
  if (!parsed.success) throw new ArtifactError(`model ${version}: its training reference is not readable:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
