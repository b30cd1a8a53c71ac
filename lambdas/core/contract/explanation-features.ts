import { InvalidDataError } from '../errors.ts';
import type { ExplainedFeature, ExplanationSpace } from '../ml/local-explanation.ts';
import { type DataContract, isCategorical, isNumeric } from './contract.ts';
import { derivedEvaluator } from './derived.ts';
import { modelFeatureNames } from './encode.ts';

/**
 * What a local explanation (ml/local-explanation.ts) may name: the contract's features, the ones
 * a person reads off the machine, in contract order. Their references come from the training
 * means the model's scaler already holds, so every artifact can be explained without storing more:
 *
 * - a numeric feature is set to its training mean (the scaler's mean of its column);
 * - a categorical feature, one-hot encoded, is one feature: all its columns are set to the most
 *   common training level (the one-hot column with the largest mean, i.e. the level's training
 *   share; ties go to the first level in contract order);
 * - derived features are never named: they are recomputed from the perturbed numeric features,
 *   so setting torque to its mean moves power with it, as it would on the machine.
 */
export function explanationSpace(contract: DataContract, trainingMeans: ArrayLike<number>): ExplanationSpace {
  const names = modelFeatureNames(contract);
  if (trainingMeans.length !== names.length) {
    throw new InvalidDataError(`explanation: ${trainingMeans.length} training means for the ${names.length} model columns of contract '${contract.name}'`);
  }
  const numeric = contract.features.filter(isNumeric);
  const features = new Map<string, ExplainedFeature>();
  numeric.forEach((feature, j) => {
    features.set(feature.name, { name: feature.name, columns: [j], referenceColumns: [trainingMeans[j]], reference: trainingMeans[j], valueOf: (row) => row[j] });
  });
  let first = numeric.length;
  for (const feature of contract.features.filter(isCategorical)) {
    const columns = feature.levels.map((_, k) => first + k);
    let common = 0;
    columns.forEach((c, k) => {
      if (trainingMeans[c] > trainingMeans[columns[common]]) common = k;
    });
    features.set(feature.name, {
      name: feature.name,
      columns,
      referenceColumns: columns.map((_, k) => (k === common ? 1 : 0)),
      reference: feature.levels[common],
      valueOf: (row) => {
        const k = columns.findIndex((c) => row[c] === 1);
        return k < 0 ? '' : feature.levels[k];
      },
    });
    first += columns.length;
  }
  const derived = contract.derived.map((feature, d) => ({ column: first + d, evaluate: derivedEvaluator(feature) }));
  const values: Record<string, number> = {};
  return {
    columns: names.length,
    features: contract.features.map((f) => features.get(f.name)!),
    complete(row) {
      if (derived.length === 0) return true;
      numeric.forEach((feature, j) => (values[feature.name] = row[j]));
      for (const { column, evaluate } of derived) {
        row[column] = evaluate(values);
        if (!Number.isFinite(row[column])) return false;
      }
      return true;
    },
  };
}

// One space per model: its references are that model's training means.
const spaces = new WeakMap<object, ExplanationSpace>();

/** The explanation space of a deployed model (its contract, its scaler's training means), built once per model object. */
export function modelExplanationSpace(contract: DataContract, model: { readonly scaler: { readonly mean: Float64Array } }): ExplanationSpace {
  let space = spaces.get(model);
  if (space === undefined) spaces.set(model, (space = explanationSpace(contract, model.scaler.mean)));
  return space;
}

/** Model rows explaining one reading costs: one perturbed copy per contract feature. */
export function explanationCost(contract: DataContract): number {
  return contract.features.length;
}
