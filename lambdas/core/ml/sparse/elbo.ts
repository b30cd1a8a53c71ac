import { ShapeError } from '../../errors.ts';
import type { DenseMatrix } from '../dense.ts';
import { type KernelShape, pairValue, profileOf, profileSlope } from '../kernel-shape.ts';
import { choleskyInPlace, dot } from '../linalg.ts';
import type { AdditiveScales } from './cross-covariance.ts';
import { chunkCount, type GradientScope, type MarginalRows, partialLayout, reducePartials, type RowPass } from './elbo-rows.ts';
import { runRowPass, whitenedBuffer } from './elbo-parallel.ts';
import { gaussHermite } from './gauss-hermite.ts';
import { chainWarpGradient, warpInputs } from './input-warp.ts';
import { chainInducingCovariance } from './whitening-adjoint.ts';

/**
 * The evidence lower bound of the whitened sparse variational GP classifier (Hensman, Matthews &
 * Ghahramani, AISTATS 2015; GPflow's `SVGP` with `whiten=True`) and its analytic gradient.
 *
 *   k(x, x') = c · κ(Σ_d (x_d − x'_d)² / ℓ_d²),   θ = [log c, log ℓ…] (one ℓ or one per input)
 *   (or c · Π_d κ(s_d) for a product shape); κ: the RBF or a Matérn profile (kernel-shape.ts)
 *   additive (θ = [log c, log ℓ_1..d, log a_1..d, log λ_1..d]): k(x, x') + Σ_d a_d exp(−(x_d − x'_d)²/(2λ_d²)),
 *   one one-dimensional RBF per input with its own variance and length scale beside the full kernel
 *   K_mm = K(Z, Z) + ε c I = L_m L_mᵀ,   u = L_m v,   q(v) = N(μ, S),  S = L Lᵀ
 *   a_i = L_m⁻¹ k(Z, x_i):   q(f_i) = N(a_iᵀ μ,  c − ‖a_i‖² + ‖Lᵀ a_i‖²)
 *   ELBO = Σ_i E_q(f_i)[log σ(y±_i f_i)] − KL(N(μ, S) ‖ N(0, I))
 *
 * The expectations use Gauss–Hermite quadrature; the gradient is that of the quadrature sum, so
 * finite differences of the value agree with it to rounding. The sum over rows is elbo-rows.ts's,
 * run on every core (elbo-parallel.ts): memory O(chunks·m² + block·m), time O(n·m² + n·m·d + m³)
 * per evaluation. K_mm is never inverted: everything goes through L_m and triangular solves.
 */

/** Relative jitter on the diagonal of K_mm: ε c keeps L_m well defined when two inducing points nearly coincide. */
export const INDUCING_JITTER = 1e-6;
/** Quadrature points per expectation: enough for the logistic likelihood to ~1e-10 at the variances that occur. */
export const QUADRATURE_POINTS = 20;

/** Everything that defines q(f) at the training rows. */
export interface SparseParameters {
  /** [log c, log ℓ] (isotropic) or [log c, log ℓ_1, …, log ℓ_d] (ARD). */
  readonly theta: Float64Array;
  /** Inducing inputs Z, m × d, row-major. */
  readonly inducing: Float64Array;
  /** Whitened variational mean μ, m. */
  readonly mean: Float64Array;
  /** Lower Cholesky factor L of the whitened variational covariance S, m × m row-major. */
  readonly cholCov: Float64Array;
  /** The kernel's shape (kernel-shape.ts). @default 'rbf' */
  readonly kernel?: KernelShape;
  /** [b⁺_1..d, b⁻_1..d] of the input warp (input-warp.ts), applied to X and Z before the kernel; none: the identity. */
  readonly warp?: Float64Array;
}

export interface ElboEvaluation {
  readonly value: number;
  readonly expectedLogLikelihood: number;
  readonly kl: number;
  /** ∂ELBO/∂μ, ∂ELBO/∂L (lower triangle), when the scope is not 'none'. */
  readonly gradMean?: Float64Array;
  readonly gradCholCov?: Float64Array;
  /** Σ_i ∂E_i/∂m_i · a_i and Σ_i ∂E_i/∂s_i · a_i a_iᵀ (full symmetric): the natural-gradient statistics. */
  readonly meanStatistic?: Float64Array;
  readonly covarianceStatistic?: Float64Array;
  /** ∂ELBO/∂θ and ∂ELBO/∂Z, when the scope is 'all'. */
  readonly gradTheta?: Float64Array;
  readonly gradInducing?: Float64Array;
  /** ∂ELBO/∂warp, when the scope is 'all' and the parameters have a warp. */
  readonly gradWarp?: Float64Array;
  /** A = L_m⁻¹ K(Z, X), n × m, when asked for with `keepWhitened`. */
  readonly whitened?: Float64Array;
  /** Per row: mean and variance of q(f_i) and ∂E_i/∂m_i, ∂E_i/∂s_i, when asked for. */
  readonly rows?: MarginalRows;
}

export interface KernelScales {
  readonly constant: number;
  readonly inverseSquared: Float64Array;
  /** Present when θ has the additive layout (3d + 1 entries). */
  readonly additive?: AdditiveScales;
  /** k(x, x): c, plus Σ a_d when additive. */
  readonly priorVariance: number;
}

/** Entries of θ for an additive kernel over d inputs: log c, then d each of log ℓ, log a and log λ. */
export function additiveThetaLength(d: number): number {
  return 3 * d + 1;
}

/** The kernel's scalar parts from θ: c and 1/ℓ_d² per input, and the additive terms when θ has them. */
export function kernelScales(theta: Float64Array, d: number): KernelScales {
  const additive = theta.length === additiveThetaLength(d) && theta.length !== d + 1 && theta.length !== 2;
  if (theta.length !== 2 && theta.length !== d + 1 && !additive) {
    throw new ShapeError(`sparse GP: θ has ${theta.length} entries; expected 2, ${d + 1} or ${additiveThetaLength(d)} (additive)`);
  }
  const inverseSquared = new Float64Array(d);
  for (let k = 0; k < d; k++) inverseSquared[k] = Math.exp(-2 * theta[theta.length === 2 ? 1 : 1 + k]);
  const constant = Math.exp(theta[0]);
  if (!additive) return { constant, inverseSquared, priorVariance: constant };
  const variance = new Float64Array(d);
  const addInverse = new Float64Array(d);
  let priorVariance = constant;
  for (let k = 0; k < d; k++) {
    variance[k] = Math.exp(theta[1 + d + k]);
    addInverse[k] = Math.exp(-2 * theta[1 + 2 * d + k]);
    priorVariance += variance[k];
  }
  return { constant, inverseSquared, additive: { variance, inverseSquared: addInverse }, priorVariance };
}

/** Adds the additive terms to K_mm (both triangles), with the same relative jitter on the diagonal as the full kernel's. */
function addAdditiveInducing(kmm: Float64Array, inducing: Float64Array, m: number, d: number, additive: AdditiveScales): void {
  const { variance: a, inverseSquared: v } = additive;
  let diagonal = 0;
  for (let k = 0; k < d; k++) diagonal += a[k];
  for (let i = 0; i < m; i++) {
    kmm[i * m + i] += diagonal * (1 + INDUCING_JITTER);
    for (let j = 0; j < i; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) {
        const t = inducing[i * d + k] - inducing[j * d + k];
        sum += a[k] * Math.exp(-0.5 * t * t * v[k]);
      }
      kmm[i * m + j] += sum;
      kmm[j * m + i] += sum;
    }
  }
}

/** K_mm = K(Z, Z) + ε c I, row-major m × m (both triangles); with `slopes` (radial shapes), c · κ̃ off the diagonal. */
export function inducingCovariance(inducing: Float64Array, m: number, d: number, constant: number, w: Float64Array, shape: KernelShape = 'rbf', slopes?: Float64Array): Float64Array {
  const k = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    k[i * m + i] = constant * (1 + INDUCING_JITTER);
    for (let j = 0; j < i; j++) {
      const v = constant * pairValue(shape, inducing, i * d, inducing, j * d, d, w);
      k[i * m + j] = v;
      k[j * m + i] = v;
      if (slopes) {
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = inducing[i * d + t] - inducing[j * d + t];
          s += diff * diff * w[t];
        }
        const g = constant * profileSlope(profileOf(shape), s);
        slopes[i * m + j] = g;
        slopes[j * m + i] = g;
      }
    }
  }
  return k;
}

/** Z where the kernel sees it: warped when the parameters have a warp. */
export function kernelInducing(params: Pick<SparseParameters, 'inducing' | 'warp'>, d: number): Float64Array {
  return params.warp ? warpInputs(params.inducing, d, params.warp) : params.inducing;
}

/** L_m with L_m L_mᵀ = K_mm. Throws NotPositiveDefiniteError when the jitter is not enough. */
export function inducingCholesky(params: Pick<SparseParameters, 'theta' | 'inducing' | 'kernel' | 'warp'>, m: number, d: number): { kmm: Float64Array; cholKmm: Float64Array } {
  const { constant, inverseSquared, additive } = kernelScales(params.theta, d);
  const inducing = kernelInducing(params, d);
  const kmm = inducingCovariance(inducing, m, d, constant, inverseSquared, params.kernel ?? 'rbf');
  if (additive) addAdditiveInducing(kmm, inducing, m, d, additive);
  const cholKmm = kmm.slice();
  choleskyInPlace(cholKmm, m);
  return { kmm, cholKmm };
}

export interface ElboOptions {
  readonly scope?: GradientScope;
  /** Return per-row marginals and slopes (for the cavity scores). */
  readonly rows?: boolean;
  /** Factor of K_mm when the caller already has it (θ and Z unchanged). */
  readonly cholKmm?: Float64Array;
  readonly kmm?: Float64Array;
  readonly quadraturePoints?: number;
  /**
   * A = L_m⁻¹ K(Z, X) for these parameters' θ and Z, n × m row-major (an evaluation's
   * `whitened`): skips the kernel and the triangular solve when only q(v) changes. Not used for scope 'all'.
   */
  readonly whitened?: Float64Array;
  /**
   * Return A (when not given) as `whitened`, for the passes over q(v) alone that follow. With the
   * passes on every core it is the pool's one shared buffer for A (elbo-parallel.ts): valid until
   * the next evaluation that keeps A.
   */
  readonly keepWhitened?: boolean;
}

/**
 * The ELBO at `params` on rows X (n × d) with labels y ∈ {0, 1}, and the gradient of `scope`.
 */
export function evaluateElbo(x: DenseMatrix, y: Uint8Array, params: SparseParameters, options: ElboOptions = {}): ElboEvaluation {
  const scope = options.scope ?? 'all';
  const n = x.rows;
  const d = x.cols;
  const m = params.mean.length;
  if (params.inducing.length !== m * d) throw new ShapeError(`sparse GP: Z has ${params.inducing.length} values; expected ${m}×${d}`);
  if (params.cholCov.length !== m * m) throw new ShapeError(`sparse GP: L has ${params.cholCov.length} values; expected ${m}×${m}`);
  const { constant: c, inverseSquared: w, additive, priorVariance } = kernelScales(params.theta, d);
  let { kmm, cholKmm } = options;
  if (!cholKmm || !kmm) ({ kmm, cholKmm } = inducingCholesky(params, m, d));
  const { nodes, weights } = gaussHermite(options.quadraturePoints ?? QUADRATURE_POINTS);
  const mu = params.mean;
  const chol = params.cholCov;
  const warp = params.warp;
  if (warp && warp.length !== 2 * d) throw new ShapeError(`sparse GP: the warp has ${warp.length} values; expected ${2 * d}`);
  // The kernel sees warped inputs; ∂/∂w(x) per row is kept to chain to the warp (stationary: ∂k/∂x = −∂k/∂z).
  const z = kernelInducing(params, d);
  const xs = warp ? warpInputs(x.data, d, warp) : x.data;

  const wantVariational = scope !== 'none';
  const wantAll = scope === 'all';
  const shape = params.kernel ?? 'rbf';
  const cached = wantAll ? undefined : options.whitened;
  if (cached && cached.length !== n * m) throw new ShapeError(`sparse GP: the cached A has ${cached.length} values; expected ${n}×${m}`);
  const rows: MarginalRows | undefined = options.rows
    ? { mean: new Float64Array(n), variance: new Float64Array(n), residualVariance: new Float64Array(n), slope: new Float64Array(n), curvature: new Float64Array(n) }
    : undefined;
  const gradInputs = wantAll && warp ? new Float64Array(n * d) : undefined;
  const keepWhitened = options.keepWhitened && !cached ? whitenedBuffer(n, m) : undefined;
  const layout = partialLayout(m, d);
  const chunks = chunkCount(n);
  const pass: RowPass = {
    n, d, m, scope, xs, y, z, shape, constant: c, priorVariance, inverseSquared: w, ...(additive && { additive }),
    mu, chol, cholKmm, nodes, weights, ...(cached && { whitened: cached }), ...(keepWhitened && { keepWhitened }), ...(rows && { rows }), ...(gradInputs && { gradInputs }),
    partials: new Float64Array(chunks * layout.length),
  };
  runRowPass(pass);
  const sums = reducePartials(pass.partials, chunks, layout.length);
  const expectedLogLikelihood = sums[layout.ell];
  let gradLogConstant = sums[layout.gradLogConstant];
  const gradLogScales = sums.subarray(layout.gradLogScales, layout.gradLogScales + d);
  const gradAddVariance = sums.subarray(layout.gradAddVariance, layout.gradAddVariance + d);
  const gradAddScales = sums.subarray(layout.gradAddScales, layout.gradAddScales + d);
  const meanStatistic = wantVariational ? sums.slice(layout.meanStatistic, layout.meanStatistic + m) : undefined;
  const covStatistic = wantVariational ? sums.slice(layout.covStatistic, layout.covStatistic + m * m) : undefined;
  const gradInducing = wantAll ? sums.slice(layout.gradInducing, layout.gradInducing + m * d) : undefined;
  const pAt = wantAll ? sums.subarray(layout.pAt, layout.pAt + m * m) : undefined;

  // KL(N(μ, LLᵀ) ‖ N(0, I)) = ½(‖L‖²_F + ‖μ‖² − m) − Σ log L_jj.
  let kl = 0.5 * (dot(chol, 0, chol, 0, m * m) + dot(mu, 0, mu, 0, m) - m);
  for (let j = 0; j < m; j++) kl -= Math.log(chol[j * m + j]);
  const value = expectedLogLikelihood - kl;
  const whitened = keepWhitened ?? cached;
  if (!wantVariational) return { value, expectedLogLikelihood, kl, rows, ...(whitened && { whitened }) };

  for (let j = 0; j < m; j++) for (let k = 0; k < j; k++) covStatistic![k * m + j] = covStatistic![j * m + k];
  const gradMean = new Float64Array(m);
  for (let j = 0; j < m; j++) gradMean[j] = meanStatistic![j] - mu[j];
  // ∂/∂L of Σ b_i ‖Lᵀ a_i‖² is 2 (Σ b_i a_i a_iᵀ) L; of −KL, −L + diag(1/L_jj). Lower triangle only.
  const gradCholCov = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    for (let k = 0; k <= j; k++) {
      let s = 0;
      for (let q = k; q < m; q++) s += covStatistic![j * m + q] * chol[q * m + k];
      gradCholCov[j * m + k] = 2 * s - chol[j * m + k];
    }
    gradCholCov[j * m + j] += 1 / chol[j * m + j];
  }
  const base = { value, expectedLogLikelihood, kl, rows, gradMean, gradCholCov, meanStatistic, covarianceStatistic: covStatistic, ...(whitened && { whitened }) };
  if (!wantAll) return base;

  gradLogConstant += chainInducingCovariance(pAt!, cholKmm, kmm, z, m, d, { constant: c, inverseSquared: w, additive, priorVariance }, shape, {
    gradLogScales,
    gradInducing: gradInducing!,
    gradAddVariance,
    gradAddScales,
  });
  const gradTheta = new Float64Array(params.theta.length);
  gradTheta[0] = gradLogConstant;
  if (params.theta.length === 2) gradTheta[1] = gradLogScales.reduce((s, v) => s + v, 0);
  else gradTheta.set(gradLogScales, 1);
  if (additive) {
    gradTheta.set(gradAddVariance, 1 + d);
    gradTheta.set(gradAddScales, 1 + 2 * d);
  }
  if (!warp) return { ...base, gradTheta, gradInducing };
  // Through the warp: X's part to the warp only, Z's part to the warp and to Z itself.
  const gradWarp = new Float64Array(2 * d);
  chainWarpGradient(x.data, d, warp, gradInputs!, gradWarp);
  const gradRawInducing = new Float64Array(m * d);
  chainWarpGradient(params.inducing, d, warp, gradInducing!, gradWarp, gradRawInducing);
  return { ...base, gradTheta, gradInducing: gradRawInducing, gradWarp };
}
