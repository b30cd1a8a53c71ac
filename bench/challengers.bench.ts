/**
 * Challenger benchmark (issue 11): fit time, holdout ROC AUC and AP of the gradient-boosting and
 * logistic-regression challengers, with scikit-learn's figures on the very same split beside them.
 *
 *   npm run bench:challengers            real AI4I 2020 + fresh generated sets, default settings
 *   npm run bench:challengers -- generated 100000 6   one AI4I-like set of that size and seed
 *   npm run bench:challengers -- tune    the grid the boosting defaults were chosen from, on the
 *                                        tuning set only (AI4I-like, 10,000 rows, seed 1), which
 *                                        no reported row uses
 *
 * Every set: scikit-learn's StratifiedShuffleSplit(test_size=0.3, random_state=99)
 * (bench/sklearn-split.ts), a StandardScaler fitted on the training rows, both models fitted on
 * the scaled training rows (what the pipeline will hand them). AI4I rows (real and generated)
 * carry the Type one-hot, the 5 sensors and three derived columns: power = torque × speed × 2π/60,
 * temperature difference = process − air, strain = tool wear × torque.
 * Under each AI4I row: the threshold each challenger gets for recall 0.9 on 5-fold out-of-fold
 * scores of its training rows (lambdas/core/ml/out-of-fold.ts), and what it gives on the holdout.
 * The scikit-learn column (Debian's /usr/bin/python3, skipped when it is missing) fits
 * HistGradientBoostingClassifier with its own defaults and LogisticRegression(class_weight=
 * 'balanced', C=1) on the same scaled rows. Timings on a shared machine are noisy.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Ai4iReading, makeAi4iReadings } from '../lambdas/cli/sample-data/ai4i.ts';
import type { NumericDataset } from '../lambdas/core/data/csv.ts';
import { makeMoons } from '../lambdas/cli/sample-data/moons.ts';
import type { GradientBoostingOptions } from '../lambdas/core/ml/boosting/boosting-options.ts';
import { GradientBoostingClassifier } from '../lambdas/core/ml/boosting/gradient-boosting.ts';
import { type DenseMatrix, fromRows, takeRows, toRows } from '../lambdas/core/ml/dense.ts';
import { LogisticRegression } from '../lambdas/core/ml/logistic/logistic-regression.ts';
import { averagePrecision, classificationReport, rocAuc } from '../lambdas/core/ml/metrics.ts';
import { outOfFoldProbability, type ProbabilityModel } from '../lambdas/core/ml/out-of-fold.ts';
import { StandardScaler } from '../lambdas/core/ml/scaler.ts';
import { chooseThreshold } from '../lambdas/core/ml/threshold.ts';
import { sharedDirCandidate } from './datasets.ts';
import { sklearnStratifiedShuffleSplit } from './sklearn-split.ts';

const PYTHON = '/usr/bin/python3';
const AI4I_NAMES = ['type_l', 'type_m', 'type_h', 'air', 'process', 'speed', 'torque', 'wear', 'power', 'temp_diff', 'strain'];

/** One row of the model inputs from the five sensors and the product type. */
function ai4iRow(type: string, air: number, process: number, speed: number, torque: number, wear: number): number[] {
  return [type === 'L' ? 1 : 0, type === 'M' ? 1 : 0, type === 'H' ? 1 : 0, air, process, speed, torque, wear, (torque * speed * 2 * Math.PI) / 60, process - air, wear * torque];
}

/** The real AI4I 2020 file (never copied into the repository). */
function loadAi4i2020(file: string): NumericDataset {
  const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const col = (name: string): number => header.indexOf(name);
  const [type, air, proc, speed, torque, wear, label] = ['Type', 'Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]', 'Torque [Nm]', 'Tool wear [min]', 'Machine failure'].map(col);
  const rows = lines.slice(1).map((line) => line.split(','));
  return {
    X: fromRows(rows.map((f) => ai4iRow(f[type], Number(f[air]), Number(f[proc]), Number(f[speed]), Number(f[torque]), Number(f[wear])))),
    y: Uint8Array.from(rows, (f) => Number(f[label])),
    featureNames: AI4I_NAMES,
  };
}

/** AI4I-like rows from lambdas/cli/sample-data/ai4i.ts, with the same inputs as the real set. */
function generatedAi4i(n: number, seed: number): NumericDataset {
  const readings: Ai4iReading[] = makeAi4iReadings(n, { seed });
  return {
    X: fromRows(readings.map((r) => ai4iRow(r.type, r.air_temperature_k, r.process_temperature_k, r.rotational_speed_rpm, r.torque_nm, r.tool_wear_min))),
    y: Uint8Array.from(readings, (r) => r.machine_failure),
    featureNames: AI4I_NAMES,
  };
}

interface Split {
  readonly xTrain: DenseMatrix;
  readonly yTrain: Uint8Array;
  readonly xTest: DenseMatrix;
  readonly yTest: Uint8Array;
}

function splitAndScale(data: NumericDataset): Split {
  const split = sklearnStratifiedShuffleSplit(data.y, { testSize: 0.3, randomState: 99 });
  const rawTrain = takeRows(data.X, split.trainIndex);
  const scaler = new StandardScaler().fit(rawTrain);
  return {
    xTrain: scaler.transform(rawTrain),
    yTrain: Uint8Array.from(split.trainIndex, (i) => data.y[i]),
    xTest: scaler.transform(takeRows(data.X, split.testIndex)),
    yTest: Uint8Array.from(split.testIndex, (i) => data.y[i]),
  };
}

interface Score {
  readonly fitSeconds: number;
  readonly auc: number;
  readonly ap: number;
}

function score(s: Split, fitSeconds: number, proba: ArrayLike<number>): Score {
  return { fitSeconds, auc: rocAuc(s.yTest, proba), ap: averagePrecision(s.yTest, proba) };
}

function boosting(s: Split, options: GradientBoostingOptions = {}): Score & { trees: number; predictMicroseconds: number; jsonKiB: number } {
  const t0 = performance.now();
  const model = GradientBoostingClassifier.fit(s.xTrain, s.yTrain, options);
  const seconds = (performance.now() - t0) / 1000;
  const p0 = performance.now();
  const proba = model.predictProbability(s.xTest);
  const predictMicroseconds = ((performance.now() - p0) * 1000) / s.xTest.rows;
  return { ...score(s, seconds, proba), trees: model.summary.nTrees, predictMicroseconds, jsonKiB: JSON.stringify(model).length / 1024 };
}

function logistic(s: Split): Score {
  const t0 = performance.now();
  const model = LogisticRegression.fit(s.xTrain, s.yTrain);
  const seconds = (performance.now() - t0) / 1000;
  return score(s, seconds, model.predictProbability(s.xTest));
}

const SKLEARN_PEER = `
import json, sys, time
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, average_precision_score
d = json.load(sys.stdin)
Xtr, ytr, Xte, yte = (np.array(d[k]) for k in ("xTrain", "yTrain", "xTest", "yTest"))
out = {}
for name, model in [("boosting", HistGradientBoostingClassifier(random_state=0)),
                    ("logistic", LogisticRegression(class_weight="balanced", C=1.0, max_iter=1000))]:
    t0 = time.perf_counter()
    model.fit(Xtr, ytr)
    seconds = time.perf_counter() - t0
    p = model.predict_proba(Xte)[:, 1]
    out[name] = {"fitSeconds": seconds, "auc": roc_auc_score(yte, p), "ap": average_precision_score(yte, p)}
print(json.dumps(out))
`;

/** scikit-learn on the same split, or undefined when Python or scikit-learn is not there. */
function sklearnPeer(s: Split): { boosting: Score; logistic: Score } | undefined {
  if (!existsSync(PYTHON)) return undefined;
  const input = JSON.stringify({ xTrain: toRows(s.xTrain), yTrain: Array.from(s.yTrain), xTest: toRows(s.xTest), yTest: Array.from(s.yTest) });
  const run = spawnSync(PYTHON, ['-c', SKLEARN_PEER], { input, encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (run.status !== 0) {
    console.error(`  (scikit-learn column skipped: ${run.stderr.trim().split('\n').pop()})`);
    return undefined;
  }
  return JSON.parse(run.stdout) as { boosting: Score; logistic: Score };
}

/**
 * The decision threshold as the pipeline will choose it for a challenger: on 5-fold out-of-fold
 * scores of the training rows, for recall 0.9; then recall and precision on the holdout.
 */
function thresholdLine(s: Split, fit: (x: DenseMatrix, y: Uint8Array) => ProbabilityModel): string {
  const t0 = performance.now();
  const oof = outOfFoldProbability(s.xTrain, s.yTrain, fit, { folds: 5, seed: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const choice = chooseThreshold(s.yTrain, oof, { targetRecall: 0.9 });
  const holdout = classificationReport(s.yTest, fit(s.xTrain, s.yTrain).predictProbability(s.xTest), choice.threshold);
  return `threshold ${choice.threshold.toFixed(4)} → holdout recall ${holdout.recall.toFixed(3)} precision ${holdout.precision.toFixed(3)} (5 folds ${seconds.toFixed(1)} s)`;
}

const cell = (s: Score | undefined): string => (s ? `${s.fitSeconds.toFixed(2).padStart(6)} s ${s.auc.toFixed(4)} ${s.ap.toFixed(4)}` : '            —              ');

function report(name: string, data: NumericDataset, thresholds: boolean): void {
  const s = splitAndScale(data);
  const positives = s.yTrain.reduce((a, b) => a + b, 0);
  const b = boosting(s);
  const l = logistic(s);
  const peer = sklearnPeer(s);
  console.log(
    `${name.padEnd(31)} ${String(s.xTrain.rows).padStart(6)} ${String(positives).padStart(5)} | ${cell(b)} ${String(b.trees).padStart(5)} ${b.predictMicroseconds.toFixed(1).padStart(5)} ${b.jsonKiB.toFixed(0).padStart(5)} | ${cell(l)} | ${cell(peer?.boosting)} | ${cell(peer?.logistic)}`,
  );
  if (thresholds) {
    console.log(`    boosting: ${thresholdLine(s, (x, y) => GradientBoostingClassifier.fit(x, y))}`);
    console.log(`    logistic: ${thresholdLine(s, (x, y) => LogisticRegression.fit(x, y))}`);
  }
}

function reportAll(): void {
  console.log('holdout of StratifiedShuffleSplit(test_size=0.3, random_state=99); each model cell: fit time, ROC AUC, AP');
  console.log('boosting also: trees kept, prediction µs per row (batch of the holdout), model JSON KiB');
  console.log(`${'data set'.padEnd(31)} ${'train'.padStart(6)} ${'pos'.padStart(5)} | ${'boosting (ours)'.padEnd(27)} trees  µs/r   KiB | ${'logistic (ours)'.padEnd(27)} | ${'scikit-learn HGB defaults'.padEnd(27)} | scikit-learn logistic`);
  const real = join(sharedDirCandidate(), 'datasets', 'ai4i2020.csv');
  if (existsSync(real)) report('AI4I 2020 (real)', loadAi4i2020(real), true);
  else console.log(`AI4I 2020 (real): skipped, ${real} not found`);
  for (const [n, seed] of [
    [3000, 2],
    [10_000, 3],
    [10_000, 4],
    [30_000, 5],
  ]) {
    report(`AI4I-like n=${n} seed=${seed}`, generatedAi4i(n, seed), true);
  }
  for (const [n, seed, noise] of [
    [2000, 2, 0.25],
    [5000, 3, 0.4],
  ]) {
    report(`moons n=${n} seed=${seed} noise=${noise}`, makeMoons(n, { seed, noise }), false);
  }
}

/** The candidates the boosting defaults were chosen from, on the tuning set alone. */
function tune(): void {
  const s = splitAndScale(generatedAi4i(10_000, 1));
  console.log(`tuning set: AI4I-like n=10000 seed=1, ${s.xTrain.rows} training rows, ${s.yTrain.reduce((a, b) => a + b, 0)} positives`);
  const grid: GradientBoostingOptions[] = [];
  for (const learningRate of [0.05, 0.1])
    for (const maxLeafNodes of [7, 15, 31])
      for (const l2Regularization of [0, 1])
        for (const maxIterations of [100, 200]) grid.push({ learningRate, maxLeafNodes, l2Regularization, maxIterations, earlyStopping: false });
  // Fixed settings apart from the ones named, so the grid does not move when the defaults do.
  const small = { learningRate: 0.05, maxLeafNodes: 7, l2Regularization: 1, minSamplesLeaf: 20, earlyStopping: false };
  grid.push(
    { ...small, maxIterations: 50 },
    { ...small, maxIterations: 150 },
    { ...small, maxLeafNodes: 4, maxIterations: 100 },
    { ...small, maxIterations: 100, minSamplesLeaf: 10 },
    { ...small, maxIterations: 100, minSamplesLeaf: 40 },
    { ...small, maxIterations: 100, classWeight: 'balanced' },
    { ...small, maxIterations: 500, earlyStopping: true },
    { learningRate: 0.1, maxLeafNodes: 31, l2Regularization: 0, maxIterations: 500, earlyStopping: true },
  );
  for (const options of grid) {
    const b = boosting(s, options);
    console.log(`${JSON.stringify(options).padEnd(90)} ${cell(b)} ${b.trees}`);
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === 'tune') tune();
else if (command === 'generated') {
  // One AI4I-like set of any size, e.g. `generated 100000 6`: how fit time and memory grow.
  const [n, seed] = [Number(args[0] ?? 100_000), Number(args[1] ?? 6)];
  report(`AI4I-like n=${n} seed=${seed}`, generatedAi4i(n, seed), false);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (the whole process, data and scikit-learn's JSON included)`);
} else reportAll();
