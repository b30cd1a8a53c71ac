import type { NumericDataset } from '../lambdas/core/ml/dataset.ts';
import { takeRows } from '../lambdas/core/ml/dense.ts';
import type { GaussianProcessClassifier } from '../lambdas/core/ml/gpc.ts';
import { MaintenanceModel, type TrainOptions } from '../lambdas/core/ml/maintenance-model.ts';
import { evaluate, type ModelMetrics } from '../lambdas/core/ml/metrics.ts';
import { type SplitIndices, stratifiedSplit } from '../lambdas/core/ml/split.ts';

export interface ExperimentOptions extends TrainOptions {
  /** Share of rows held out for evaluation. @default 0.3 */
  readonly testFraction?: number;
  /** Seed of the split. @default 99 */
  readonly seed?: number;
  /** Use this split instead of drawing one (e.g. to measure on another tool's split). */
  readonly split?: SplitIndices;
  /**
   * Train on a stratified sample of at most this many rows of the training split (an exact GP
   * costs O(n³)); the test split is still evaluated whole. @default no cap
   */
  readonly maxTrainRows?: number;
}

export interface ExperimentResult {
  readonly model: MaintenanceModel<GaussianProcessClassifier>;
  readonly nTrain: number;
  /** Rows in the training split before any `maxTrainRows` cap. */
  readonly nTrainAvailable: number;
  readonly nTest: number;
  /** Metrics on the held-out split at the model's threshold. */
  readonly test: ModelMetrics;
  readonly testPrediction: { readonly yTrue: Uint8Array; readonly probability: Float64Array; readonly latentStd: Float64Array };
  readonly fitSeconds: number;
  /** CPU seconds of the fit, every thread of the process (user + system): comparable on a busy machine. */
  readonly fitCpuSeconds: number;
  /** Mean wall time of one single-row prediction on the test rows, in milliseconds. */
  readonly predictMsPerRow: number;
}

/**
 * Split first, then train on the training split only, then evaluate on the untouched test split:
 * the order that keeps test rows out of the scaler, the kernel and the threshold.
 */
export function runExperiment(dataset: NumericDataset, options: ExperimentOptions = {}): ExperimentResult {
  const seed = options.seed ?? 99;
  const { trainIndex: available, testIndex } = options.split ?? stratifiedSplit(dataset.y, { testFraction: options.testFraction ?? 0.3, seed });
  const trainIndex = capTrainingRows(dataset.y, available, options.maxTrainRows, seed);
  const trainingSet = { X: takeRows(dataset.X, trainIndex), y: Uint8Array.from(trainIndex, (i) => dataset.y[i]), featureNames: dataset.featureNames };
  const started = performance.now();
  const cpu = process.cpuUsage();
  const model = MaintenanceModel.train(trainingSet, options);
  const fitSeconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const fitCpuSeconds = (user + system) / 1e6;

  const xTest = takeRows(dataset.X, testIndex);
  const yTest = Uint8Array.from(testIndex, (i) => dataset.y[i]);
  // Score the rows one at a time, as the prediction API does, and time that.
  const probability = new Float64Array(xTest.rows);
  const latentStd = new Float64Array(xTest.rows);
  const t0 = performance.now();
  for (let r = 0; r < xTest.rows; r++) {
    const one = model.predict(takeRows(xTest, [r]));
    probability[r] = one.probability[0];
    latentStd[r] = one.latentStd[0];
  }
  const predictMsPerRow = (performance.now() - t0) / xTest.rows;
  return {
    model,
    nTrain: trainIndex.length,
    nTrainAvailable: available.length,
    nTest: testIndex.length,
    test: evaluate(yTest, probability, model.threshold.value),
    testPrediction: { yTrue: yTest, probability, latentStd },
    fitSeconds,
    fitCpuSeconds,
    predictMsPerRow,
  };
}

/** At most `cap` of the training rows, as a stratified sample; all of them without a cap. */
function capTrainingRows(y: ArrayLike<number>, trainIndex: ArrayLike<number>, cap: number | undefined, seed: number): ArrayLike<number> {
  if (cap === undefined || cap >= trainIndex.length) return trainIndex;
  const yTrain = Array.from(trainIndex, (i) => y[i]);
  // The "test" part of a split of the training rows is a stratified sample of the wanted size.
  const { testIndex: sample } = stratifiedSplit(yTrain, { testFraction: cap / trainIndex.length, seed });
  return Uint32Array.from(sample, (k) => trainIndex[k]);
}
