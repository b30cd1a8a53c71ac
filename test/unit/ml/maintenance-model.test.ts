import { describe, expect, it } from 'vitest';
import { ai4iToDataset, makeAi4iReadings } from '../../../lambdas/cli/sample-data/ai4i.ts';
import { makeMoons } from '../../../lambdas/cli/sample-data/moons.ts';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { fromRows, takeRows } from '../../../lambdas/core/ml/dense.ts';
import { runExperiment } from '../../../bench/experiment.ts';
import { DEFAULT_GPC_OPTIONS, MaintenanceModel } from '../../../lambdas/core/ml/maintenance-model.ts';
import { classificationReport } from '../../../lambdas/core/ml/metrics.ts';
import { stratifiedSplit } from '../../../lambdas/core/ml/split.ts';

describe('MaintenanceModel', () => {
  const moons = makeMoons(200, { seed: 21, noise: 0.3 });
  // Shift and stretch the columns so that scaling matters.
  const raw = fromRows(Array.from({ length: moons.X.rows }, (_, i) => [300 + 2 * moons.X.data[2 * i], 1500 + 200 * moons.X.data[2 * i + 1]]));
  const trainingSet = { X: raw, y: moons.y, featureNames: ['air_temperature_k', 'rotational_speed_rpm'] };

  it('labels a row 1 exactly when its probability reaches the threshold', () => {
    const model = MaintenanceModel.train(trainingSet, { targetRecall: 0.9 });
    const grid = fromRows(Array.from({ length: 400 }, (_, i) => [296 + (i % 20) * 0.4, 1100 + Math.floor(i / 20) * 40]));
    const p = model.predict(grid);
    for (let i = 0; i < grid.rows; i++) {
      expect(p.label[i]).toBe(p.probability[i] >= model.threshold.value ? 1 : 0);
      expect(p.latentStd[i]).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(p.label).size).toBe(2);
  });

  it('chooses the highest threshold whose leave-one-out recall meets the target', () => {
    const model = MaintenanceModel.train(trainingSet, { targetRecall: 0.95 });
    const loo = model.classifier.leaveOneOut().probability;
    const atThreshold = classificationReport(moons.y, loo, model.threshold.value);
    expect(atThreshold.recall).toBeGreaterThanOrEqual(0.95);
    expect(model.threshold.recall).toBe(atThreshold.recall);
    const higher = Math.min(...Array.from(loo).filter((v) => v > model.threshold.value));
    expect(classificationReport(moons.y, loo, higher).recall).toBeLessThan(0.95);
    expect(model.threshold.source).toBe('leave-one-out');
  });

  it('fits the scaler on the rows it is given and applies it to every prediction', () => {
    const model = MaintenanceModel.train(trainingSet, { gpc: { optimize: false, kernel: { constant: 4, lengthScale: 0.8 } } });
    const mean = [0, 1].map((j) => Array.from({ length: raw.rows }, (_, i) => raw.data[2 * i + j]).reduce((s, v) => s + v, 0) / raw.rows);
    expect(model.scaler.mean[0]).toBeCloseTo(mean[0], 9);
    expect(model.scaler.mean[1]).toBeCloseTo(mean[1], 9);
    // Raw rows in, the same numbers as scaling by hand and asking the classifier.
    const byHand = model.classifier.predict(model.scaler.transform(takeRows(raw, [0, 1, 2]))).probability;
    expect(Array.from(model.predict(takeRows(raw, [0, 1, 2])).probability)).toEqual(Array.from(byHand));
  });

  it('trains with the documented defaults unless told otherwise', () => {
    const model = MaintenanceModel.train(trainingSet);
    // Every start on a subsample of half the rows (200 < 2 × 500), then one run on all rows.
    const starts = model.fitSummary.optimizer.starts;
    expect(starts.map((s) => s.stage)).toEqual([...Array(1 + DEFAULT_GPC_OPTIONS.restarts!).fill('subsample'), 'full']);
    expect(starts[0].theta0).toEqual([0, 0]);
    const [[cLo, cHi], [lLo, lHi]] = DEFAULT_GPC_OPTIONS.restartBounds!;
    for (const { theta0 } of starts.slice(1, -1)) {
      expect(Math.exp(theta0[0])).toBeGreaterThanOrEqual(cLo);
      expect(Math.exp(theta0[0])).toBeLessThanOrEqual(cHi);
      expect(Math.exp(theta0[1])).toBeGreaterThanOrEqual(lLo);
      expect(Math.exp(theta0[1])).toBeLessThanOrEqual(lHi);
    }
    // The run on all rows begins where the best subsample start ended.
    const best = starts.slice(0, -1).reduce((a, b) => (b.logMarginalLikelihood > a.logMarginalLikelihood ? b : a));
    expect(starts.at(-1)!.theta0).toEqual(best.theta);
    expect(model.fitSummary.logMarginalLikelihood).toBeGreaterThanOrEqual(starts.at(-1)!.logMarginalLikelihood - 1e-9);
  });

  it('rejects feature names that do not match the columns, and bad rows at prediction', () => {
    expect(() => MaintenanceModel.train({ ...trainingSet, featureNames: ['a'] })).toThrow(InvalidDataError);
    const model = MaintenanceModel.train(trainingSet, { gpc: { optimize: false } });
    expect(() => model.predict(fromRows([[300]]))).toThrow(/expected 2 feature columns \(air_temperature_k, rotational_speed_rpm\), got 1/);
    expect(() => model.predict(fromRows([[300, Number.NaN]]))).toThrow(/rotational_speed_rpm is NaN/);
  });
});

describe('runExperiment', () => {
  it('keeps the test split out of training: scaler statistics come from the training rows only', () => {
    const data = ai4iToDataset(makeAi4iReadings(600, { seed: 4 }));
    const result = runExperiment(data, { seed: 5, gpc: { optimize: false, kernel: { constant: 10, lengthScale: 2 } } });
    const { trainIndex, testIndex } = stratifiedSplit(data.y, { testFraction: 0.3, seed: 5 });
    expect(result.nTrain).toBe(trainIndex.length);
    expect(result.nTest).toBe(testIndex.length);
    const trainMean = Array.from(trainIndex, (i) => data.X.data[i * data.X.cols]).reduce((s, v) => s + v, 0) / trainIndex.length;
    expect(result.model.scaler.mean[0]).toBeCloseTo(trainMean, 9);
    expect(result.test.nPositive + result.test.nNegative).toBe(testIndex.length);
    expect(result.testPrediction.yTrue).toEqual(Uint8Array.from(testIndex, (i) => data.y[i]));
  });

  it('trains on a stratified sample when the training rows are capped, and still scores the whole test split', () => {
    const data = ai4iToDataset(makeAi4iReadings(600, { seed: 4 }));
    const result = runExperiment(data, { maxTrainRows: 200, gpc: { optimize: false, kernel: { constant: 10, lengthScale: 2 } } });
    expect(result.nTrain).toBe(200);
    expect(result.nTrainAvailable).toBe(420);
    expect(result.nTest).toBe(180);
    expect(result.model.fitSummary.nPositive).toBeGreaterThan(0);
  });
});
