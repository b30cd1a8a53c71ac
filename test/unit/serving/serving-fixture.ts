/**
 * A real, small champion for the serving tests: a MaintenanceModel trained on a few hundred
 * generated AI4I readings encoded with the default contract, saved with that contract (as the
 * Train step saves it) and, when asked, a decision record (as the Gate step writes it).
 */
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { encodeRows, labelsOf, modelFeatureNames } from '../../../lambdas/core/contract/encode.ts';
import type { PredictionInstance } from '../../../lambdas/core/contract/instance.ts';
import { makeAi4iReadings } from '../../../lambdas/cli/sample-data/ai4i.ts';
import { GradientBoostingClassifier } from '../../../lambdas/core/ml/boosting/gradient-boosting.ts';
import { type ChallengerClassifier, type ChallengerKind, ChallengerModel } from '../../../lambdas/core/ml/challenger-model.ts';
import type { DeployedModel } from '../../../lambdas/core/ml/deployed-model.ts';
import { LogisticRegression } from '../../../lambdas/core/ml/logistic/logistic-regression.ts';
import { MaintenanceModel } from '../../../lambdas/core/ml/maintenance-model.ts';
import { StandardScaler } from '../../../lambdas/core/ml/scaler.ts';
import type { ObjectStore } from '../../../lambdas/core/ports/object-store.ts';
import { saveModel, versionKey, writeJson } from '../../../lambdas/core/registry/model-store.ts';
import { FIXED_NOW } from '../../support/pipeline-fixture.ts';

/** A valid instance of the default contract: an ordinary reading, far from any failure rule. */
export const INSTANCE: PredictionInstance = {
  air_temperature_k: 298.1,
  process_temperature_k: 308.6,
  rotational_speed_rpm: 1551,
  torque_nm: 42.8,
  tool_wear_min: 0,
  product_type: 'M',
};

/** A reading that breaks the power-failure rule (power = torque × speed far above 9 kW). */
export const FAILING_INSTANCE: PredictionInstance = { ...INSTANCE, rotational_speed_rpm: 2800, torque_nm: 76 };

/** Generated readings as API instances (contract feature names, values rounded like the published file). */
export function ai4iInstances(rows: number, seed: number): { instances: PredictionInstance[]; labels: number[] } {
  const readings = makeAi4iReadings(rows, { seed });
  const tenth = (value: number): number => Math.round(value * 10) / 10;
  return {
    instances: readings.map((r) => ({
      air_temperature_k: tenth(r.air_temperature_k),
      process_temperature_k: tenth(r.process_temperature_k),
      rotational_speed_rpm: Math.round(r.rotational_speed_rpm),
      torque_nm: tenth(r.torque_nm),
      tool_wear_min: Math.round(r.tool_wear_min),
      product_type: r.type,
    })),
    labels: readings.map((r) => r.machine_failure),
  };
}

/** Trains on `rows` generated readings as the Train step does (kernel optimised, threshold from leave-one-out); under a second. */
export function trainServingModel(rows = 400, seed = 11): MaintenanceModel {
  const { instances, labels } = ai4iInstances(rows, seed);
  const X = encodeRows(DEFAULT_CONTRACT, instances);
  const y = labelsOf(DEFAULT_CONTRACT, labels.map((label) => ({ [DEFAULT_CONTRACT.label.name]: label })));
  return MaintenanceModel.train({ X, y, featureNames: modelFeatureNames(DEFAULT_CONTRACT) }, { targetRecall: 0.8 });
}

/** A challenger trained on the same readings as {@link trainServingModel}, threshold from 5-fold out-of-fold scores. */
export function trainChallengerServingModel(kind: ChallengerKind, rows = 400, seed = 11): ChallengerModel {
  const { instances, labels } = ai4iInstances(rows, seed);
  const X = encodeRows(DEFAULT_CONTRACT, instances);
  const y = labelsOf(DEFAULT_CONTRACT, labels.map((label) => ({ [DEFAULT_CONTRACT.label.name]: label })));
  const trainingSet = { X, y, featureNames: modelFeatureNames(DEFAULT_CONTRACT) };
  const fit = (x: typeof X, t: Uint8Array): ChallengerClassifier =>
    kind === 'logistic-regression' ? LogisticRegression.fit(x, t) : GradientBoostingClassifier.fit(x, t, { maxIterations: 60, earlyStopping: false });
  return ChallengerModel.train(trainingSet, new StandardScaler().fit(X), fit, { targetRecall: 0.8 });
}

/** Holdout numbers as the Gate step records them for `version`. */
export function decisionFor(version: string) {
  return {
    promote: true,
    checks: [{ name: 'recall target', passed: true, detail: 'holdout recall 0.900 ≥ target 0.800' }],
    summary: `promote ${version}: holdout recall 0.900 ≥ target 0.800`,
    decidedAt: FIXED_NOW.toISOString(),
    version,
    runName: 'test-run',
    minRecall: 0.8,
    margin: 0.02,
    challenger: { version, recall: 0.9, precision: 0.25, averagePrecision: 0.61, rocAuc: 0.95, threshold: 0.04 },
    champion: null,
    championNote: null,
  };
}

/** Saves `model` as `version` with the default contract in its manifest, and its decision record unless told not to. */
export async function saveServingModel(store: ObjectStore, version: string, model: DeployedModel, options: { decision?: boolean } = {}): Promise<void> {
  await saveModel(store, version, model, { createdAt: FIXED_NOW.toISOString(), extra: { runName: 'test-run', mode: 'full', contract: DEFAULT_CONTRACT } });
  if (options.decision ?? true) await writeJson(store, versionKey(version, 'decision.json'), decisionFor(version));
}
