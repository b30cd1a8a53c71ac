/**
 * `npx tsx bench/gp-quality.bench.ts HOME [--options JSON] [--json FILE]`: the sparse GP alone on the
 * training set and split a `prognos run` left in HOME (its training-set.parquet and split.json),
 * with the run's own scaler and holdout rows, so one variant of the kernel or of m costs one fit
 * instead of a whole pipeline run. The fit starts from Train's own options (trainSparseOptions:
 * the additive kernel, its optimiser rows, the stall rule); --options overrides them. Prints the holdout figures the pipeline reports (ROC AUC, AP,
 * and recall / precision at the threshold chosen for recall 0.9 on the training rows' cavity
 * scores, as Train chooses it), the fit time and CPU time, the ELBO and the fitted θ.
 *
 *   npx tsx bench/gp-quality.bench.ts ~/.prognos --options '{"inducingPoints":256}'
 *   npx tsx bench/gp-quality.bench.ts ~/.prognos --options '{"warp":true}'
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CONTRACT } from '../lambdas/core/contract/contract.ts';
import { encodeRows, labelsOf } from '../lambdas/core/contract/encode.ts';
import { decodeParquet } from '../lambdas/core/data/parquet.ts';
import { takeRows } from '../lambdas/core/ml/dense.ts';
import { averagePrecision, rocAuc } from '../lambdas/core/ml/metrics.ts';
import { StandardScaler } from '../lambdas/core/ml/scaler.ts';
import { fitSparse, type SparseFitOptions } from '../lambdas/core/ml/sparse/sparse-fit.ts';
import { chooseThreshold } from '../lambdas/core/ml/threshold.ts';
import { DEFAULT_ADDITIVE_KERNEL, DEFAULT_INPUT_WARP, trainSparseOptions } from '../lambdas/core/steps/train/sparse-fitter.ts';

function parseOptions(text: string): SparseFitOptions {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as SparseFitOptions;
  } catch (error) {
    throw new InvalidArgumentError(`--options needs a JSON object: ${(error as Error).message}`);
  }
}

const program = new Command('gp-quality')
  .argument('<home>', 'a prognos home after a run (lake/training-sets/<run>/)')
  .option('--options <json>', 'sparse fit options (SparseFitOptions), e.g. {"inducingPoints":256}', parseOptions, {})
  .option('--json <file>', 'also write the result as JSON')
  .parse();
const home = program.args[0]!;
const { options, json } = program.opts<{ options: SparseFitOptions; json?: string }>();

const setsDir = join(home, 'lake', 'training-sets');
const runDir = readdirSync(setsDir)
  .map((name) => join(setsDir, name))
  .filter((dir) => statSync(dir).isDirectory())
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
if (!runDir) throw new Error(`no training set under ${setsDir}: run \`prognos run --home ${home}\` first`);
const split = JSON.parse(readFileSync(join(runDir, 'split.json'), 'utf8')) as { train: number[]; holdout: number[]; scaler: unknown };
const rows = await decodeParquet(readFileSync(join(runDir, 'training-set.parquet')));
const x = encodeRows(DEFAULT_CONTRACT, rows);
const y = labelsOf(DEFAULT_CONTRACT, rows);
const scaler = StandardScaler.load(split.scaler);
const xTrain = scaler.transform(takeRows(x, split.train));
const yTrain = Uint8Array.from(split.train, (i) => y[i]);
const xHold = scaler.transform(takeRows(x, split.holdout));
const yHold = Uint8Array.from(split.holdout, (i) => y[i]);

// Train's own options (seed 0, the config's default), then the variant's.
const { onProgress: _, ...train } = trainSparseOptions({
  seed: 0,
  targetRecall: 0.9,
  additiveKernel: options.additive ?? DEFAULT_ADDITIVE_KERNEL,
  inputWarp: options.warp ?? DEFAULT_INPUT_WARP,
  ...(options.inducingPoints === undefined ? {} : { inducingPoints: options.inducingPoints }),
});
const fitOptions: SparseFitOptions = { ...train, ...options };
const cpuStart = process.cpuUsage();
const started = performance.now();
const model = fitSparse(xTrain, yTrain, fitOptions);
const fitSeconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

const { threshold } = chooseThreshold(yTrain, model.leaveOneOut().probability, { targetRecall: 0.9 });
const p = model.predictProbability(xHold);
let tp = 0;
let fp = 0;
let positives = 0;
for (let i = 0; i < p.length; i++) {
  positives += yHold[i];
  if (p[i] >= threshold) {
    if (yHold[i] === 1) tp++;
    else fp++;
  }
}
const result = {
  home,
  options: fitOptions,
  train: { rows: xTrain.rows, positives: yTrain.reduce((s, v) => s + v, 0) },
  holdout: { rows: xHold.rows, positives },
  rocAuc: rocAuc(yHold, p),
  averagePrecision: averagePrecision(yHold, p),
  threshold,
  recall: tp / positives,
  precision: tp / Math.max(1, tp + fp),
  fitSeconds,
  cpuSeconds,
  elbo: model.summary.elbo,
  kernel: model.summary.kernel,
  stages: model.summary.optimizer.stages,
};
const f3 = (v: number) => v.toFixed(3);
console.log(
  `${home} ${JSON.stringify(options)}: ROC AUC ${f3(result.rocAuc)}, AP ${f3(result.averagePrecision)}, recall ${f3(result.recall)} / precision ${f3(result.precision)} at ${threshold.toPrecision(3)}; ` +
    `fit ${fitSeconds.toFixed(1)} s (CPU ${cpuSeconds.toFixed(1)} s), ELBO ${result.elbo.toFixed(1)}`,
);
console.log(`  ${result.kernel}`);
console.log(`  stages: ${result.stages.map((s) => `${s.stage} ${s.iterations} it on ${s.rows} rows (${s.reason})`).join('; ')}`);
if (json) writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
