/**
 * Sparse GP benchmark (issue 9): quality beside the exact GP, fit time (wall and CPU), prediction
 * time per row, and optionally a large generated fit.
 *
 *   npm run bench:sparse                      moons_2000, ai4i_like_4000, real AI4I 2020
 *   npm run bench:sparse -- ai4i2020 m=200    one data set, options as key=value:
 *       m (inducing points), kernel (rbf|matern32|matern52), ard, additive, z (optimise Z), iter, rows (optimizeRows), tol, exact=true, verbose=1,
 *       refine (refineRows), epochs, batch, lr (the minibatch stage), prior (thetaPriorScale), preset=train (Train's own options, which the others then override)
 *   npm run bench:sparse -- generated n=100000   AI4I-like rows from lambdas/cli/sample-data/ai4i.ts (seed=7)
 *       features=contract: as the shipped contract encodes them (type one-hot, sensors, power, ΔT, strain)
 *   npm run bench:sparse -- moons n=2000 seed=3 noise=0.3 exact=true   fresh moons beside the exact GP
 *
 * Agreement with the exact GP (issue 9, "Sparse agrees with exact"; bench/sparse-agreement.ts):
 *   npm run bench:sparse -- generated n=2000 seeds=1..6 train=both   one row per set, then the spread
 *       train=true: the sparse GP with Train's own options (steps/train/sparse-fitter.ts: the additive
 *       kernel, θ on at most 2,000 rows and then on every row); train=both: the library defaults and Train's, side by side
 *       (train=none: neither, for the diagnostics below alone; train=library: the library's alone, the default);
 *       noise=0.2,0.3 (moons) gives one set per seed and noise. The exact GP always runs, with the
 *       pipeline's defaults; each difference gets its paired bootstrap standard error on the holdout.
 *   Diagnostics of one set: theta=exact (sparse at the exact GP's θ, isotropic, θ held by its bounds;
 *       ms=128,512,1400 runs it once per m),
 *       exactat=sparse (the exact GP at the sparse θ; not for the additive kernel), m=1400 (m = n),
 *       exactard=true (the exact GP with ARD as well, each sparse run's difference to it),
 *       testn=20000 (also score every model on that many fresh rows of the generator, seed + 1000;
 *       rank=latent ranks them by the latent mean instead of the probability),
 *       quad=1 (one quadrature point, at q(f)'s mean: μ goes to the mode but S stays the prior's I),
 *       inference=laplace (the library's variant and the runs at exact θ by the Laplace approximation:
 *       sparse-laplace-fit.ts; Train's variant stays variational).
 *
 * Splits are scikit-learn's StratifiedShuffleSplit(test_size=0.3, random_state=99) (bench/sklearn-split.ts),
 * the scaler is fitted on the training split only. Timings on a shared machine are noisy.
 */
import { type AgreementSettings, isAgreementRun, runAgreement, trainDefaults } from './sparse-agreement.ts';
import { type BenchSet, loadSet } from './sparse-sets.ts';
import { averagePrecision, classificationReport, rocAuc } from '../lambdas/core/ml/metrics.ts';
import { takeRows } from '../lambdas/core/ml/dense.ts';
import { startSparseFit, type SparseFitOptions } from '../lambdas/core/ml/sparse/sparse-fit.ts';
import { chooseThreshold } from '../lambdas/core/ml/threshold.ts';
import { runExperiment } from './experiment.ts';

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function run(set: BenchSet, settings: Record<string, string>): void {
  const { name, data, xTrain, yTrain, xTest, yTest } = set;
  const options: SparseFitOptions = {
    // preset=train: start from Train's own options (the additive kernel, θ on 2,000 rows then refined on every row, the stall rule).
    ...(settings.preset === 'train' && trainDefaults()),
    ...(settings.kernel && { kernel: settings.kernel as SparseFitOptions['kernel'] }),
    ...(settings.m && { inducingPoints: Number(settings.m) }),
    ...(settings.ard && { ard: settings.ard === 'true' }),
    ...(settings.additive && { additive: settings.additive === 'true' }),
    ...(settings.z && { optimizeInducing: settings.z === 'true' }),
    ...(settings.iter && { maxIterations: Number(settings.iter) }),
    ...(settings.rows && { optimizeRows: Number(settings.rows) }),
    ...(settings.refine && { refineRows: Number(settings.refine) }),
    ...(settings.epochs && { minibatchEpochs: Number(settings.epochs) }),
    ...(settings.batch && { minibatchRows: Number(settings.batch) }),
    ...(settings.lr && { minibatchLearningRate: Number(settings.lr) }),
    ...(settings.tol && { relativeTolerance: Number(settings.tol) }),
    ...(settings.prior && { thetaPriorScale: Number(settings.prior) }),
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
    `${name}: sparse n=${xTrain.rows} m=${s.nInducing} d=${xTrain.cols} AUC ${rocAuc(yTest, prob).toFixed(4)} AP ${averagePrecision(yTest, prob).toFixed(4)} ` +
      `| fit ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU, RSS ${rss.toFixed(0)} MiB | predict ${msPerRow.toFixed(3)} ms/row`,
  );
  console.log(`  threshold ${threshold.threshold.toFixed(4)} (cavity scores, recall ${threshold.recall.toFixed(3)} on training rows, cavity AUC ${rocAuc(yTrain, loo).toFixed(4)}) → holdout recall ${atThreshold.recall.toFixed(3)} precision ${atThreshold.precision.toFixed(3)}`);
  console.log(`  ${s.kernel}; ELBO ${s.elbo.toFixed(2)}; stages ${s.optimizer.stages.map((st) => `${st.stage}:${st.iterations}it/${st.evaluations}ev(${st.reason})`).join(' ')}; natural-gradient steps ${s.optimizer.variationalIterations}`);
  console.log(`  relevances 1/ℓ: ${s.relevances.map((r, k) => `${data.featureNames[k]}=${r.toFixed(3)}`).join(' ')}`);
  if (settings.exact === 'true') {
    const t0 = performance.now();
    const exact = runExperiment(data, { split: set.split });
    const pe = exact.testPrediction.probability;
    console.log(`  exact: AUC ${rocAuc(yTest, pe).toFixed(4)} AP ${averagePrecision(yTest, pe).toFixed(4)} fit ${((performance.now() - t0) / 1000).toFixed(1)} s (${exact.model.fitSummary.kernel})`);
  }
}

const [first, ...rest] = process.argv.slice(2);
const settings = Object.fromEntries(rest.map((kv) => kv.split('=') as [string, string]));
if (first && isAgreementRun(settings)) runAgreement(first, settings as AgreementSettings);
else if (first) run(loadSet(first, settings), settings);
else {
  // The runs of docs/ml.md §7.
  run(loadSet('moons_2000', {}), { m: '64', z: 'true', exact: 'true' });
  run(loadSet('ai4i_like_4000', {}), { exact: 'true' });
  run(loadSet('ai4i2020', {}), { m: '128' });
}
