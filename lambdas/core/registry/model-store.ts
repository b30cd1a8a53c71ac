import { type DataContract, parseContract } from '../contract/contract.ts';
import { ArtifactError } from '../errors.ts';
import { type ArtifactInfo, type ArtifactManifest, deserializeModel, MANIFEST_FILE, parseManifest, serializeModel } from '../ml/artifact.ts';
import type { DeployedModel } from '../ml/deployed-model.ts';
import { ObjectNotFoundError, type ObjectStore } from '../ports/object-store.ts';
import { assertVersion, isVersion } from './version.ts';
import { MODELS_PREFIX } from '../storage-keys.ts';

/**
 * Model versions in the object store: `models/<version>/model/` holds the artifact (payloads
 * first, manifest last, so a version is complete once its manifest exists); the version folder
 * also holds the run's training record, evaluation, decision and report.
 */

export { assertVersion } from './version.ts';

/** Key of a file that belongs to one model version, e.g. `models/<v>/report.html`. */
export function versionKey(version: string, file: string): string {
  assertVersion(version);
  return `${MODELS_PREFIX}${version}/${file}`;
}

function artifactKey(version: string, file: string): string {
  return versionKey(version, `model/${file}`);
}

/** Writes the artifact of `version`; the manifest goes last, after every payload is stored. */
export async function saveModel(store: ObjectStore, version: string, model: DeployedModel, info: Omit<ArtifactInfo, 'modelVersion'>): Promise<string> {
  const files = serializeModel(model, { ...info, modelVersion: version });
  const payloads = [...files].filter(([file]) => file !== MANIFEST_FILE);
  await Promise.all(payloads.map(([file, bytes]) => store.put(artifactKey(version, file), bytes)));
  const manifestKey = artifactKey(version, MANIFEST_FILE);
  await store.put(manifestKey, files.get(MANIFEST_FILE)!, { contentType: 'application/json' });
  return manifestKey;
}

async function getOrArtifactError(store: ObjectStore, key: string, what: string): Promise<Uint8Array> {
  try {
    return (await store.get(key)).body;
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new ArtifactError(`${what}: ${key} does not exist`);
    throw error;
  }
}

function decodeManifest(version: string, bytes: Uint8Array): ArtifactManifest {
  try {
    return parseManifest(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (error) {
    if (error instanceof ArtifactError) throw new ArtifactError(`model ${version}: ${error.message}`, { cause: error });
    throw new ArtifactError(`model ${version}: manifest is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** The manifest alone (metrics, threshold, features): cheap, for listings. */
export async function loadManifest(store: ObjectStore, version: string): Promise<ArtifactManifest> {
  return decodeManifest(version, await getOrArtifactError(store, artifactKey(version, MANIFEST_FILE), `model ${version}`));
}

/**
 * Loads and verifies (checksums, shapes) the artifact of `version`.
 * @throws ArtifactError naming the version for a missing, corrupt or incompatible artifact
 */
export async function loadModel(store: ObjectStore, version: string): Promise<{ model: DeployedModel; manifest: ArtifactManifest }> {
  const manifestBytes = await getOrArtifactError(store, artifactKey(version, MANIFEST_FILE), `model ${version}`);
  const files = new Map<string, Uint8Array>([[MANIFEST_FILE, manifestBytes]]);
  await Promise.all(
    decodeManifest(version, manifestBytes).payloads.map(async (entry) => {
      files.set(entry.file, await getOrArtifactError(store, artifactKey(version, entry.file), `model ${version}`));
    }),
  );
  try {
    return deserializeModel(files);
  } catch (error) {
    if (error instanceof ArtifactError) throw new ArtifactError(`model ${version}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Every version with a complete artifact (a manifest), oldest first. */
export async function listVersions(store: ObjectStore): Promise<string[]> {
  const suffix = `/model/${MANIFEST_FILE}`;
  return (await store.list(MODELS_PREFIX))
    .map((object) => object.key)
    .filter((key) => key.endsWith(suffix))
    .map((key) => key.slice(MODELS_PREFIX.length, -suffix.length))
    .filter(isVersion)
    .sort();
}

/** Reads a JSON document of a version (evaluation.json, decision.json, training.json …). */
export async function readJson(store: ObjectStore, key: string): Promise<unknown> {
  const { body } = await store.get(key);
  return JSON.parse(new TextDecoder().decode(body));
}

export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.put(key, `${JSON.stringify(value, null, 2)}\n`, { contentType: 'application/json' });
}

/**
 * The data contract a model was trained with (Train stores it in `extra.contract`), so its inputs
 * are validated and encoded as they were in training; `fallback` for an artifact that carries
 * none (written before contracts were stored with models).
 * @throws ArtifactError when there is neither
 */
export function contractOf(manifest: ArtifactManifest, fallback: DataContract | undefined): DataContract {
  const carried = manifest.extra?.contract;
  if (carried !== undefined) return parseContract(carried);
  if (fallback !== undefined) return fallback;
  throw new ArtifactError(`model ${manifest.modelVersion} carries no data contract, so its inputs cannot be validated`);
}
