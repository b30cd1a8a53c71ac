import { z } from 'zod';
import type { DataContract } from '../contract/contract.ts';
import { modelFeatureNames } from '../contract/encode.ts';
import { ArtifactError } from '../errors.ts';
import type { ArtifactManifest } from '../ml/artifact.ts';
import type { DeployedModel } from '../ml/deployed-model.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { type ChampionPointer, readChampion } from '../registry/champion.ts';
import { decisionKey, type Headline, headlineSchema } from '../registry/decision-record.ts';
import { contractOf, loadModel, readJson } from '../registry/model-store.ts';
import { CHAMPION_KEY } from '../storage-keys.ts';

/**
 * The serving model, kept in memory between requests (a warm Lambda, `prognos serve`): loaded on
 * first use, and replaced when `models/champion.json` changes. Changes are noticed by the
 * pointer's etag, checked with one HEAD at most every `refreshIntervalMs`. A new champion that
 * cannot be loaded never takes the service down: it is reported, the previous one keeps serving,
 * and the new one is tried again at the next check.
 */

/** The holdout numbers and gate verdict of the serving version, from its `decision.json`. */
export interface ChampionEvaluation {
  /** The challenger's headline on the holdout when it was gated: recall, precision, AP, ROC AUC, threshold. */
  readonly holdout: Headline;
  readonly minRecall: number;
  readonly summary: string;
  readonly decidedAt: string;
}

/** Everything a request needs, loaded once per champion. */
export interface LoadedChampion {
  readonly version: string;
  readonly pointer: ChampionPointer;
  /** Etag of the `models/champion.json` this was loaded for. */
  readonly pointerEtag: string;
  readonly model: DeployedModel;
  readonly manifest: ArtifactManifest;
  /** The contract the model was trained under (carried in its artifact): the request schema. */
  readonly contract: DataContract;
  /** Null when the version has no (readable) decision record, e.g. promoted by hand. */
  readonly evaluation: ChampionEvaluation | null;
  readonly loadedAt: Date;
}

/** What the API needs of a champion cache (a fake in a test, ChampionCache otherwise). */
export interface ChampionSource {
  /**
   * The serving champion, loading or refreshing it first if due; undefined when there is none.
   * @throws ChampionLoadError when there is a champion but it cannot be loaded and none was before
   */
  current(): Promise<LoadedChampion | undefined>;
  /** The champion in memory, without any I/O (for health checks); undefined before the first load. */
  loaded(): LoadedChampion | undefined;
}

/** A champion (or the pointer to it) that could not be loaded; `cause` says why. */
export class ChampionLoadError extends Error {
  override readonly name = 'ChampionLoadError' as const;
  constructor(
    message: string,
    /** The version that failed, when the pointer could be read. */
    readonly version: string | undefined,
    /** The version that keeps serving instead, if any. */
    readonly serving: string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

export interface ChampionCacheOptions {
  /** Least time between two checks of `models/champion.json`; 0 checks on every call. @default 5000 */
  readonly refreshIntervalMs?: number;
  /** Told about every champion that fails to load (the service goes on). @default ignore */
  readonly onError?: (error: ChampionLoadError) => void;
  /** The contract for an artifact that carries none (written before contracts were stored with models). */
  readonly fallbackContract?: DataContract;
  /** Milliseconds clock for the refresh interval. @default Date.now */
  readonly now?: () => number;
}

export const DEFAULT_REFRESH_INTERVAL_MS = 5000;


// Only the fields served; the record has more (checks, champion), which may change freely.
const decisionSchema = z.looseObject({ summary: z.string(), decidedAt: z.string(), minRecall: z.number(), challenger: headlineSchema });

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ChampionCache implements ChampionSource {
  readonly #store: ObjectStore;
  readonly #intervalMs: number;
  readonly #onError: (error: ChampionLoadError) => void;
  readonly #fallbackContract: DataContract | undefined;
  readonly #now: () => number;
  #current: LoadedChampion | undefined;
  /** Why nothing can be served, kept until the next check (so a broken first champion is not reloaded per request). */
  #failure: ChampionLoadError | undefined;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<LoadedChampion | undefined> | undefined;

  constructor(store: ObjectStore, options: ChampionCacheOptions = {}) {
    const intervalMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    if (!(Number.isFinite(intervalMs) && intervalMs >= 0)) throw new RangeError(`refreshIntervalMs must be a number ≥ 0, got ${intervalMs}`);
    this.#store = store;
    this.#intervalMs = intervalMs;
    this.#onError = options.onError ?? (() => undefined);
    this.#fallbackContract = options.fallbackContract;
    this.#now = options.now ?? Date.now;
  }

  current(): Promise<LoadedChampion | undefined> {
    // Callers arriving during a check wait for it rather than start their own.
    if (this.#pending !== undefined) return this.#pending;
    if (this.#now() - this.#checkedAt < this.#intervalMs) {
      return this.#current === undefined && this.#failure !== undefined ? Promise.reject(this.#failure) : Promise.resolve(this.#current);
    }
    const pending = this.#check().finally(() => {
      this.#pending = undefined;
    });
    this.#pending = pending;
    return pending;
  }

  loaded(): LoadedChampion | undefined {
    return this.#current;
  }

  async #check(): Promise<LoadedChampion | undefined> {
    this.#checkedAt = this.#now();
    let version: string | undefined;
    try {
      const head = await this.#store.head(CHAMPION_KEY);
      if (head !== undefined && head.etag === this.#current?.pointerEtag) return this.#current;
      const pointer = head === undefined ? undefined : await readChampion(this.#store);
      version = pointer?.pointer.version;
      // No pointer: nothing has been promoted (or an operator removed it): nothing serves.
      this.#current = pointer === undefined ? undefined : await this.#load(pointer.pointer, pointer.etag);
      this.#failure = undefined;
      return this.#current;
    } catch (error) {
      const serving = this.#current?.version;
      const what = version === undefined ? `cannot read ${CHAMPION_KEY}` : `champion ${version} cannot be loaded`;
      const failure = new ChampionLoadError(`${what}: ${messageOf(error)}; ${serving === undefined ? 'no model is serving' : `model ${serving} keeps serving`}`, version, serving, { cause: error });
      this.#onError(failure);
      if (this.#current !== undefined) return this.#current;
      this.#failure = failure;
      throw failure;
    }
  }

  async #load(pointer: ChampionPointer, pointerEtag: string): Promise<LoadedChampion> {
    // Same version, new pointer (e.g. promoted again): the model in memory is still the right one.
    if (this.#current !== undefined && this.#current.version === pointer.version) return { ...this.#current, pointer, pointerEtag };
    const { model, manifest } = await loadModel(this.#store, pointer.version);
    const contract = contractOf(manifest, this.#fallbackContract);
    const expected = modelFeatureNames(contract);
    if (expected.join(',') !== model.featureNames.join(',')) {
      throw new ArtifactError(`model ${pointer.version} takes the columns ${model.featureNames.join(', ')}, but its contract encodes ${expected.join(', ')}`);
    }
    return {
      version: pointer.version,
      pointer,
      pointerEtag,
      model,
      manifest,
      contract,
      evaluation: await this.#evaluation(pointer.version),
      loadedAt: new Date(this.#now()),
    };
  }

  /** The decision record is metadata: a missing one is normal, an unreadable one is reported but serves on. */
  async #evaluation(version: string): Promise<ChampionEvaluation | null> {
    const key = decisionKey(version);
    try {
      if ((await this.#store.head(key)) === undefined) return null;
      const { summary, decidedAt, minRecall, challenger } = decisionSchema.parse(await readJson(this.#store, key));
      return { holdout: challenger, minRecall, summary, decidedAt };
    } catch (error) {
      this.#onError(new ChampionLoadError(`${key} is unreadable (${messageOf(error)}); model ${version} serves without holdout metrics`, version, version, { cause: error }));
      return null;
    }
  }
}
