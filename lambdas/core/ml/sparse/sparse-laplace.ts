import { InvalidDataError, ShapeError } from '../../errors.ts';
import type { DenseMatrix } from '../dense.ts';
import { isProduct, type KernelShape } from '../kernel-shape.ts';
import { sigmoid } from '../laplace.ts';
import { choleskyInPlace, choSolveInPlace, dot, inverseFromCholesky, solveLowerManyInPlace, solveLowerTransposedInPlace, sumLogDiagonal } from '../linalg.ts';
import { crossCovariance } from './cross-covariance.ts';
import { inducingCholesky, kernelScales } from './elbo.ts';
import type { MarginalRows } from './elbo-rows.ts';
import { chainInducingCovariance } from './whitening-adjoint.ts';

/**
 * The Laplace approximation of the sparse model: a second inference method beside the variational
 * one (elbo.ts), for the same whitened prior v ~ N(0, I), f = Aᵀv, A = L_m⁻¹ K(Z, X). This is the
 * DTC (subset-of-regressors) model: the Nyström residual c − ‖a_i‖² is left out of the training
 * rows' prior, so with Z = X it is the exact GP. GPML §3.4 with K = AᵀA, in v's m coordinates
 * instead of f's n:
 *
 *   Ψ(v) = Σ_i log σ(y±_i a_iᵀv) − ½ vᵀv,   v̂ = argmax Ψ   (Newton: GPML Algorithm 3.1 in v)
 *   B = I + A W Aᵀ,  W = diag(π(1 − π)) at f̂ = Aᵀv̂,  q(v) = N(v̂, B⁻¹)
 *   log q(y | θ, Z) = Ψ(v̂) − ½ log|B|                        (GPML 3.32: |I + W½KW½| = |I + AWAᵀ|)
 *
 * Its gradient in A, GPML Algorithm 5.1's three parts with A in place of K (docs/ml.md §7):
 *
 *   ∂/∂a_i = (g_i + s_i − W_i a_iᵀr) v̂ + g_i r − W_i B⁻¹a_i,
 *   g = ∇log p(y | f̂),  s_i = −½ (a_iᵀB⁻¹a_i) ∂W_i/∂f_i,  r = B⁻¹ Σ_i s_i a_i
 *
 * g_i v̂ is Ψ's explicit dependence on A, −W_i B⁻¹a_i that of log|B| at fixed W, and the rest is W
 * moving with f̂, also through v̂'s implicit dependence on A. From there the chain runs through
 * K(Z, X) here and through L_m in whitening-adjoint.ts, as the ELBO's does.
 *
 * Predictions need nothing new: q(v) = N(v̂, B⁻¹) is a SparseGaussianProcessClassifier's q(v), and
 * its predictive variance c − ‖a*‖² + a*ᵀB⁻¹a* puts back the residual that DTC drops (as VFE and
 * FITC predictions do); with Z = X it is the exact Laplace prediction. Cost per Newton step and
 * per gradient O(n·m² + m³), memory O(n·m). Radial kernels (the RBF, Matérn) with one length
 * scale or one per input; neither the additive terms nor the warp.
 */

/** What the Laplace evidence is a function of: θ = [log c, log ℓ…] and the inducing inputs. */
export interface SparseLaplaceParameters {
  readonly theta: Float64Array;
  /** Z, m × d row-major. */
  readonly inducing: Float64Array;
  /** @default 'rbf' */
  readonly kernel?: KernelShape;
}

export interface WhitenedMode {
  /** v̂, m. */
  readonly mode: Float64Array;
  /** f̂ = Aᵀv̂ at the training rows, n. */
  readonly latent: Float64Array;
  /** Lower Cholesky factor of B = I + A W Aᵀ at f̂, m × m. */
  readonly cholB: Float64Array;
  /** Ψ(v̂). */
  readonly objective: number;
  /** Newton steps taken (each one factorisation of B), not counting the last factorisation at v̂. */
  readonly iterations: number;
  /** Ψ stopped rising within the tolerance before `maxIterations`. */
  readonly converged: boolean;
}

export interface WhitenedModeOptions {
  /** Where Newton starts; the previous θ's mode saves steps. @default 0 */
  readonly start?: Float64Array;
  /** @default 100 */
  readonly maxIterations?: number;
  /** Stop when Ψ rises by at most this × max(1, |Ψ|). @default 1e-12 */
  readonly tolerance?: number;
}

function logSigmoid(z: number): number {
  return z < 0 ? z - Math.log1p(Math.exp(z)) : -Math.log1p(Math.exp(-z));
}

/** f = Aᵀv: f_i = a_iᵀv for A stored as n rows a_i of m. */
function latentOf(a: Float64Array, n: number, m: number, v: Float64Array): Float64Array {
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = dot(v, 0, a, i * m, m);
  return f;
}

function objectiveOf(f: Float64Array, v: Float64Array, y: Uint8Array): number {
  let value = -0.5 * dot(v, 0, v, 0, v.length);
  for (let i = 0; i < f.length; i++) value += logSigmoid(y[i] === 1 ? f[i] : -f[i]);
  return value;
}

/** A's columns as rows (m × n), so that sums over rows are dot products of contiguous memory. */
function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j];
  return t;
}

/** Cholesky factor of B = I + Σ_i w_i a_i a_iᵀ (lower triangle built, as choleskyInPlace reads). */
function factorPrecision(aT: Float64Array, n: number, m: number, w: Float64Array): Float64Array {
  const scaled = new Float64Array(m * n);
  for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) scaled[j * n + i] = aT[j * n + i] * w[i];
  const b = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    for (let k = 0; k <= j; k++) b[j * m + k] = dot(scaled, j * n, aT, k * n, n);
    b[j * m + j] += 1;
  }
  choleskyInPlace(b, m);
  return b;
}

/** W = π(1 − π) at f. */
function curvatureOf(f: Float64Array): Float64Array {
  return Float64Array.from(f, (fi) => {
    const p = sigmoid(fi);
    return p * (1 - p);
  });
}

/**
 * Newton's method for v̂ = argmax Ψ given A (n rows a_i of m). Ψ is strictly concave, so the
 * full step is taken unless it lowers Ψ (far from the mode), then halved toward the current v.
 */
export function whitenedMode(a: Float64Array, y: Uint8Array, m: number, options: WhitenedModeOptions = {}): WhitenedMode {
  if (a.length !== y.length * m) throw new ShapeError(`sparse Laplace: A has ${a.length} values; expected ${y.length}×${m}`);
  return modeWithTranspose(a, transpose(a, y.length, m), y, m, options);
}

/** {@link whitenedMode} given Aᵀ as well (the gradient reads it too). */
function modeWithTranspose(a: Float64Array, aT: Float64Array, y: Uint8Array, m: number, options: WhitenedModeOptions): WhitenedMode {
  const n = y.length;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-12;
  let v = options.start ? Float64Array.from(options.start) : new Float64Array(m);
  if (v.length !== m) throw new ShapeError(`sparse Laplace: the start has ${v.length} values; expected ${m}`);
  let f = latentOf(a, n, m, v);
  let value = objectiveOf(f, v, y);
  let iterations = 0;
  let converged = false;
  const target = new Float64Array(n);
  for (; iterations < maxIterations; ) {
    const w = curvatureOf(f);
    const chol = factorPrecision(aT, n, m, w);
    // v_new = B⁻¹ A (W f + ∇log p(y|f)): the Newton step v + B⁻¹(A∇ − v) rearranged (GPML 3.18).
    for (let i = 0; i < n; i++) target[i] = w[i] * f[i] + (y[i] - sigmoid(f[i]));
    const next = new Float64Array(m);
    for (let j = 0; j < m; j++) next[j] = dot(aT, j * n, target, 0, n);
    choSolveInPlace(chol, m, next);
    iterations++;
    let step = 1;
    let trial = next;
    let trialF = latentOf(a, n, m, trial);
    let trialValue = objectiveOf(trialF, trial, y);
    while (!(trialValue >= value) && step > 1e-10) {
      step /= 2;
      trial = Float64Array.from(v, (vj, j) => vj + step * (next[j] - vj));
      trialF = latentOf(a, n, m, trial);
      trialValue = objectiveOf(trialF, trial, y);
    }
    const scale = tolerance * Math.max(1, Math.abs(value));
    if (!(trialValue >= value)) {
      // No step raises Ψ: at the mode up to rounding, or stuck.
      converged = value - trialValue <= scale;
      break;
    }
    const gain = trialValue - value;
    v = trial;
    f = trialF;
    value = trialValue;
    if (gain <= scale) {
      converged = true;
      break;
    }
  }
  return { mode: v, latent: f, cholB: factorPrecision(aT, n, m, curvatureOf(f)), objective: value, iterations, converged };
}

export interface SparseLaplaceEvaluation {
  /** log q(y | θ, Z) = Ψ(v̂) − ½ log|B|. */
  readonly value: number;
  readonly mode: WhitenedMode;
  /** ∂/∂θ and ∂/∂Z of the value, when asked for. */
  readonly gradTheta?: Float64Array;
  readonly gradInducing?: Float64Array;
  /** Per training row, when asked for: q(f_i) and the likelihood's slope and half-curvature at f̂_i, the cavity scores' inputs (svgp.ts). */
  readonly rows?: MarginalRows;
}

export interface SparseLaplaceOptions extends WhitenedModeOptions {
  /** Also compute the gradient. @default true */
  readonly gradient?: boolean;
  /** Also return the training rows' marginals. @default false */
  readonly rows?: boolean;
}

/** Checks that the parameters are a model this method handles, before any work. */
function checkParameters(params: SparseLaplaceParameters, m: number, d: number): void {
  if (params.inducing.length !== m * d) throw new ShapeError(`sparse Laplace: Z has ${params.inducing.length} values; expected ${m}×${d}`);
  if (params.theta.length !== 2 && params.theta.length !== d + 1) {
    throw new InvalidDataError(`sparse Laplace: θ has ${params.theta.length} entries; expected 2 (isotropic) or ${d + 1} (one length scale per input); the additive terms are the variational fit's alone`);
  }
  if (isProduct(params.kernel ?? 'rbf')) throw new InvalidDataError(`sparse Laplace: the kernel must be radial (rbf, matern32, matern52), got ${params.kernel}`);
}

/** The Laplace evidence of the sparse model at θ and Z on rows X (n × d), y ∈ {0, 1}, and its gradient. */
export function evaluateSparseLaplace(x: DenseMatrix, y: Uint8Array, params: SparseLaplaceParameters, m: number, options: SparseLaplaceOptions = {}): SparseLaplaceEvaluation {
  const n = x.rows;
  const d = x.cols;
  if (y.length !== n) throw new ShapeError(`sparse Laplace: ${n} rows but ${y.length} labels`);
  checkParameters(params, m, d);
  const shape = params.kernel ?? 'rbf';
  const scales = kernelScales(params.theta, d);
  const { constant: c, inverseSquared: w } = scales;
  const z = params.inducing;
  const { kmm, cholKmm } = inducingCholesky(params, m, d);
  const wantGradient = options.gradient ?? true;
  const kmn = new Float64Array(n * m);
  // c · κ'(s) per pair: the factor of the gradients in ℓ and Z (the kernel values themselves for the RBF).
  const slopes = wantGradient && shape !== 'rbf' ? new Float64Array(n * m) : kmn;
  for (let i = 0; i < n; i++) crossCovariance(z, m, x.data, i * d, d, c, w, kmn, i * m, shape, slopes !== kmn ? slopes : undefined);
  const a = kmn.slice();
  solveLowerManyInPlace(cholKmm, m, a, n);
  const aT = transpose(a, n, m);
  const mode = modeWithTranspose(a, aT, y, m, options);
  const value = mode.objective - sumLogDiagonal(mode.cholB, m);
  if (!wantGradient && !options.rows) return { value, mode };

  const { mode: v, latent: f, cholB } = mode;
  // B⁻¹a_i per row, and c_i = a_iᵀB⁻¹a_i = ‖L_B⁻¹a_i‖² (q(f_i)'s variance through v) on the way.
  const bInvA = a.slice();
  solveLowerManyInPlace(cholB, m, bInvA, n);
  const g = new Float64Array(n);
  const wDiag = new Float64Array(n);
  const throughV = new Float64Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = sigmoid(f[i]);
    g[i] = y[i] - p;
    wDiag[i] = p * (1 - p);
    const row = bInvA.subarray(i * m, (i + 1) * m);
    throughV[i] = dot(row, 0, row, 0, m);
    solveLowerTransposedInPlace(cholB, m, row);
    // ∂W_i/∂f_i = π(1 − π)(1 − 2π).
    s[i] = -0.5 * throughV[i] * wDiag[i] * (1 - 2 * p);
  }
  let rows: MarginalRows | undefined;
  if (options.rows) {
    // Row i's site has precision W_i at f̂_i (slope g_i, curvature −W_i/2): svgp.ts's cavity rule applies as at the variational fixed point.
    const residualVariance = Float64Array.from({ length: n }, (_, i) => Math.max(0, scales.priorVariance - dot(a, i * m, a, i * m, m)));
    rows = {
      mean: f.slice(),
      variance: Float64Array.from(throughV, (t, i) => t + residualVariance[i]),
      residualVariance,
      slope: g,
      curvature: Float64Array.from(wDiag, (wi) => -0.5 * wi),
    };
  }
  if (!wantGradient) return { value, mode, rows };
  const r = new Float64Array(m);
  for (let j = 0; j < m; j++) r[j] = dot(aT, j * n, s, 0, n);
  choSolveInPlace(cholB, m, r);

  const gradTheta = new Float64Array(params.theta.length);
  const gradLogScales = new Float64Array(d);
  const gradInducing = new Float64Array(m * d);
  let gradLogConstant = 0;
  const pT = new Float64Array(m * n);
  const p = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const ao = i * m;
    const alongMode = g[i] + s[i] - wDiag[i] * dot(a, ao, r, 0, m);
    for (let j = 0; j < m; j++) p[j] = alongMode * v[j] + g[i] * r[j] - wDiag[i] * bInvA[ao + j];
    // ∂/∂k(Z, x_i) = L_m⁻ᵀ ∂/∂a_i: chain to log c, log ℓ and Z as the ELBO's row pass does.
    solveLowerTransposedInPlace(cholKmm, m, p);
    for (let j = 0; j < m; j++) {
      pT[j * n + i] = p[j];
      gradLogConstant += p[j] * kmn[ao + j];
      const coef = p[j] * slopes[ao + j];
      for (let q = 0; q < d; q++) {
        const diff = x.data[i * d + q] - z[j * d + q];
        const u = coef * w[q] * diff;
        gradInducing[j * d + q] += u;
        gradLogScales[q] += u * diff;
      }
    }
  }
  const pAt = new Float64Array(m * m);
  for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) pAt[j * m + k] = dot(pT, j * n, aT, k * n, n);
  gradLogConstant += chainInducingCovariance(pAt, cholKmm, kmm, z, m, d, scales, shape, {
    gradLogScales,
    gradInducing,
    gradAddVariance: new Float64Array(d),
    gradAddScales: new Float64Array(d),
  });
  gradTheta[0] = gradLogConstant;
  if (params.theta.length === 2) gradTheta[1] = gradLogScales.reduce((t, u) => t + u, 0);
  else gradTheta.set(gradLogScales, 1);
  return { value, mode, gradTheta, gradInducing, rows };
}

/** q(v) = N(v̂, B⁻¹) as a variational posterior's (μ, L): L = chol(B⁻¹), m × m (B is well conditioned: its eigenvalues are ≥ 1). */
export function inducingPosterior(mode: WhitenedMode, m: number): { mean: Float64Array; cholCov: Float64Array } {
  const covariance = inverseFromCholesky(mode.cholB, m).inverse;
  choleskyInPlace(covariance, m);
  return { mean: mode.mode, cholCov: covariance };
}
