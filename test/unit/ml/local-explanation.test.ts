import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { encodeRows, labelsOf, modelFeatureNames } from '../../../lambdas/core/contract/encode.ts';
import { explanationSpace } from '../../../lambdas/core/contract/explanation-features.ts';
import { ChallengerModel } from '../../../lambdas/core/ml/challenger-model.ts';
import type { DenseMatrix } from '../../../lambdas/core/ml/dense.ts';
import { explainRows, featureChanges } from '../../../lambdas/core/ml/local-explanation.ts';
import { LogisticRegression } from '../../../lambdas/core/ml/logistic/logistic-regression.ts';
import { reasonText } from '../../../lambdas/core/ml/reason-text.ts';
import { StandardScaler } from '../../../lambdas/core/ml/scaler.ts';
import { MaintenanceModel, type ThresholdRecord } from '../../../lambdas/core/ml/maintenance-model.ts';
import { ai4iInstances, trainChallengerServingModel, trainServingModel } from '../serving/serving-fixture.ts';

function trainingSet(rows: number, seed: number) {
  const { instances, labels } = ai4iInstances(rows, seed);
  const y = labelsOf(DEFAULT_CONTRACT, labels.map((label) => ({ [DEFAULT_CONTRACT.label.name]: label })));
  return { X: encodeRows(DEFAULT_CONTRACT, instances), y, featureNames: NAMES };
}

/**
 * Local explanations on a logistic regression with coefficients set by hand, so every change has
 * a closed form: p = σ(b + Σ w_j (x_j − μ_j) / s_j), and setting feature j to its reference μ_j
 * removes its term. Golden values computed with Python's math.exp.
 */

// Model columns of the default contract: 5 sensors, product_type L/M/H, power, temperature difference, strain.
const NAMES = modelFeatureNames(DEFAULT_CONTRACT);
const MEAN = [300, 310, 1500, 40, 100, 0.6, 0.3, 0.1, 6000, 10, 4000];
const SCALE = [2, 1.5, 180, 10, 60, 0.49, 0.46, 0.3, 1000, 1, 3000];
const THRESHOLD: ThresholdRecord = { value: 0.1, targetRecall: 0.9, recall: 0.9, precision: 0.2, source: 'out-of-fold', rocAuc: 0.9 };

function logistic(coefficients: Record<string, number>, intercept = -3): ChallengerModel {
  const classifier = LogisticRegression.load({
    kind: 'logistic-regression',
    formatVersion: 1,
    coefficients: NAMES.map((name) => coefficients[name] ?? 0),
    intercept,
    summary: { nTrain: 100, nPositive: 10, nFeatures: NAMES.length, C: 1, classWeight: 'balanced', weights: { negative: 1, positive: 1 }, iterations: 1, converged: true, objective: 0, gradientNorm: 0 },
  });
  const scaler = StandardScaler.load({ kind: 'StandardScaler', version: 1, mean: MEAN, scale: SCALE });
  return new ChallengerModel(NAMES, scaler, classifier, THRESHOLD);
}

const READING = { air_temperature_k: 304, process_temperature_k: 312, rotational_speed_rpm: 1500, torque_nm: 50, tool_wear_min: 100, product_type: 'H' };
const space = explanationSpace(DEFAULT_CONTRACT, MEAN);
const model = logistic({ air_temperature_k: 0.5, torque_nm: 1.5, product_type_l: 0.8, product_type_h: -0.8 });

describe('explanationSpace', () => {
  it('names the contract features, a categorical one once, with training means and the most common level as references', () => {
    expect(space.features.map((f) => f.name)).toEqual(DEFAULT_CONTRACT.features.map((f) => f.name));
    expect(space.features.map((f) => f.reference)).toEqual([300, 310, 1500, 40, 100, 'L']);
    const type = space.features.find((f) => f.name === 'product_type')!;
    expect(type.columns).toEqual([5, 6, 7]);
    expect(type.referenceColumns).toEqual([1, 0, 0]);
  });

  it('refuses means that do not fit the contract', () => {
    expect(() => explanationSpace(DEFAULT_CONTRACT, [1, 2, 3])).toThrow(/3 training means for the 11 model columns/);
  });
});

describe('explainRows', () => {
  const x = encodeRows(DEFAULT_CONTRACT, [READING]);

  it('gives the change to the reference of every feature (golden values)', () => {
    const [changes] = featureChanges(model, x, space);
    const byName = Object.fromEntries(space.features.map((f, j) => [f.name, changes[j]]));
    expect(byName.air_temperature_k).toBeCloseTo(0.012698300543160838, 14);
    expect(byName.torque_nm).toBeCloseTo(0.015652538756082766, 14);
    expect(byName.product_type).toBeCloseTo(-0.5831770448201393, 14);
  });

  it('gives exactly 0 to a feature the model ignores, and does not name it', () => {
    const [changes] = featureChanges(model, x, space);
    // process temperature and tool wear have coefficient 0, and so have the derived features they feed.
    expect(changes[1]).toBe(0);
    expect(changes[4]).toBe(0);
    // Speed equals its training mean: 0 without a prediction.
    expect(changes[2]).toBe(0);
    const [reasons] = explainRows(model, x, space, { topK: 6 });
    expect(reasons.map((r) => r.feature)).toEqual(['product_type', 'torque_nm', 'air_temperature_k']);
  });

  it('orders reasons by |change|, largest first, and keeps the top k', () => {
    const [reasons] = explainRows(model, x, space, { topK: 2 });
    expect(reasons).toEqual([
      { feature: 'product_type', value: 'H', reference: 'L', change: expect.closeTo(-0.5831770448201393, 14) },
      { feature: 'torque_nm', value: 50, reference: 40, change: expect.closeTo(0.015652538756082766, 14) },
    ]);
  });

  it('signs the change: a value that raises the risk is positive, one that lowers it negative', () => {
    const low = encodeRows(DEFAULT_CONTRACT, [{ ...READING, air_temperature_k: 296 }]);
    const [reasons] = explainRows(model, low, space, { topK: 6 });
    const air = reasons.find((r) => r.feature === 'air_temperature_k')!;
    expect(air.change).toBeCloseTo(-0.004754658583525475, 14);
    expect(air.value).toBe(296);
  });

  it('recomputes derived features: a model of power alone is explained by torque and speed', () => {
    const power = logistic({ power_w: 1 });
    const [changes] = featureChanges(power, encodeRows(DEFAULT_CONTRACT, [{ ...READING, rotational_speed_rpm: 1600 }]), space);
    const byName = Object.fromEntries(space.features.map((f, j) => [f.name, changes[j]]));
    expect(byName.torque_nm).toBeGreaterThan(0);
    expect(byName.rotational_speed_rpm).toBeGreaterThan(0);
    expect(byName.air_temperature_k).toBe(0);
    expect(byName.product_type).toBe(0);
  });

  it('scores every perturbed copy of every reading in one predict call, and uses given probabilities as they are', () => {
    const calls: number[] = [];
    const counting = { predict: (m: DenseMatrix) => (calls.push(m.rows), model.predict(m)) };
    const two = encodeRows(DEFAULT_CONTRACT, [READING, { ...READING, product_type: 'L' }]);
    const withBase = explainRows(counting, two, space);
    // Row 1: air, process, torque, type (speed and wear are at their means); row 2: the same but type (at its reference); then both readings.
    expect(calls).toEqual([4 + 3 + 2]);
    const given = explainRows(counting, two, space, { probability: model.predict(two).probability });
    expect(calls).toEqual([9, 7]);
    expect(given).toEqual(withBase);
  });

  it('refuses a topK that is not a positive integer', () => {
    expect(() => explainRows(model, x, space, { topK: 0 })).toThrow(RangeError);
  });

  it('works for every model kind', () => {
    const readings = encodeRows(DEFAULT_CONTRACT, [READING, { ...READING, torque_nm: 70, rotational_speed_rpm: 1300, tool_wear_min: 210 }]);
    const sparse = MaintenanceModel.trainSparse(trainingSet(200, 3), { sparse: { inducingPoints: 16, seed: 1 } });
    for (const deployed of [trainServingModel(200, 3), sparse, trainChallengerServingModel('logistic-regression', 200, 3), trainChallengerServingModel('gradient-boosting', 200, 3)]) {
      const trained = explanationSpace(DEFAULT_CONTRACT, deployed.scaler.mean);
      const explained = explainRows(deployed, readings, trained);
      expect(explained).toHaveLength(2);
      for (const reasons of explained) {
        expect(reasons.length).toBeLessThanOrEqual(3);
        for (const r of reasons) expect(Number.isFinite(r.change) && r.change !== 0).toBe(true);
      }
    }
  });
});

describe('reasonText', () => {
  it('writes the feature, value, reference and signed change; tiny changes keep two significant digits', () => {
    expect(reasonText({ feature: 'torque_nm', value: 76, reference: 40.8812345, change: 0.26039 })).toBe('torque_nm = 76 (reference 40.88): +0.260');
    expect(reasonText({ feature: 'product_type', value: 'H', reference: 'L', change: -0.58318 })).toBe('product_type = H (reference L): −0.583');
    expect(reasonText({ feature: 'torque_nm', value: 17.3, reference: 40.88, change: -0.000123 })).toBe('torque_nm = 17.3 (reference 40.88): −0.00012');
  });
});
