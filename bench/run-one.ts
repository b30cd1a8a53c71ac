/**
 * Child worker of the GPC benchmark: measures one data set and exits, so that the peak resident
 * memory it reports belongs to that data set alone.
 *
 * Usage (the parent does this): `node --import tsx bench/run-one.ts '<BenchJob as JSON>'`.
 * Progress goes to stderr; the result is one stdout line starting with RESULT_MARKER.
 */
import { readNumericCsv } from '../lambdas/core/data/csv.ts';
import { type ExperimentResult, runExperiment } from './experiment.ts';
import { fitProgressPrinter } from '../lambdas/cli/progress.ts';
import type { GpcOptions } from '../lambdas/core/ml/gpc.ts';
import { sklearnStratifiedShuffleSplit } from './sklearn-split.ts';
import { type BenchJob, type ChildResult, ERROR_MARKER, PROTOCOL, RESULT_MARKER } from './protocol.ts';

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
  const gpc: GpcOptions = { ...job.gpc, onProgress: fitProgressPrinter((line) => process.stderr.write(`[${job.name}] ${line}`)) };
  // The baseline's own split (numpy's StratifiedShuffleSplit, seed 99): the same training rows,
  // so log marginal likelihoods and AUCs compare model with model, not split with split.
  const split = sklearnStratifiedShuffleSplit(dataset.y, { testSize: PROTOCOL.testFraction, randomState: PROTOCOL.seed });
  const experiment = runExperiment(dataset, { ...PROTOCOL, gpc, split, maxTrainRows: job.maxTrain });
  process.stdout.write(RESULT_MARKER + JSON.stringify(toResult(job.name, experiment)) + '\n');
}

function toResult(name: string, experiment: ExperimentResult): ChildResult {
  const { model, test } = experiment;
  return {
    dataset: name,
    model: 'prognos_gpc',
    n_train: experiment.nTrain,
    n_test: experiment.nTest,
    n_train_available: experiment.nTrainAvailable,
    subsampled: experiment.nTrain < experiment.nTrainAvailable,
    fit_seconds: experiment.fitSeconds,
    fit_cpu_seconds: experiment.fitCpuSeconds,
    evaluations: model.fitSummary.optimizer.evaluations,
    newton_iterations: model.fitSummary.optimizer.newtonIterations,
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
