import { InvalidDataError, NotFittedError } from '../../errors.ts';
import { assertFinite, type DenseMatrix } from '../dense.ts';
import type { Prediction } from '../gpc.ts';
import { ConstantRbfKernel, type Bounds } from '../kernel.ts';
import { dot, solveLowerManyInPlace } from '../linalg.ts';
import { averageSigmoid } from '../logistic-gaussian.ts';
import { addAdditiveCross, crossCovariance } from './cross-covariance.ts';
import { additiveThetaLength, inducingCholesky, kernelInducing, kernelScales, type SparseParameters } from './elbo.ts';
import type { MarginalRows } from './elbo-rows.ts';
import { warpInputs } from './input-warp.ts';

/** Rows per block of the predictive triangular solve (each row of L_m is read once per block). */
const PREDICT_BLOCK_ROWS = 32;

/** What a sparse fit did, kept in the artifact and drawn in the report. */
export interface SparseFitSummary {
  readonly nTrain: number;
  readonly nPositive: number;
  readonly nInducing: number;
  readonly theta: number[];
  readonly kernel: string;
  /** ELBO on all training rows at the fitted parameters: a lower bound on the log marginal likelihood. */
  readonly elbo: number;
  /** The same ELBO under the exact summary's name, so readers of either kind find a comparable number: a lower bound, not the marginal likelihood itself. */
  readonly logMarginalLikelihood: number;
  /** 1/ℓ per input (one value per input even when isotropic): which inputs the kernel uses. */
  readonly relevances: number[];
  readonly optimizer: {
    readonly stages: Array<{ readonly stage: SparseStage; readonly rows: number; readonly iterations: number; readonly evaluations: number; readonly elbo: number; readonly reason: string }>;
    /** The ELBO after each accepted step of the hyperparameter stages, in order (on the rows they used). */
    readonly trace: number[];
    /** Natural-gradient iterations of q(u), inner and final. */
    readonly variationalIterations: number;
  };
  readonly fitSeconds: number;
}

export type SparseStage = 'isotropic' | 'ard' | 'refine' | 'minibatch' | 'variational';

/** The parameters that define a fitted sparse model: θ, Z, μ, L and the kernel bounds it was fitted in. */
export interface SparseState extends SparseParameters {
  readonly nFeatures: number;
  readonly constantBounds: Bounds;
  readonly lengthScaleBounds: Bounds;
}

/**
 * Sparse variational GP classifier (SVGP, whitened): see elbo.ts for the model and docs/ml.md
 * for the fit. Predictions have the exact model's shape: the probability averages σ over
 * q(f*) = N(a*ᵀμ, c − ‖a*‖² + ‖Lᵀa*‖²), a* = L_m⁻¹ k(Z, x*), at O(m·d + m²) per row.
 */
export class SparseGaussianProcessClassifier {
  readonly kind = 'gpc-sparse' as const;
  readonly #state: SparseState;
  readonly #summary: SparseFitSummary;
  readonly #cholKmm: Float64Array;
  /** Z as the kernel sees it (warped when the model has a warp). */
  readonly #kernelInducing: Float64Array;
  readonly #outOfSample: Prediction | undefined;

  private constructor(state: SparseState, summary: SparseFitSummary, outOfSample: Prediction | undefined) {
    this.#state = state;
    this.#summary = summary;
    this.#outOfSample = outOfSample;
    this.#cholKmm = inducingCholesky(state, state.mean.length, state.nFeatures).cholKmm;
    this.#kernelInducing = kernelInducing(state, state.nFeatures);
  }

  /**
   * A fitted model from its parameters (the fit and the artifact build it this way). The
   * training-row marginals, when given, give the cavity scores of {@link leaveOneOut}.
   */
  static fromState(state: SparseState, summary: SparseFitSummary, trainingRows?: MarginalRows): SparseGaussianProcessClassifier {
    return new SparseGaussianProcessClassifier(state, summary, trainingRows && cavityPredictions(trainingRows));
  }

  get state(): SparseState {
    return this.#state;
  }

  get summary(): SparseFitSummary {
    return this.#summary;
  }

  get nInducing(): number {
    return this.#state.mean.length;
  }

  /** The kernel c × κ(ℓ) at the fitted θ (bitwise: built from θ itself), κ the RBF or a Matérn. */
  get kernel(): ConstantRbfKernel {
    const { theta, nFeatures, constantBounds, lengthScaleBounds, kernel } = this.#state;
    // An additive kernel's full part: θ's first d + 1 entries (the one-dimensional terms follow, see additiveTheta).
    const full = this.additiveTheta ? theta.subarray(0, nFeatures + 1) : theta;
    return new ConstantRbfKernel(nFeatures, { isotropic: full.length === 2, theta: Array.from(full), constantBounds, lengthScaleBounds, shape: kernel ?? 'rbf' });
  }

  /** [log a_1..d, log λ_1..d] of an additive kernel's one-dimensional terms (elbo.ts); undefined otherwise. */
  get additiveTheta(): Float64Array | undefined {
    const { theta, nFeatures: d } = this.#state;
    return theta.length === additiveThetaLength(d) && theta.length !== d + 1 ? theta.slice(d + 1) : undefined;
  }

  /** 1/ℓ per input: large for the inputs the model's decision depends on. */
  relevances(): Float64Array {
    const { theta, nFeatures } = this.#state;
    return Float64Array.from({ length: nFeatures }, (_, k) => Math.exp(-theta[theta.length === 2 ? 1 : 1 + k]));
  }

  /** Probability, latent mean and latent variance for each row of X (scaled like the training rows). */
  predict(x: DenseMatrix): Prediction {
    const { theta, mean, cholCov, nFeatures: d, kernel: shape = 'rbf', warp } = this.#state;
    const inducing = this.#kernelInducing;
    if (x.cols !== d) throw new InvalidDataError(`predict: expected ${d} feature column(s), got ${x.cols}`);
    assertFinite(x, 'predict');
    const xs = warp ? warpInputs(x.data, d, warp) : x.data;
    const m = mean.length;
    const { constant: c, inverseSquared: w, additive, priorVariance } = kernelScales(theta, d);
    const probability = new Float64Array(x.rows);
    const latentMean = new Float64Array(x.rows);
    const latentVariance = new Float64Array(x.rows);
    const block = Math.min(PREDICT_BLOCK_ROWS, Math.max(1, x.rows));
    const a = new Float64Array(block * m);
    const t = new Float64Array(m);
    for (let start = 0; start < x.rows; start += block) {
      const rows = Math.min(block, x.rows - start);
      for (let r = 0; r < rows; r++) {
        crossCovariance(inducing, m, xs, (start + r) * d, d, c, w, a, r * m, shape);
        if (additive) addAdditiveCross(inducing, m, xs, (start + r) * d, d, additive, a, r * m);
      }
      solveLowerManyInPlace(this.#cholKmm, m, a, rows);
      for (let r = 0; r < rows; r++) {
        const ao = r * m;
        t.fill(0);
        for (let j = 0; j < m; j++) {
          const aj = a[ao + j];
          const lj = j * m;
          for (let k = 0; k <= j; k++) t[k] += cholCov[lj + k] * aj;
        }
        const i = start + r;
        latentMean[i] = dot(mean, 0, a, ao, m);
        latentVariance[i] = Math.max(0, priorVariance - dot(a, ao, a, ao, m) + dot(t, 0, t, 0, m));
        probability[i] = averageSigmoid(latentMean[i], latentVariance[i]);
      }
    }
    return { probability, latentMean, latentVariance };
  }

  predictProbability(x: DenseMatrix): Float64Array {
    return this.predict(x).probability;
  }

  /**
   * Out-of-sample-like scores of the training rows: for each row, q(f_i) with row i's own
   * Gaussian site removed (the cavity, as in EP and in the exact model's approximate
   * leave-one-out). Only on a model fitted in this process: the artifact keeps no training rows.
   */
  leaveOneOut(): Prediction {
    if (!this.#outOfSample) throw new NotFittedError('leave-one-out scores exist only on a model fitted in this process, not on a loaded one');
    return this.#outOfSample;
  }
}

/**
 * Row i's site at the natural-gradient fixed point is Gaussian in h_i = a_iᵀv with precision
 * τ_i = −2 ∂E_i/∂s_i (the fixed point is S⁻¹ = I + Σ τ_i a_i a_iᵀ). Removing it from the part of
 * q(f_i) that goes through u, N(m_i, σ_i²) with σ_i² = a_iᵀSa_i, leaves the cavity
 * N(m_i − g_i σ₋², σ₋²) with 1/σ₋² = 1/σ_i² − τ_i (g_i = ∂E_i/∂m_i); the Nyström residual
 * c − ‖a_i‖², which no site touches, is added back. With Z = X this is the exact model's rule.
 */
export function cavityPredictions(rows: MarginalRows): Prediction {
  const n = rows.mean.length;
  const probability = new Float64Array(n);
  const latentMean = new Float64Array(n);
  const latentVariance = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const throughU = Math.max(rows.variance[i] - rows.residualVariance[i], 1e-300);
    const tau = -2 * rows.curvature[i];
    // 1/σ² > τ at the fixed point; the floor only guards rounding and an unconverged q.
    const cavityVariance = 1 / Math.max(1 / throughU - tau, 1e-12);
    latentMean[i] = rows.mean[i] - rows.slope[i] * cavityVariance;
    latentVariance[i] = cavityVariance + rows.residualVariance[i];
    probability[i] = averageSigmoid(latentMean[i], latentVariance[i]);
  }
  return { probability, latentMean, latentVariance };
}
