/**
 * Sparse GP benchmark (issue 9): quality beside the exact GP, fit time (wall and CPU), prediction
 * time per row, and optionally a large generated fit.
 *
 *   npm run bench:sparse                      moons_2000, ai4i_like_4000, real AI4I 2020
 *   npm run bench:sparse -- ai4i2020 m=200    one data set, options as key=value:
 *       m (inducing points), kernel (rbf|matern32|matern52), ard, z (optimise Z), iter, rows (optimizeRows), tol, exact=true, verbose=1
 *   npm run bench:sparse -- generated n=100000   AI4I-like rows from lambdas/cli/sample-data/ai4i.ts (seed=7)
 *   npm run bench:sparse -- moons n=2000 seed=3 noise=0.3 exact=true   fresh moons beside the exact GP
 *
 * Splits are scikit-learn's StratifiedShuffleSplit(test_size=0.3, random_state=99) (bench/sklearn-split.ts),
 * the scaler is fitted on the training split only. Timings on a shared machine are noisy.
 */
import { makeMoons } from '../lambdas/cli/sample-data/moons.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNumericCsv, type NumericDataset } from '../lambdas/core/data/csv.ts';
import { ai4iToDataset, makeAi4iReadings } from '../lambdas/cli/sample-data/ai4i.ts';
import { fromRows, takeRows } from '../lambdas/core/ml/dense.ts';
import { runExperiment } from './experiment.ts';
import { averagePrecision, classificationReport, rocAuc } from '../lambdas/core/ml/metrics.ts';
import { StandardScaler } from '../lambdas/core/ml/scaler.ts';
import { startSparseFit, type SparseFitOptions } from '../lambdas/core/ml/sparse/sparse-fit.ts';
import { chooseThreshold } from '../lambdas/core/ml/threshold.ts';
import { sharedDirCandidate } from './datasets.ts';
import { sklearnStratifiedShuffleSplit } from './sklearn-split.ts';

const shared = sharedDirCandidate();

/** Real AI4I 2020: Type one-hot, the 5 sensors and three derived columns (power, ΔT, strain). */
function loadAi4i2020(): NumericDataset {
  const lines = readFileSync(join(shared, 'datasets', 'ai4i2020.csv'), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const [type, air, proc, speed, torque, wear, label] = ['Type', 'Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]', 'Torque [Nm]', 'Tool wear [min]', 'Machine failure'].map(col);
  const rows: number[][] = [];
  const y: number[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const v = (k: number) => Number(f[k]);
    rows.push([f[type] === 'L' ? 1 : 0, f[type] === 'M' ? 1 : 0, f[type] === 'H' ? 1 : 0, v(air), v(proc), v(speed), v(torque), v(wear), (v(torque) * v(speed) * 2 * Math.PI) / 60, v(proc) - v(air), v(wear) * v(torque)]);
    y.push(v(label));
  }
  return { X: fromRows(rows), y: Uint8Array.from(y), featureNames: ['type_l', 'type_m', 'type_h', 'air', 'process', 'speed', 'torque', 'wear', 'power', 'temp_diff', 'strain'] };
}

/** Data sets by name; `generated` (AI4I-like) and `moons` are drawn fresh with the run's seed (and noise). */
function load(name: string, n: number, settings: Record<string, string>): NumericDataset {
  const seed = Number(settings.seed ?? 7);
  if (name === 'ai4i2020') return loadAi4i2020();
  if (name === 'generated') return ai4iToDataset(makeAi4iReadings(n, { seed }));
  if (name === 'moons') return makeMoons(n, { seed, noise: Number(settings.noise ?? 0.25) });
  return readNumericCsv(join(shared, 'reference', 'data', `${name}.csv`), { label: 'label' });
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function run(name: string, settings: Record<string, string>): void {
  const n = Number(settings.n ?? 100_000);
  const data = load(name, n, settings);
  const split = sklearnStratifiedShuffleSplit(data.y, { testSize: 0.3, randomState: 99 });
  const xTrainRaw = takeRows(data.X, split.trainIndex);
  const yTrain = Uint8Array.from(split.trainIndex, (i) => data.y[i]);
  const scaler = new StandardScaler().fit(xTrainRaw);
  const xTrain = scaler.transform(xTrainRaw);
  const xTest = scaler.transform(takeRows(data.X, split.testIndex));
  const yTest = Uint8Array.from(split.testIndex, (i) => data.y[i]);
  const options: SparseFitOptions = {
    ...(settings.kernel && { kernel: settings.kernel as SparseFitOptions['kernel'] }),
    ...(settings.m && { inducingPoints: Number(settings.m) }),
    ...(settings.ard && { ard: settings.ard === 'true' }),
    ...(settings.z && { optimizeInducing: settings.z === 'true' }),
    ...(settings.iter && { maxIterations: Number(settings.iter) }),
    ...(settings.rows && { optimizeRows: Number(settings.rows) }),
    ...(settings.tol && { relativeTolerance: Number(settings.tol) }),
    onProgress: settings.verbose ? (p) => console.log(`  ${p.stage} ${p.iteration} elbo ${p.elbo.toFixed(3)} θ ${p.theta.map((t) => t.toFixed(2)).join(' ')}`) : undefined,
  };
  const wall0 = performance.now();
  const cpu0 = cpuSeconds();
  const fit = startSparseFit(xTrain, yTrain, options);
  fit.advance(Infinity);
  const model = fit.result();
  const wall = (performance.now() - wall0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  const rss = process.memoryUsage().rss / 2 ** 20;

  const p0 = performance.now();
  const prob = new Float64Array(xTest.rows);
  for (let r = 0; r < xTest.rows; r++) prob[r] = model.predict(takeRows(xTest, [r])).probability[0];
  const msPerRow = (performance.now() - p0) / xTest.rows;
  const loo = model.leaveOneOut().probability;
  const threshold = chooseThreshold(yTrain, loo, { targetRecall: 0.9 });
  const atThreshold = classificationReport(yTest, prob, threshold.threshold);
  const s = model.summary;
  console.log(
    `${name}${settings.seed ? ` seed ${settings.seed}` : ""}${settings.noise ? ` noise ${settings.noise}` : ""}: sparse n=${xTrain.rows} m=${s.nInducing} d=${xTrain.cols} AUC ${rocAuc(yTest, prob).toFixed(4)} AP ${averagePrecision(yTest, prob).toFixed(4)} ` +
      `| fit ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU, RSS ${rss.toFixed(0)} MiB | predict ${msPerRow.toFixed(3)} ms/row`,
  );
  console.log(`  threshold ${threshold.threshold.toFixed(4)} (cavity scores, recall ${threshold.recall.toFixed(3)} on training rows, cavity AUC ${rocAuc(yTrain, loo).toFixed(4)}) → holdout recall ${atThreshold.recall.toFixed(3)} precision ${atThreshold.precision.toFixed(3)}`);
  console.log(`  ${s.kernel}; ELBO ${s.elbo.toFixed(2)}; stages ${s.optimizer.stages.map((st) => `${st.stage}:${st.iterations}it/${st.evaluations}ev(${st.reason})`).join(' ')}; natural-gradient steps ${s.optimizer.variationalIterations}`);
  console.log(`  relevances 1/ℓ: ${s.relevances.map((r, k) => `${data.featureNames[k]}=${r.toFixed(3)}`).join(' ')}`);
  if (settings.exact === 'true') {
    const t0 = performance.now();
    const exact = runExperiment(data, { split: { trainIndex: split.trainIndex, testIndex: split.testIndex } });
    const pe = exact.testPrediction.probability;
    console.log(`  exact: AUC ${rocAuc(yTest, pe).toFixed(4)} AP ${averagePrecision(yTest, pe).toFixed(4)} fit ${((performance.now() - t0) / 1000).toFixed(1)} s (${exact.model.fitSummary.kernel})`);
  }
}

const [first, ...rest] = process.argv.slice(2);
const settings = Object.fromEntries(rest.map((kv) => kv.split('=') as [string, string]));
if (first) run(first, settings);
else {
  // The runs of docs/ml.md §7.
  run('moons_2000', { m: '64', z: 'true', exact: 'true' });
  run('ai4i_like_4000', { exact: 'true' });
  run('ai4i2020', { m: '128' });
}
