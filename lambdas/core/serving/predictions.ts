import { encodeRows } from '../contract/encode.ts';
import { modelExplanationSpace } from '../contract/explanation-features.ts';
import { INSTANCE_ID_KEY, type PredictionInstance } from '../contract/instance.ts';
import { explainRows, type Reason } from '../ml/local-explanation.ts';
import type { LoadedChampion } from './champion-cache.ts';
import { needsReview, reviewLevelOf } from '../ml/review.ts';

/** What `POST /predict` answers: one prediction per instance, in request order. */
export interface PredictResponse {
  readonly modelVersion: string;
  /** The champion's decision threshold on the probability. */
  readonly threshold: number;
  readonly predictions: readonly InstancePrediction[];
}

export interface InstancePrediction {
  /** The instance's own `id`, when the request gave one. */
  readonly id?: string | number;
  /** P(needs maintenance), averaged over the model's uncertainty about the latent function. */
  readonly probability: number;
  /** 1 = needs maintenance: probability ≥ threshold. */
  readonly label: 0 | 1;
  /** Mean of the latent function f (the log-odds scale); absent for a model without uncertainty. */
  readonly latentMean?: number;
  /** Standard deviation of f: how unsure the model is about this reading; absent for a model without uncertainty. */
  readonly latentStd?: number;
  /** True when the chance that the reading lies on the other side of the threshold from `label` exceeds the model's review level: a person should look. Absent, not invented, for a model without uncertainty. */
  readonly review?: boolean;
  /** With `explain: true`: the features that move this probability most, largest change first (docs/serving.md). */
  readonly reasons?: readonly Reason[];
  readonly modelVersion: string;
}

export interface PredictInstancesOptions {
  /** Add each instance's reasons. @default false */
  readonly explain?: boolean;
}

/** Scores instances already checked against the champion's contract. */
export function predictInstances(champion: LoadedChampion, instances: readonly PredictionInstance[], options: PredictInstancesOptions = {}): PredictResponse {
  const { model, version } = champion;
  const threshold = model.threshold.value;
  const level = reviewLevelOf(model.threshold);
  const x = encodeRows(champion.contract, instances);
  const p = model.predict(x);
  const reasons = options.explain === true ? explainRows(model, x, modelExplanationSpace(champion.contract, model), { probability: p.probability }) : undefined;
  const predictions = instances.map((instance, i): InstancePrediction => ({
    ...(instance[INSTANCE_ID_KEY] === undefined ? {} : { id: instance[INSTANCE_ID_KEY] }),
    probability: p.probability[i],
    label: p.label[i] === 1 ? 1 : 0,
    ...(p.latentMean === null ? {} : { latentMean: p.latentMean[i], latentStd: p.latentStd[i], review: needsReview(p.latentMean[i], p.latentStd[i], threshold, level) }),
    ...(reasons === undefined ? {} : { reasons: reasons[i] }),
    modelVersion: version,
  }));
  return { modelVersion: version, threshold, predictions };
}
