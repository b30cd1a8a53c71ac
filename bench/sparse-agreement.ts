/**
 * Issue 9, "Sparse agrees with exact": on each set, the exact GP with the pipeline's defaults
 * beside the sparse GP with the library's defaults and/or Train's own options, the holdout ROC AUC
 * of each, their difference and its paired bootstrap standard error (paired-bootstrap.ts); over a
 * batch of seeds (and noises), one row per set and then the spread of the differences.
 *
 * Train's options are Train's own (steps/train/sparse-fitter.ts trainSparseOptions) with the run
 * config's defaults (seed 0, inducingPoints unset): m = 128, ARD, the additive kernel, θ on at
 * most ADDITIVE_OPTIMIZE_ROWS rows and then refined on every row, the stall rule. The bar itself
 * compares the same model both ways: `ard=false` with the library's options (docs/benchmarks.md,
 * "Like for like").
 */
import { GaussianProcessClassifier } from '../lambdas/core/ml/gpc.ts';
import { rocAuc } from '../lambdas/core/ml/metrics.ts';
import { takeRows } from '../lambdas/core/ml/dense.ts';
import { fitSparse as fitSparseModel, type SparseFitOptions } from '../lambdas/core/ml/sparse/sparse-fit.ts';
import type { SparseGaussianProcessClassifier } from '../lambdas/core/ml/sparse/svgp.ts';
import { fitSparseLaplace, type SparseLaplaceFitOptions } from '../lambdas/core/ml/sparse/sparse-laplace-fit.ts';
import type { DenseMatrix } from '../lambdas/core/ml/dense.ts';
import { additiveThetaLength } from '../lambdas/core/ml/sparse/elbo.ts';
import { DEFAULT_ADDITIVE_KERNEL, DEFAULT_INPUT_WARP, trainSparseOptions } from '../lambdas/core/steps/train/sparse-fitter.ts';
import { runExperiment } from './experiment.ts';
import { pairedAucDifference } from './paired-bootstrap.ts';
import { type BenchSet, freshTestSet, loadSet } from './sparse-sets.ts';

/** The bar on |sparse AUC − exact AUC|. */
export const AGREEMENT_TOLERANCE = 0.005;

export type AgreementSettings = Readonly<Record<string, string>>;

/** Whether the command line asks for the agreement table rather than one detailed sparse fit. */
export function isAgreementRun(settings: AgreementSettings): boolean {
  return ['seeds', 'train', 'theta', 'exactat', 'exactard', 'testn'].some((k) => settings[k] !== undefined);
}

type Variant = 'library' | 'train';

/** The label of the diagnostic run with θ held at the exact GP's optimum. */
const AT_EXACT_THETA = 'at exact θ';

/** The sparse GP's options as Train builds them with the run config's defaults. */
export function trainDefaults(): SparseFitOptions {
  const { onProgress: _, ...options } = trainSparseOptions({ seed: 0, targetRecall: 0.9, additiveKernel: DEFAULT_ADDITIVE_KERNEL, inputWarp: DEFAULT_INPUT_WARP });
  return options;
}

/** The command line's overrides (m, z, rows, iter, ard, additive, prior, quad), applied to every variant. */
function overrides(settings: AgreementSettings): SparseFitOptions {
  return {
    ...(settings.m && { inducingPoints: Number(settings.m) }),
    ...(settings.z && { optimizeInducing: settings.z === 'true' }),
    ...(settings.rows && { optimizeRows: Number(settings.rows) }),
    ...(settings.iter && { maxIterations: Number(settings.iter) }),
    ...(settings.ard && { ard: settings.ard === 'true' }),
    ...(settings.additive && { additive: settings.additive === 'true' }),
    ...(settings.prior && { thetaPriorScale: Number(settings.prior) }),
    // quad=1: the expectation taken at q(f)'s mean alone. Not the Laplace posterior: one node at the mean gives no curvature, so S stays I (inference=laplace is that posterior).
    ...(settings.quad && { quadraturePoints: Number(settings.quad) }),
  };
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface SparseRun {
  readonly label: string;
  readonly model: SparseGaussianProcessClassifier;
  readonly probability: Float64Array;
  readonly elbo: number;
  readonly theta: number[];
  readonly cpu: number;
  readonly inducing: number;
}

/** inference=laplace: the sparse model by the Laplace approximation (sparse-laplace-fit.ts) instead of the variational bound; the options it has are taken over. */
function laplaceOptions(options: SparseFitOptions): SparseLaplaceFitOptions {
  const { inducingPoints, kernel, ard, optimizeInducing, constant, lengthScale, constantBounds, lengthScaleBounds, maxIterations, seed } = options;
  return { inducingPoints, kernel, ard, optimizeInducing, constant, lengthScale, constantBounds, lengthScaleBounds, maxIterations, seed };
}

function fitSparse(set: BenchSet, label: string, options: SparseFitOptions, inference = 'variational'): SparseRun {
  const cpu0 = cpuSeconds();
  const model = inference === 'laplace' ? fitSparseLaplace(set.xTrain, set.yTrain, laplaceOptions(options)) : fitSparseModel(set.xTrain, set.yTrain, options);
  const cpu = cpuSeconds() - cpu0;
  const probability = new Float64Array(set.xTest.rows);
  for (let r = 0; r < set.xTest.rows; r++) probability[r] = model.predict(takeRows(set.xTest, [r])).probability[0];
  return { label, model, probability, elbo: model.summary.elbo, theta: model.summary.theta, cpu, inducing: model.summary.nInducing };
}

/** The exact GP at fixed θ = [log c, log ℓ…] on the set's scaled rows: AUC and log marginal likelihood. */
function exactAt(set: BenchSet, theta: number[]): { auc: number; lml: number } {
  const gpc = new GaussianProcessClassifier({ optimize: false, kernel: { theta, isotropic: theta.length === 2 } }).fit(set.xTrain, set.yTrain);
  return { auc: rocAuc(set.yTest, gpc.predict(set.xTest).probability), lml: gpc.summary.logMarginalLikelihood };
}

/** Sparse options that hold θ at the exact GP's isotropic optimum (bounds a hair wide around it). */
function atExactTheta(theta: number[], base: SparseFitOptions): SparseFitOptions {
  const [c, l] = [Math.exp(theta[0]), Math.exp(theta[1])];
  const hair = 1 + 1e-6;
  return { ...base, ard: false, additive: false, constant: c, lengthScale: l, constantBounds: [c / hair, c * hair], lengthScaleBounds: [l / hair, l * hair] };
}

/** Probabilities of many rows, 2,000 at a time (the exact GP's cross-covariance is rows × training rows). */
function inChunks(x: DenseMatrix, predict: (rows: DenseMatrix) => Float64Array): Float64Array {
  const out = new Float64Array(x.rows);
  for (let start = 0; start < x.rows; start += 2000) {
    const index = Array.from({ length: Math.min(2000, x.rows - start) }, (_, k) => start + k);
    out.set(predict(takeRows(x, index)), start);
  }
  return out;
}

/** `1..6` or `1,3,5` → [1, …]. */
function parseList(text: string | undefined, fallback: string[]): string[] {
  if (text === undefined) return fallback;
  const range = /^(\d+)\.\.(\d+)$/.exec(text);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, k) => String(Number(range[1]) + k));
  return text.split(',');
}

interface Row {
  readonly set: string;
  readonly label: string;
  readonly difference: number;
  readonly standardError: number;
}

function summarise(rows: Row[]): void {
  for (const label of [...new Set(rows.map((r) => r.label))]) {
    const d = rows.filter((r) => r.label === label).map((r) => r.difference);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, d.length - 1));
    const held = d.filter((v) => Math.abs(v) <= AGREEMENT_TOLERANCE).length;
    console.log(
      `spread ${label}: ${d.length} sets, sparse − exact mean ${signed(mean)} sd ${sd.toFixed(4)} min ${signed(Math.min(...d))} max ${signed(Math.max(...d))}; |Δ| ≤ ${AGREEMENT_TOLERANCE} on ${held} of ${d.length}`,
    );
  }
}

const signed = (v: number, digits = 4) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;

export function runAgreement(name: string, settings: AgreementSettings): void {
  const seeds = parseList(settings.seeds, [settings.seed ?? '7']);
  const noises = name === 'moons' ? parseList(settings.noise, ['0.25']) : [undefined];
  const variants: Variant[] = { both: ['library', 'train'] as Variant[], true: ['train'] as Variant[], none: [], library: ['library'] as Variant[] }[settings.train ?? ''] ?? ['library'];
  const resamples = Number(settings.bootstrap ?? 2000);
  const rows: Row[] = [];
  console.log('set | n train | holdout failures | exact AUC (CPU s) | per variant: sparse AUC, sparse − exact ± paired SE, ELBO (CPU s)');
  for (const seed of seeds) {
    for (const noise of noises) {
      const set = loadSet(name, { ...settings, seed, ...(noise === undefined ? {} : { noise }) });
      const exact = runExperiment(set.data, { split: set.split });
      const pe = exact.testPrediction.probability;
      const exactAuc = rocAuc(set.yTest, pe);
      const exactTheta = exact.model.fitSummary.theta;
      const cells: string[] = [];
      const runs: SparseRun[] = [];
      // inference=laplace: the library's variant and the runs at exact θ by the Laplace approximation (Train's variant stays variational).
      const inference = settings.inference ?? 'variational';
      for (const variant of variants) runs.push(fitSparse(set, variant, { ...(variant === 'train' ? trainDefaults() : {}), ...overrides(settings) }, variant === 'library' ? inference : 'variational'));
      if (settings.theta === 'exact') {
        for (const m of parseList(settings.ms, settings.m === undefined ? [] : [settings.m])) runs.push(fitSparse(set, AT_EXACT_THETA, atExactTheta(exactTheta, { ...overrides(settings), inducingPoints: Number(m) }), inference));
        if (settings.ms === undefined && settings.m === undefined) runs.push(fitSparse(set, AT_EXACT_THETA, atExactTheta(exactTheta, overrides(settings)), inference));
      }
      for (const run of runs) {
        const paired = pairedAucDifference(set.yTest, run.probability, pe, { resamples, tolerance: AGREEMENT_TOLERANCE });
        rows.push({ set: set.name, label: run.label, difference: paired.difference, standardError: paired.standardError });
        const verdict = Math.abs(paired.difference) <= AGREEMENT_TOLERANCE ? 'holds' : 'MISS';
        cells.push(
          `${run.label} m=${run.inducing}: ${rocAuc(set.yTest, run.probability).toFixed(4)} ${signed(paired.difference)} ± ${paired.standardError.toFixed(4)} ${verdict} ELBO ${run.elbo.toFixed(2)} (${run.cpu.toFixed(1)} s)`,
        );
        if (settings.exactat === 'sparse' && run.label !== AT_EXACT_THETA && run.theta.length !== additiveThetaLength(set.xTrain.cols)) {
          const at = exactAt(set, run.theta);
          cells.push(`exact at ${run.label} θ: AUC ${at.auc.toFixed(4)} LML ${at.lml.toFixed(2)}`);
        }
      }
      if (settings.exactard === 'true') {
        // Like for like: the exact GP with ARD too (from its isotropic optimum, as the sparse GP's ARD stage starts).
        const ard = runExperiment(set.data, { split: set.split, gpc: { ard: 'from-isotropic' } });
        const pa = ard.testPrediction.probability;
        const cell = runs
          .map((run) => {
            const paired = pairedAucDifference(set.yTest, run.probability, pa, { resamples, tolerance: AGREEMENT_TOLERANCE });
            return `${run.label} − exact ARD ${signed(paired.difference)} ± ${paired.standardError.toFixed(4)}`;
          })
          .join(', ');
        cells.push(`exact ARD: AUC ${rocAuc(set.yTest, pa).toFixed(4)} LML ${ard.model.fitSummary.logMarginalLikelihood.toFixed(2)} (${ard.fitCpuSeconds.toFixed(1)} s); ${cell}`);
      }
      if (settings.testn !== undefined) {
        const big = freshTestSet(set, name, { ...settings, seed, ...(noise === undefined ? {} : { noise }) }, Number(settings.testn));
        // rank=latent: rank the fresh rows by the latent mean alone (what the predictive variance adds drops out).
        const score = (p: { probability: Float64Array; latentMean: Float64Array }) => (settings.rank === 'latent' ? p.latentMean : p.probability);
        const pb = inChunks(big.xRaw, (x) => score(exact.model.predict(x)));
        const bigCells = runs.map((run) => {
          const pr = inChunks(big.x, (x) => score(run.model.predict(x)));
          const paired = pairedAucDifference(big.y, pr, pb, { resamples: Math.min(resamples, 500), tolerance: AGREEMENT_TOLERANCE });
          rows.push({ set: set.name, label: `${run.label} on ${big.y.length} fresh rows`, difference: paired.difference, standardError: paired.standardError });
          return `${run.label} ${rocAuc(big.y, pr).toFixed(4)} ${signed(paired.difference)} ± ${paired.standardError.toFixed(4)}`;
        });
        cells.push(`on ${big.y.length} fresh rows (${big.y.reduce((t, v) => t + v, 0)} failures): exact ${rocAuc(big.y, pb).toFixed(4)}, ${bigCells.join(', ')}`);
      }
      const failures = set.yTest.reduce((s, v) => s + v, 0);
      console.log(
        `${set.name} | ${set.xTrain.rows} | ${failures} | exact ${exactAuc.toFixed(4)} LML ${exact.model.fitSummary.logMarginalLikelihood.toFixed(2)} θ [${exactTheta.map((t) => t.toFixed(2)).join(', ')}] (${exact.fitCpuSeconds.toFixed(1)} s) | ${cells.join(' | ')}`,
      );
    }
  }
  if (seeds.length * noises.length > 1) summarise(rows);
}
