import { InvalidDataError } from '../errors.ts';
import type { DenseMatrix } from './dense.ts';
import type { ConstantRbfKernel } from './kernel.ts';
import { linalgPool } from './parallel.ts';
import { choleskyInPlace, choSolveInPlace, dot, inverseFromCholesky, matVec, sumLogDiagonal } from './linalg.ts';

/**
 * The Laplace approximation of a binary GP classifier with the logistic likelihood:
 * Rasmussen & Williams, "Gaussian Processes for Machine Learning" (GPML), Algorithms 3.1
 * (mode finding) and 5.1 (log marginal likelihood gradient), in the exact form scikit-learn's
 * `_gpc.py` uses, so results can be checked against its numbers. K is never inverted: every
 * solve goes through the Cholesky factor of B = I + W½ K W½, whose eigenvalues are ≥ 1.
 */

export interface ModeOptions {
  /** Where Newton starts; the previous mode makes a nearby θ converge in a few steps. @default 0 */
  readonly initialLatent?: Float64Array;
  /** @default 100 (scikit-learn's max_iter_predict) */
  readonly maxIterations?: number;
  /** Stop when the objective improves by less than this. @default 1e-10 */
  readonly tolerance?: number;
  /** n×n buffer for the Cholesky factor (returned as `cholB`); shared memory lets it use two cores. */
  readonly workspace?: Float64Array;
}

/** Everything the gradient and the predictions need from one mode search. */
export interface LaplaceState {
  readonly n: number;
  /** Approximate log marginal likelihood log q(y | X, θ) (GPML 3.32). */
  readonly logMarginalLikelihood: number;
  /** The posterior mode f̂ after the last Newton update (the next search starts here). */
  readonly mode: Float64Array;
  /** π = σ(f) of the f the last factorisation was built from. */
  readonly pi: Float64Array;
  /** W½ = sqrt(π(1 − π)). */
  readonly wSqrt: Float64Array;
  /** Lower Cholesky factor of B = I + W½ K W½, row-major n×n. */
  readonly cholB: Float64Array;
  /** a with f̂ = K a (GPML 3.1 line 7). */
  readonly a: Float64Array;
  /** Number of Newton iterations (= Cholesky factorisations), including the one that stopped. */
  readonly iterations: number;
  /**
   * The objective stopped changing within the tolerance before `maxIterations`, at a finite
   * value. False: Newton ran out of iterations (it cycled or crawled), so the mode is not one.
   */
  readonly converged: boolean;
}

/** An n×n buffer, in shared memory when the pool's other cores can work on it. */
export function allocateMatrix(n: number): Float64Array {
  const pool = linalgPool(n);
  return pool ? pool.allocate(n * n) : new Float64Array(n * n);
}

/** σ(f) = 1 / (1 + e^{−f}) without overflow for large |f|. */
export function sigmoid(f: number): number {
  if (f >= 0) return 1 / (1 + Math.exp(-f));
  const e = Math.exp(f);
  return e / (1 + e);
}

/** log p(y|f) = −Σ log(1 + e^{−(2y_i−1) f_i}) for the logistic likelihood. */
function logLikelihood(f: Float64Array, y: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < f.length; i++) s -= log1pExp(-(2 * y[i] - 1) * f[i]);
  return s;
}

/** log(1 + e^x) without overflow. */
function log1pExp(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * GPML Algorithm 3.1: Newton's method for the posterior mode of the latent f, given the kernel
 * matrix K (n×n, row-major) and labels y ∈ {0, 1}.
 *
 * Follows scikit-learn step by step, including its stopping rule: stop as soon as the objective
 * improves by less than 1e-10 and return the objective of the iteration BEFORE that one, with the
 * temporaries (π, W½, L, a) of the stopping iteration. K is not modified.
 */
export function posteriorMode(k: Float64Array, y: Uint8Array, options: ModeOptions = {}): LaplaceState {
  const n = y.length;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  const warm = options.initialLatent !== undefined;
  const f = warm ? Float64Array.from(options.initialLatent!) : new Float64Array(n);
  const pi = new Float64Array(n);
  const wSqrt = new Float64Array(n);
  const b = new Float64Array(n);
  const a = new Float64Array(n);
  const kb = new Float64Array(n);
  const pool = linalgPool(n);
  const l = options.workspace ?? allocateMatrix(n);
  let lml = -Infinity;
  let iterations = 0;
  let converged = false;
  // Damping state of a warm start (see below).
  const previousA = warm ? new Float64Array(n) : a;
  const previousF = warm ? new Float64Array(n) : f;
  let previousPsi = -Infinity;

  for (let it = 0; it < maxIterations; it++) {
    iterations++;
    // Line 4: W = −∇∇ log p(y|f) = π(1 − π) for the logistic likelihood.
    for (let i = 0; i < n; i++) {
      pi[i] = sigmoid(f[i]);
      wSqrt[i] = Math.sqrt(pi[i] * (1 - pi[i]));
    }
    // Line 5: B = I + W½ K W½ (lower triangle suffices), L = cholesky(B).
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      const wi = wSqrt[i];
      for (let j = 0; j < i; j++) l[ri + j] = wi * k[ri + j] * wSqrt[j];
      l[ri + i] = 1 + wi * k[ri + i] * wi;
    }
    choleskyInPlace(l, n, pool);
    // Line 6: b = W f + ∇ log p(y|f) = W f + (y − π).
    for (let i = 0; i < n; i++) b[i] = pi[i] * (1 - pi[i]) * f[i] + (y[i] - pi[i]);
    // Line 7: a = b − W½ L⁻ᵀ L⁻¹ (W½ K b).
    matVec(k, n, b, kb);
    for (let i = 0; i < n; i++) kb[i] *= wSqrt[i];
    choSolveInPlace(l, n, kb);
    for (let i = 0; i < n; i++) a[i] = b[i] - wSqrt[i] * kb[i];
    // Line 8: f = K a.
    matVec(k, n, a, f);
    // Line 10: objective Ψ(f) − Σ log L_ii with Ψ(f) = −½ aᵀf + log p(y|f), where
    // log p(y_i|f_i) = −log(1 + e^{−(2y_i−1) f_i}).
    let psi = -0.5 * dot(a, 0, f, 0, n) + logLikelihood(f, y);
    // A drop within the tolerance is rounding at the mode, not an overshoot.
    const damped = warm && it > 0 && psi < previousPsi - tolerance;
    if (damped) {
      // Newton without a step-size control can overshoot or cycle from a start far from the
      // mode (GPML §3.4.1 notes this): halve the step until Ψ, which is concave, rises again.
      // Not used from f = 0, where scikit-learn's plain iteration is reproduced exactly.
      for (let halving = 0; halving < 30 && psi < previousPsi - tolerance; halving++) {
        for (let i = 0; i < n; i++) {
          a[i] = 0.5 * (a[i] + previousA[i]);
          f[i] = 0.5 * (f[i] + previousF[i]);
        }
        psi = -0.5 * dot(a, 0, f, 0, n) + logLikelihood(f, y);
      }
    }
    if (warm) {
      previousA.set(a);
      previousF.set(f);
      previousPsi = psi;
    }
    const objective = psi - sumLogDiagonal(l, n);
    // From f = 0 the objective rises monotonically until it stalls (scikit-learn's signed rule,
    // kept for its iteration counts). From a warm start the first objective mixes the new a
    // with log|B| of the old W and may overshoot, so a dip is not convergence: wait until the
    // objective stops changing in either direction.
    // A damped step is short by construction, so its small change says nothing about convergence.
    const change = objective - lml;
    if (warm ? !damped && Math.abs(change) < tolerance : change < tolerance) {
      converged = Number.isFinite(lml);
      break;
    }
    lml = objective;
  }
  return { n, logMarginalLikelihood: lml, mode: f, pi, wSqrt, cholB: l, a, iterations, converged };
}

/**
 * GPML Algorithm 5.1: ∂ log q(y|X,θ) / ∂θ_j for θ = [log c, log l_1, …] of the constant × RBF
 * kernel, from the temporaries of `posteriorMode`.
 *
 * scikit-learn forms R = W½ B⁻¹ W½ and C = L⁻¹ W½ K, the latter with a general solve (O(n³)).
 * We need B⁻¹ for the trace term anyway; the diagonal of the posterior covariance then follows
 * without C, since W½ Σ W½ = I − B⁻¹ with Σ = (K⁻¹ + W)⁻¹ (Woodbury), hence
 * ½ Σ_ii · π(1−π)(1−2π) = ½ (1 − B⁻¹_ii)(1 − 2π_i). That saves a third of the work per gradient.
 */
export function logMarginalLikelihoodGradient(
  state: LaplaceState,
  k: Float64Array,
  x: DenseMatrix,
  y: Uint8Array,
  kernel: ConstantRbfKernel,
): LmlGradient {
  if (kernel.shape !== 'rbf') throw new InvalidDataError(`the exact GP fits the RBF kernel only; kernel '${kernel.shape}' is the sparse GP's (docs/ml.md)`);
  const n = state.n;
  const p = x.cols;
  const { pi, wSqrt, a } = state;
  const { inverse: bInv, diagonal: bInvDiag } = inverseFromCholesky(state.cholB, n, linalgPool(n));

  // s2 = −½ diag(Σ) ∘ ∂³ log p/∂f³ = −½ (1 − B⁻¹_ii)(1 − 2π_i)  (GPML 5.1 line 7, see above).
  const s2 = new Float64Array(n);
  for (let i = 0; i < n; i++) s2[i] = -0.5 * (1 - bInvDiag[i]) * (1 - 2 * pi[i]);

  const residual = new Float64Array(n); // ∇ log p(y|f) = y − π
  for (let i = 0; i < n; i++) residual[i] = y[i] - pi[i];

  // One pass over the pairs (i, j) accumulates, for every hyperparameter m with C_m = ∂K/∂θ_m:
  //   quad_m = aᵀ C_m a,  trace_m = Σ R ∘ C_m with R = W½ B⁻¹ W½,  bb_m = C_m (y − π).
  // C_0 = K (log c); C_d = K ∘ (x_d − x'_d)²/l_d² (log l_d), summed over d when isotropic.
  const nTheta = kernel.nHyperparameters;
  const w = kernel.inverseSquaredScales();
  const quad = new Float64Array(nTheta);
  const trace = new Float64Array(nTheta);
  const bb = Array.from({ length: nTheta }, () => new Float64Array(n));
  const dist = new Float64Array(p);
  const xs = x.data;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const kij = k[ri + j];
      const twice = i === j ? 1 : 2; // symmetric: the off-diagonal pair counts twice
      const rij = wSqrt[i] * bInv[ri + j] * wSqrt[j];
      const aa = a[i] * a[j];
      quad[0] += twice * aa * kij;
      trace[0] += twice * rij * kij;
      bb[0][i] += kij * residual[j];
      if (i !== j) bb[0][j] += kij * residual[i];
      if (i === j) continue; // the distance terms vanish on the diagonal
      for (let d = 0; d < p; d++) {
        const t = xs[i * p + d] - xs[j * p + d];
        dist[d] = t * t * w[d];
      }
      if (kernel.isotropic) {
        let s = 0;
        for (let d = 0; d < p; d++) s += dist[d];
        const c = kij * s;
        quad[1] += 2 * aa * c;
        trace[1] += 2 * rij * c;
        bb[1][i] += c * residual[j];
        bb[1][j] += c * residual[i];
      } else {
        for (let d = 0; d < p; d++) {
          const c = kij * dist[d];
          quad[1 + d] += 2 * aa * c;
          trace[1 + d] += 2 * rij * c;
          bb[1 + d][i] += c * residual[j];
          bb[1 + d][j] += c * residual[i];
        }
      }
    }
  }

  const gradient = new Float64Array(nTheta);
  const modeDerivatives: Float64Array[] = [];
  const tmp = new Float64Array(n);
  const kTmp = new Float64Array(n);
  for (let m = 0; m < nTheta; m++) {
    // s1 = ½ aᵀ C a − ½ tr(R C)   (line 9)
    const s1 = 0.5 * quad[m] - 0.5 * trace[m];
    // s3 = b − K R b = (I + K W)⁻¹ C ∇log p   (line 10): ∂f̂/∂θ_m, the implicit change of the mode.
    for (let i = 0; i < n; i++) tmp[i] = wSqrt[i] * bb[m][i];
    const rb = matVec(bInv, n, tmp);
    for (let i = 0; i < n; i++) rb[i] *= wSqrt[i];
    matVec(k, n, rb, kTmp);
    const s3 = bb[m].map((v, i) => v - kTmp[i]);
    let s2s3 = 0;
    for (let i = 0; i < n; i++) s2s3 += s2[i] * s3[i];
    gradient[m] = s1 + s2s3;
    modeDerivatives.push(s3);
  }
  return { gradient, modeDerivatives };
}

export interface LmlGradient {
  /** ∂ log q(y|X,θ) / ∂θ. */
  readonly gradient: Float64Array;
  /** ∂f̂/∂θ_m for each hyperparameter (GPML 5.24): predicts the mode at a nearby θ. */
  readonly modeDerivatives: Float64Array[];
}
