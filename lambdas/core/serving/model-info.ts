import { isNumeric } from '../contract/contract.ts';
import { isGpManifest } from '../ml/artifact.ts';
import type { DeployedKind } from '../ml/deployed-model.ts';
import type { ThresholdRecord } from '../ml/maintenance-model.ts';
import { reviewLevelOf } from '../ml/review.ts';
import type { ChampionEvaluation, LoadedChampion } from './champion-cache.ts';

/**
 * What `GET /model` tells about the champion: which version serves and since when, the features
 * a request must carry (with units and valid ranges), the threshold, the model's kind and (for a
 * GP) its kernel, the training data size, and the holdout numbers it was promoted on. Everything
 * comes from memory.
 */

/** A request feature as a client needs to know it (no CSV source names: those are ingest's business). */
export type FeatureInfo =
  | { readonly name: string; readonly type: 'number' | 'integer'; readonly unit: string; readonly min: number; readonly max: number; readonly description?: string }
  | { readonly name: string; readonly type: 'categorical'; readonly levels: readonly string[]; readonly description?: string };

export interface ModelInfo {
  readonly modelVersion: string;
  /** When it became the champion, and by which run (or `rollback`). */
  readonly since: string;
  readonly promotedBy: string;
  /** Earlier champions, newest first: the rollback targets. */
  readonly previous: readonly string[];
  readonly createdAt: string;
  readonly contract: { readonly name: string; readonly version: number };
  /** The features of one instance, in contract order. */
  readonly features: readonly FeatureInfo[];
  /** The model's input columns after encoding (categorical levels one-hot). */
  readonly modelInputs: readonly string[];
  readonly threshold: ThresholdRecord;
  /** The model family (artifact kind). */
  readonly kind: DeployedKind;
  /** False for a challenger (logistic regression, boosted trees): its predictions carry no latent mean, sd or review. */
  readonly uncertainty: boolean;
  /** The GP's kernel; null for a model that has none. */
  readonly kernel: { readonly description: string; readonly constant: number; readonly lengthScales: readonly number[] } | null;
  /** logMarginalLikelihood is null for a model that has none (a challenger). */
  readonly training: { readonly rows: number; readonly positives: number; readonly logMarginalLikelihood: number | null };
  /** Holdout numbers and gate verdict from the version's decision record; null when it has none. */
  readonly evaluation: ChampionEvaluation | null;
  /** When this server (or Lambda instance) loaded the model. */
  readonly loadedAt: string;
}

export function modelInfo(champion: LoadedChampion): ModelInfo {
  const { manifest, pointer, contract } = champion;
  return {
    modelVersion: champion.version,
    since: pointer.since,
    promotedBy: pointer.promotedBy,
    previous: pointer.previous,
    createdAt: manifest.createdAt,
    contract: { name: contract.name, version: contract.version },
    features: contract.features.map((f): FeatureInfo => {
      const description = f.description === undefined ? {} : { description: f.description };
      return isNumeric(f)
        ? { name: f.name, type: f.type, unit: f.unit, min: f.min, max: f.max, ...description }
        : { name: f.name, type: f.type, levels: f.levels, ...description };
    }),
    modelInputs: manifest.featureNames,
    // A GP's review level as it applies (the default for artifacts from before the level); a challenger has none.
    threshold: isGpManifest(manifest) ? { ...manifest.threshold, reviewLevel: reviewLevelOf(manifest.threshold) } : manifest.threshold,
    kind: manifest.kind,
    uncertainty: isGpManifest(manifest),
    ...(isGpManifest(manifest)
      ? {
          kernel: { description: manifest.fitSummary.kernel, constant: manifest.kernel.constant, lengthScales: manifest.kernel.lengthScales },
          training: { rows: manifest.nTrain, positives: manifest.fitSummary.nPositive, logMarginalLikelihood: manifest.logMarginalLikelihood },
        }
      : { kernel: null, training: { rows: manifest.nTrain, positives: champion.model.classifier.summary.nPositive, logMarginalLikelihood: null } }),
    evaluation: champion.evaluation,
    loadedAt: champion.loadedAt.toISOString(),
  };
}
