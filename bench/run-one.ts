/**
 * Child worker of the GPC benchmark: measures one data set and exits, so that the peak resident
 * memory it reports belongs to that data set alone.
 *
 * Usage (the parent does this): `node --import tsx bench/run-one.ts '<BenchJob as JSON>'`.
 * Progress goes to stderr; the result is one stdout line starting with RESULT_MARKER.
 */
import { readNumericCsv, type NumericDataset } from '../lambdas/core/data/csv.ts';
import { type DenseMatrix, takeRows } from '../lambdas/core/ml/dense.ts';
import { type ExperimentResult, runExperiment } from '../lambdas/core/ml/experiment.ts';
import type { FitProgress, GpcOptions } from '../lambdas/core/ml/gpc.ts';
import { MaintenanceModel } from '../lambdas/core/ml/maintenance-model.ts';
import { evaluate } from '../lambdas/core/ml/metrics.ts';
import { stratifiedSplit } from '../lambdas/core/ml/split.ts';
import { type BenchJob, type ChildResult, ERROR_MARKER, PROTOCOL, RESULT_MARKER } from './protocol.ts';

/** An experiment result plus how many training rows there were before subsampling. */
interface Measured {
  readonly experiment: ExperimentResult;
  readonly nTrainAvailable: number;
}

try {
  main();
} catch (error) {
  // The parent shows the message in its table notes; the stack only helps for a bug, so it goes to stderr.
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.stdout.write(ERROR_MARKER + JSON.stringify((error as Error).message ?? String(error)) + '\n');
  process.exitCode = 1;
}

function main(): void {
  const job = JSON.parse(process.argv[2] ?? 'null') as BenchJob | null;
  if (job === null) throw new Error('run-one: expected the job as a JSON argument');
  const dataset = readNumericCsv(job.file, { label: job.label, features: job.features });
  const gpc: GpcOptions = { ...job.gpc, onProgress: progressPrinter(job.name) };
  const measured = job.maxTrain === undefined ? runFull(dataset, gpc) : runSubsampled(dataset, gpc, job.maxTrain);
  process.stdout.write(RESULT_MARKER + JSON.stringify(toResult(job.name, measured)) + '\n');
}

/** The standard experiment: train on the whole 70 % split. */
function runFull(dataset: NumericDataset, gpc: GpcOptions): Measured {
  const experiment = runExperiment(dataset, { ...PROTOCOL, gpc });
  return { experiment, nTrainAvailable: experiment.nTrain };
}

/**
 * Like runExperiment (same split, same timing and evaluation), but trains on a stratified
 * subsample of at most `maxTrain` training rows — an exact GP on many thousand rows is beyond a
 * benchmark's budget — and still evaluates on the full test split. runExperiment cannot take
 * explicit indices, hence the copy.
 */
function runSubsampled(dataset: NumericDataset, gpc: GpcOptions, maxTrain: number): Measured {
  const { trainIndex, testIndex } = stratifiedSplit(dataset.y, { testFraction: PROTOCOL.testFraction, seed: PROTOCOL.seed });
  if (maxTrain >= trainIndex.length) return runFull(dataset, gpc);
  const yTrainAll = Uint8Array.from(trainIndex, (i) => dataset.y[i]);
  // The "test" part of a split of the training rows is a stratified sample of the wanted size.
  const sample = stratifiedSplit(yTrainAll, { testFraction: maxTrain / trainIndex.length, seed: PROTOCOL.seed }).testIndex;
  const rows = Uint32Array.from(sample, (k) => trainIndex[k]);
  const trainingSet = { X: takeRows(dataset.X, rows), y: Uint8Array.from(rows, (i) => dataset.y[i]), featureNames: dataset.featureNames };

  const started = performance.now();
  const model = MaintenanceModel.train(trainingSet, { gpc, targetRecall: PROTOCOL.targetRecall });
  const fitSeconds = (performance.now() - started) / 1000;
  const xTest = takeRows(dataset.X, testIndex);
  const yTest = Uint8Array.from(testIndex, (i) => dataset.y[i]);
  const predictMsPerRow = timeRowByRow(model, xTest);
  const prediction = model.predict(xTest);
  const experiment: ExperimentResult = {
    model,
    nTrain: rows.length,
    nTest: testIndex.length,
    test: evaluate(yTest, prediction.probability, model.threshold.value),
    testPrediction: { yTrue: yTest, probability: prediction.probability, latentStd: prediction.latentStd },
    fitSeconds,
    predictMsPerRow,
  };
  return { experiment, nTrainAvailable: trainIndex.length };
}

/** Mean milliseconds of a one-row prediction, as runExperiment measures it (the API predicts row by row). */
function timeRowByRow(model: MaintenanceModel, x: DenseMatrix): number {
  const t0 = performance.now();
  for (let r = 0; r < x.rows; r++) model.predict(takeRows(x, [r]));
  return (performance.now() - t0) / x.rows;
}

function toResult(name: string, { experiment, nTrainAvailable }: Measured): ChildResult {
  const { model, test } = experiment;
  return {
    dataset: name,
    model: 'prognos_gpc',
    n_train: experiment.nTrain,
    n_test: experiment.nTest,
    n_train_available: nTrainAvailable,
    subsampled: experiment.nTrain < nTrainAvailable,
    fit_seconds: experiment.fitSeconds,
    predict_ms_per_row: experiment.predictMsPerRow,
    // maxRSS is in KiB on Linux and macOS; measured last, so it covers load, fit and prediction.
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
    roc_auc: test.rocAuc,
    average_precision: test.averagePrecision,
    threshold: model.threshold.value,
    recall: test.recall,
    precision: test.precision,
    log_marginal_likelihood: model.fitSummary.logMarginalLikelihood,
    kernel: model.fitSummary.kernel,
    theta: model.fitSummary.theta,
  };
}

/**
 * onProgress handler writing one stderr line per optimiser iteration (the classifier may report
 * an iteration more than once, e.g. around a line search; repeats are dropped).
 */
function progressPrinter(name: string): (progress: FitProgress) => void {
  const started = performance.now();
  let last = '';
  return (progress) => {
    const elapsed = `${((performance.now() - started) / 1000).toFixed(1)}s`;
    if (progress.stage === 'start') {
      process.stderr.write(`[${name}] ${elapsed} start ${progress.start} on ${progress.rows} rows, θ=${formatTheta(progress.theta)}\n`);
      return;
    }
    const key = `${progress.stage}/${progress.start}/${progress.iteration}`;
    if (key === last) return;
    last = key;
    process.stderr.write(
      `[${name}] ${elapsed} ${progress.stage} start ${progress.start} iter ${progress.iteration}: ` +
        `lml ${progress.logMarginalLikelihood.toFixed(4)}, |pg| ${progress.projectedGradient.toExponential(2)}, θ=${formatTheta(progress.theta)}\n`,
    );
  };
}

function formatTheta(theta: readonly number[]): string {
  return `[${theta.map((v) => v.toFixed(3)).join(', ')}]`;
}
