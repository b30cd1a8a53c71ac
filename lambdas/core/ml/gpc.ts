import { checkTrainingData } from './training-data.ts';
import { InvalidDataError, NotFittedError } from '../errors.ts';
import { assertFinite, type DenseMatrix, row } from './dense.ts';
import {
  bestOfStarts,
  emptySearchLog,
  restartPoints,
  type SearchLog,
  type SearchOptions,
  searchHyperparameters,
  type Stage,
  type StartPoint,
  subsampleRows,
} from './hyperparameter-search.ts';
import { type Bounds, ConstantRbfKernel, type KernelOptions } from './kernel.ts';
import { LaplaceEvidence } from './laplace-evidence.ts';
import { type LaplaceState, logMarginalLikelihoodGradient, posteriorMode } from './laplace.ts';
import { dot, inverseDiagonalFromCholesky, matVec, solveLowerInPlace, solveLowerManyInPlace } from './linalg.ts';
import { linalgPool } from './parallel.ts';
import { averageSigmoid } from './logistic-gaussian.ts';
import { SeededRandom } from './random.ts';

export type { Stage } from './hyperparameter-search.ts';

/** Rows per block of the predictive triangular solve: a block of v (16 × n doubles) stays in cache. */
const PREDICT_BLOCK_ROWS = 16;

/** Progress of a fit, for logs and progress bars. */
export type FitProgress =
  | { readonly stage: Stage; readonly start: number; readonly iteration: number; readonly logMarginalLikelihood: number; readonly theta: number[]; readonly projectedGradient: number }
  | { readonly stage: 'start'; readonly start: number; readonly theta: number[]; readonly rows: number };

/**
 * Length-scale bounds of `ard: 'from-isotropic'` when the kernel options give none. Inputs are
 * standardised (sd 1): at l = 1e3 an input adds at most ~1e-4 to a squared distance, so it is
 * switched off, and anything longer only lengthens the optimiser's crawl along a flat direction
 * (∂/∂log l vanishes like 1/l²); below l = 1e-2 every row becomes its own island.
 */
export const ARD_LENGTH_SCALE_BOUNDS: Bounds = [1e-2, 1e3];

export interface GpcOptions {
  readonly kernel?: KernelOptions;
  /**
   * 'from-isotropic': one length scale per input (ARD), initialised from the isotropic optimum:
   * every start (and restart) first fits one shared length scale, on the subsample when there is
   * one, then the per-input scales are freed from the best of those and optimised (subsample,
   * then all rows). Length scales default to {@link ARD_LENGTH_SCALE_BOUNDS}. Started directly,
   * ARD on standardised inputs tends to a flat optimum with most scales at the upper bound.
   * Absent: the kernel as `kernel` describes it (`isotropic: false` optimises ARD from the given start).
   */
  readonly ard?: 'from-isotropic';
  /** Optimise θ by maximising the log marginal likelihood; false keeps the kernel as given. @default true */
  readonly optimize?: boolean;
  /** Extra optimiser starts, drawn log-uniformly (uniform in θ) within `restartBounds`. @default 0 */
  readonly restarts?: number;
  /** Box in natural units for restart draws: [[c_lo, c_hi], [l_lo, l_hi]]. @default the kernel bounds */
  readonly restartBounds?: readonly [readonly [number, number], readonly [number, number]];
  /** Seed for restart draws and the subsample. @default 0 */
  readonly seed?: number;
  /**
   * Optimise first on a stratified subsample of at most this many rows and at most half of all
   * rows (smaller than that, the finishing run saves too little to pay for the first), then finish
   * on all rows from the best subsample optimum; restarts run on the subsample only.
   * 0: all rows throughout. Below 40 rows there is no subsample. @default 0
   */
  readonly subsampleSize?: number;
  /** Start each Newton search near the new mode (predicted from the last gradient) instead of f = 0. @default true */
  readonly warmStart?: boolean;
  /** Optimiser stop: ‖projected gradient‖∞ of the log marginal likelihood. @default 1e-5 (scikit-learn's) */
  readonly gradientTolerance?: number;
  /** Optimiser stop: relative reduction of the objective per step. @default 2.2e-9 (scikit-learn's) */
  readonly relativeTolerance?: number;
  /**
   * The same rule for the finishing run on all rows after a subsample stage, which starts close to
   * the optimum: there each step costs a full factorisation, while steps below this change the log
   * marginal likelihood by ~1e-5 and the predictions by far less. @default 1e-7
   */
  readonly refineRelativeTolerance?: number;
  /**
   * The same rule on the subsample, whose optimum only has to be close: the run on all rows
   * refines it. @default 1e-6
   */
  readonly subsampleRelativeTolerance?: number;
  readonly onProgress?: (progress: FitProgress) => void;
}

/** What a fit did, kept in the artifact and drawn in the report. */
export interface FitSummary {
  readonly nTrain: number;
  readonly nPositive: number;
  readonly theta: number[];
  readonly kernel: string;
  readonly logMarginalLikelihood: number;
  readonly optimizer: {
    readonly starts: Array<{ readonly theta0: number[]; readonly theta: number[]; readonly logMarginalLikelihood: number; readonly iterations: number; readonly reason: string; readonly stage: Stage }>;
    /** Log marginal likelihood after each accepted step of the final full-data run. */
    readonly trace: number[];
    readonly evaluations: number;
    readonly newtonIterations: number;
  };
  readonly fitSeconds: number;
}


/** The posterior quantities needed to predict (everything else is recomputed from these). */
export interface FittedState {
  readonly xTrain: DenseMatrix;
  /** y − π at the mode: the predictive mean is k*ᵀ (y − π). */
  readonly residual: Float64Array;
  readonly wSqrt: Float64Array;
  /** Lower Cholesky factor of B = I + W½ K W½. */
  readonly cholB: Float64Array;
  readonly logMarginalLikelihood: number;
}

export interface Prediction {
  /** P(y = 1 | x), averaged over the latent Gaussian. */
  readonly probability: Float64Array;
  /** Mean of the latent f(x) under the Laplace posterior. */
  readonly latentMean: Float64Array;
  /** Variance of the latent f(x): the model's own uncertainty about this row. */
  readonly latentVariance: Float64Array;
}

/**
 * Binary Gaussian process classifier with the Laplace approximation (GPML ch. 3; the model of
 * scikit-learn's `GaussianProcessClassifier`). Class 1 is the positive class: needs maintenance.
 */
export class GaussianProcessClassifier {
  readonly options: GpcOptions;
  #kernel: ConstantRbfKernel | undefined;
  #state: FittedState | undefined;
  #summary: FitSummary | undefined;

  constructor(options: GpcOptions = {}) {
    this.options = checkOptions(options);
  }

  get kernel(): ConstantRbfKernel {
    if (!this.#kernel) throw new NotFittedError('the classifier has not been fitted');
    return this.#kernel;
  }

  get summary(): FitSummary {
    if (!this.#summary) throw new NotFittedError('the classifier has not been fitted');
    return this.#summary;
  }

  get state(): FittedState {
    if (!this.#state) throw new NotFittedError('the classifier has not been fitted');
    return this.#state;
  }

  get isFitted(): boolean {
    return this.#state !== undefined;
  }

  fit(x: DenseMatrix, y: ArrayLike<number>): this {
    const started = performance.now();
    const labels = checkTrainingData(x, y);
    const log = emptySearchLog();
    let newtonIterations = 0;
    let kernel: ConstantRbfKernel;
    let mode: LaplaceState;
    if (this.options.optimize ?? true) {
      const found = this.#search(x, labels, log);
      ({ kernel, mode, newtonIterations } = found);
    } else {
      // Fixed θ: one mode search from f = 0, as scikit-learn does.
      kernel = new ConstantRbfKernel(x.cols, this.#kernelOptions());
      mode = posteriorMode(kernel.matrix(x), labels);
      newtonIterations += mode.iterations;
    }
    this.#kernel = kernel;
    this.#state = fittedState(x, labels, mode);
    this.#summary = {
      nTrain: x.rows,
      nPositive: labels.reduce((s, v) => s + v, 0),
      theta: Array.from(kernel.theta),
      kernel: kernel.toString(),
      logMarginalLikelihood: mode.logMarginalLikelihood,
      optimizer: {
        starts: log.starts.map(({ objective, ...start }) => ({ ...start, logMarginalLikelihood: objective })),
        trace: log.trace,
        evaluations: log.evaluations,
        newtonIterations,
      },
      fitSeconds: (performance.now() - started) / 1000,
    };
    return this;
  }

  /**
   * θ by the shared hyperparameter search (hyperparameter-search.ts) over the Laplace evidence:
   * the given start and the restarts, on the subsample first when there is one. With
   * `ard: 'from-isotropic'`, those starts fit the isotropic kernel, and one ARD run continues
   * from the best of them with every length scale set to the shared one.
   */
  #search(x: DenseMatrix, labels: Uint8Array, log: SearchLog): { kernel: ConstantRbfKernel; mode: LaplaceState; newtonIterations: number } {
    const seed = this.options.seed ?? 0;
    const subsample = subsampleRows(labels, this.options.subsampleSize ?? 0, seed);
    const warmStart = this.options.warmStart ?? true;
    const searchOptions = this.#searchOptions();
    const ard = this.options.ard === 'from-isotropic';
    const kernelOptions = this.#kernelOptions();
    const kernel = new ConstantRbfKernel(x.cols, ard ? { ...kernelOptions, isotropic: true } : kernelOptions);
    const box = this.options.restartBounds ?? [kernel.constantBounds, kernel.lengthScaleBounds];
    const restarts = restartPoints(this.options.restarts ?? 0, kernel.nHyperparameters, (m) => box[m === 0 ? 0 : 1], new SeededRandom(seed));
    const starts: Array<StartPoint<Float64Array>> = [kernel.theta, ...restarts].map((theta0) => ({ theta0 }));
    const evidence = new LaplaceEvidence(kernel, x, labels, { subsample, warmStart });
    if (!ard) {
      const run = searchHyperparameters(evidence, starts, searchOptions, log);
      // The state of the best evaluation: a converged mode at the chosen θ.
      kernel.theta = run.best.theta;
      return { kernel, mode: run.best.state, newtonIterations: evidence.newtonIterations };
    }
    const isotropic = bestOfStarts(evidence, subsample ? 'subsample' : 'full', starts, searchOptions, log);
    const [logC, logL] = isotropic.best.theta;
    const ardKernel = new ConstantRbfKernel(x.cols, { ...kernelOptions, isotropic: false });
    ardKernel.theta = [logC, ...new Array<number>(x.cols).fill(logL)];
    const ardEvidence = new LaplaceEvidence(ardKernel, x, labels, { subsample, warmStart });
    // The isotropic mode is the ARD mode at this θ, on the same rows: Newton starts there.
    const run = searchHyperparameters(ardEvidence, [{ theta0: ardKernel.theta, warm: isotropic.best.state.mode }], searchOptions, log);
    ardKernel.theta = run.best.theta;
    return { kernel: ardKernel, mode: run.best.state, newtonIterations: evidence.newtonIterations + ardEvidence.newtonIterations };
  }

  /** The kernel options, with the ARD bounds filled in where `ard` asks for them. */
  #kernelOptions(): KernelOptions {
    const kernel = this.options.kernel ?? {};
    if (this.options.ard !== 'from-isotropic') return kernel;
    return { ...kernel, lengthScaleBounds: kernel.lengthScaleBounds ?? ARD_LENGTH_SCALE_BOUNDS };
  }

  #searchOptions(): SearchOptions {
    const { onProgress, gradientTolerance, relativeTolerance, refineRelativeTolerance, subsampleRelativeTolerance } = this.options;
    return {
      gradientTolerance,
      relativeTolerance,
      refineRelativeTolerance,
      subsampleRelativeTolerance,
      onStart: onProgress && ((_stage, start, theta0, rows) => onProgress({ stage: 'start', start, theta: Array.from(theta0), rows })),
      onIteration:
        onProgress &&
        ((stage, start, it) =>
          onProgress({ stage, start, iteration: it.iteration, logMarginalLikelihood: -it.value, theta: Array.from(it.x), projectedGradient: it.projectedGradient })),
    };
  }

  /**
   * Log marginal likelihood at θ (default: the fitted θ) and optionally its gradient, computed
   * from f = 0 as scikit-learn does. Needs the training data, so only on a fitted model or with X, y.
   */
  static logMarginalLikelihood(
    x: DenseMatrix,
    y: ArrayLike<number>,
    theta: ArrayLike<number>,
    options: { kernel?: KernelOptions; gradient?: boolean } = {},
  ): { value: number; gradient?: Float64Array; newtonIterations: number; state: LaplaceState } {
    const labels = checkTrainingData(x, y);
    const kernel = new ConstantRbfKernel(x.cols, options.kernel);
    kernel.theta = theta;
    const k = kernel.matrix(x);
    const state = posteriorMode(k, labels);
    const gradient = options.gradient ? logMarginalLikelihoodGradient(state, k, x, labels, kernel).gradient : undefined;
    return { value: state.logMarginalLikelihood, gradient, newtonIterations: state.iterations, state };
  }

  /** Probability, latent mean and latent variance for each row of X (scaled like the training rows). */
  predict(x: DenseMatrix): Prediction {
    const { xTrain, residual, wSqrt, cholB } = this.state;
    const kernel = this.kernel;
    if (x.cols !== xTrain.cols) {
      throw new InvalidDataError(`predict: expected ${xTrain.cols} feature column(s), got ${x.cols}`);
    }
    assertFinite(x, 'predict');
    const n = xTrain.rows;
    const c = kernel.constant;
    const w = kernel.inverseSquaredScales();
    const probability = new Float64Array(x.rows);
    const latentMean = new Float64Array(x.rows);
    const latentVariance = new Float64Array(x.rows);
    // Rows go through the triangular solve in blocks, so each row of the n×n factor is read
    // once per block instead of once per row (the same arithmetic per row: bitwise equal).
    const block = Math.min(PREDICT_BLOCK_ROWS, x.rows);
    const kStar = new Float64Array(block * n);
    const v = new Float64Array(block * n);
    for (let start = 0; start < x.rows; start += block) {
      const m = Math.min(block, x.rows - start);
      for (let j = 0; j < m; j++) {
        const kj = kStar.subarray(j * n, (j + 1) * n);
        kernel.crossRow(xTrain, row(x, start + j), kj, w);
        // GPML 3.2 line 4: f̄* = k*ᵀ ∇log p(y|f̂) = k*ᵀ (y − π).
        latentMean[start + j] = dot(kj, 0, residual, 0, n);
        // Line 5: v = L \ (W½ k*).
        for (let i = 0; i < n; i++) v[j * n + i] = wSqrt[i] * kj[i];
      }
      solveLowerManyInPlace(cholB, n, v, m);
      for (let j = 0; j < m; j++) {
        // Line 6: V[f*] = k(x*, x*) − vᵀv.
        const variance = Math.max(0, c - dot(v, j * n, v, j * n, n));
        latentVariance[start + j] = variance;
        probability[start + j] = averageSigmoid(latentMean[start + j], variance);
      }
    }
    return { probability, latentMean, latentVariance };
  }

  /**
   * Approximate leave-one-out predictions for the training rows, without refitting: remove row
   * i's Gaussian site (precision W_i, matched to the likelihood's slope at the mode) from the
   * Laplace marginal N(f̂_i, Σ_ii) to get the cavity N(μ₋ᵢ, 1/τ_i) with τ_i = 1/Σ_ii − W_i and
   * μ₋ᵢ = f̂_i − (y_i − π_i)/τ_i (the construction EP uses; Rasmussen & Williams §3.6).
   * These are honest out-of-sample scores from all rows, used to choose the decision threshold.
   */
  leaveOneOut(): Prediction {
    const { xTrain, residual, wSqrt, cholB } = this.state;
    const n = xTrain.rows;
    const k = this.kernel.matrix(xTrain);
    const mode = matVec(k, n, residual); // f̂ = K (y − π)
    const bInvDiagonal = inverseDiagonalFromCholesky(cholB, n, linalgPool(n));
    const v = new Float64Array(n);
    const probability = new Float64Array(n);
    const latentMean = new Float64Array(n);
    const latentVariance = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const w = wSqrt[i] * wSqrt[i];
      // Σ_ii from W_i Σ_ii = 1 − B⁻¹_ii (as in the gradient); where W_i is so small that this
      // difference cancels, from one forward substitution: Σ_ii = k_ii − ‖L⁻¹ W½ k_i‖².
      const wSigma = 1 - bInvDiagonal[i];
      let sigma: number;
      if (wSigma > 1e-6) sigma = wSigma / w;
      else {
        for (let j = 0; j < n; j++) v[j] = wSqrt[j] * k[i * n + j];
        solveLowerInPlace(cholB, n, v);
        sigma = Math.max(0, k[i * n + i] - dot(v, 0, v, 0, n));
      }
      // Σ_ii < 1/W_i always holds in exact arithmetic; guard the rounding edge.
      const tau = sigma > 0 ? Math.max(1 / sigma - w, 1e-12) : Infinity;
      latentMean[i] = mode[i] - residual[i] / tau;
      latentVariance[i] = 1 / tau;
      probability[i] = averageSigmoid(latentMean[i], latentVariance[i]);
    }
    return { probability, latentMean, latentVariance };
  }

  predictProbability(x: DenseMatrix): Float64Array {
    return this.predict(x).probability;
  }

  /** Rebuilds a fitted classifier from stored state (used by the model artifact). */
  static fromState(kernel: ConstantRbfKernel, state: FittedState, summary: FitSummary): GaussianProcessClassifier {
    const model = new GaussianProcessClassifier();
    model.#kernel = kernel;
    model.#state = state;
    model.#summary = summary;
    return model;
  }
}

function fittedState(x: DenseMatrix, y: Uint8Array, mode: LaplaceState): FittedState {
  // Same temporaries as scikit-learn keeps after fit (π of the f before the last update).
  const residual = Float64Array.from(y, (yi, i) => yi - mode.pi[i]);
  return { xTrain: x, residual, wSqrt: mode.wSqrt, cholB: mode.cholB, logMarginalLikelihood: mode.logMarginalLikelihood };
}

/** Every option checked up front, so a typo fails here and not deep inside a fit. */
function checkOptions(options: GpcOptions): GpcOptions {
  const count = (name: keyof GpcOptions) => {
    const v = options[name];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0)) throw new InvalidDataError(`GPC option ${name} must be a non-negative integer, got ${String(v)}`);
  };
  const tolerance = (name: keyof GpcOptions) => {
    const v = options[name];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new InvalidDataError(`GPC option ${name} must be a finite number ≥ 0, got ${String(v)}`);
  };
  (['restarts', 'subsampleSize', 'seed'] as const).forEach(count);
  (['gradientTolerance', 'relativeTolerance', 'refineRelativeTolerance', 'subsampleRelativeTolerance'] as const).forEach(tolerance);
  if (options.ard !== undefined) {
    if (options.ard !== 'from-isotropic') throw new InvalidDataError(`GPC option ard must be 'from-isotropic', got ${String(options.ard)}`);
    if (options.kernel?.isotropic === true) throw new InvalidDataError("GPC option ard: 'from-isotropic' asks for one length scale per input, but kernel.isotropic is true");
    if (Array.isArray(options.kernel?.lengthScale)) {
      throw new InvalidDataError("GPC option ard: 'from-isotropic' starts from one shared length scale: give kernel.lengthScale as a number");
    }
  }
  for (const [lo, hi] of options.restartBounds ?? []) {
    if (!(lo > 0 && hi > lo && Number.isFinite(hi))) throw new InvalidDataError(`GPC option restartBounds needs 0 < lower < upper < ∞ per pair, got [${lo}, ${hi}]`);
  }
  return options;
}
