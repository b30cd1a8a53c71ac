import type { DenseMatrix } from '../dense.ts';
import { choleskyInPlace, choSolveInPlace, inverseFromCholesky } from '../linalg.ts';
import { evaluateElbo, inducingCholesky, type SparseParameters } from './elbo.ts';

/**
 * Optimises q(v) = N(μ, LLᵀ) for fixed θ and Z by natural-gradient steps (Hensman et al. 2013;
 * Salimbeni et al. 2018). In the natural parameters (S⁻¹μ, −½S⁻¹) a step of size γ is
 *
 *   Λ' = (1 − γ) S⁻¹ + γ (I − 2 Σ_i b_i a_i a_iᵀ),   Λ'μ' = (1 − γ) S⁻¹μ + γ (Σ_i g_i a_i − 2 Σ_i b_i a_i a_iᵀ μ)
 *
 * with g_i, b_i the derivatives of E_q[log p(y_i|f_i)] in the mean and variance of q(f_i). γ = 1 is
 * the Newton-like fixed-point step (for a Gaussian likelihood it lands on the optimum at once);
 * b_i ≤ 0 for the logistic likelihood, so Λ' stays positive definite. A step that lowers the
 * ELBO is retried with γ halved. The m × m inverses here are of q's own precision, never of K_mm.
 */
export interface VariationalResult {
  readonly mean: Float64Array;
  readonly cholCov: Float64Array;
  readonly value: number;
  readonly iterations: number;
}

export interface VariationalOptions {
  /** Stop when the ELBO rises by less than this × max(1, |ELBO|). @default 1e-9 */
  readonly tolerance?: number;
  /**
   * Also stop when a pass gains at most this many nats. The steps converge linearly (each gains
   * about 0.4 of the last on AI4I), so the relative rule alone spends half the passes on gains
   * below 1e-4 nats. @default 0
   */
  readonly absoluteTolerance?: number;
  /** @default 100 */
  readonly maxIterations?: number;
  readonly cholKmm?: Float64Array;
  readonly kmm?: Float64Array;
  /** Gauss–Hermite points. @default QUADRATURE_POINTS */
  readonly quadraturePoints?: number;
}

export function optimizeVariational(x: DenseMatrix, y: Uint8Array, params: SparseParameters, options: VariationalOptions = {}): VariationalResult {
  const m = params.mean.length;
  const tolerance = options.tolerance ?? 1e-9;
  const absoluteTolerance = options.absoluteTolerance ?? 0;
  const maxIterations = options.maxIterations ?? 100;
  const factor = options.cholKmm && options.kmm ? { cholKmm: options.cholKmm, kmm: options.kmm } : inducingCholesky(params, m, x.cols);
  // θ and Z are fixed here: the first pass keeps A = L_m⁻¹ K(Z, X) for every pass after it.
  let current = { mean: params.mean, cholCov: params.cholCov };
  let evaluation = evaluateElbo(x, y, { ...params, ...current }, { scope: 'variational', ...factor, keepWhitened: true, quadraturePoints: options.quadraturePoints });
  const cached = { ...factor, whitened: evaluation.whitened, quadraturePoints: options.quadraturePoints };
  let gamma = 1;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const proposal = naturalStep(current.mean, current.cholCov, evaluation.meanStatistic!, evaluation.covarianceStatistic!, m, gamma);
    const next = evaluateElbo(x, y, { ...params, ...proposal }, { scope: 'variational', ...cached });
    if (!(next.value >= evaluation.value)) {
      // Overshoot (far from the optimum): smaller steps; give up when even tiny ones fail.
      gamma /= 2;
      if (gamma < 1 / 1024) break;
      continue;
    }
    const gain = next.value - evaluation.value;
    current = proposal;
    evaluation = next;
    gamma = Math.min(1, gamma * 2);
    if (gain <= Math.max(tolerance * Math.max(1, Math.abs(next.value)), absoluteTolerance)) {
      iterations++;
      break;
    }
  }
  return { ...current, value: evaluation.value, iterations };
}

/** One natural-gradient step of size γ from (μ, L) given the likelihood statistics. */
export function naturalStep(mean: Float64Array, cholCov: Float64Array, meanStatistic: Float64Array, covStatistic: Float64Array, m: number, gamma: number): { mean: Float64Array; cholCov: Float64Array } {
  const precision = new Float64Array(m * m);
  const linear = new Float64Array(m);
  // B μ with B = Σ b_i a_i a_iᵀ (full symmetric).
  const bMu = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += covStatistic[j * m + k] * mean[k];
    bMu[j] = s;
  }
  if (gamma < 1) {
    const { inverse } = inverseFromCholesky(cholCov, m); // S⁻¹
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += inverse[j * m + k] * mean[k];
      linear[j] = (1 - gamma) * s;
    }
    for (let q = 0; q < m * m; q++) precision[q] = (1 - gamma) * inverse[q];
  }
  for (let j = 0; j < m; j++) {
    linear[j] += gamma * (meanStatistic[j] - 2 * bMu[j]);
    for (let k = 0; k < m; k++) precision[j * m + k] += gamma * ((j === k ? 1 : 0) - 2 * covStatistic[j * m + k]);
  }
  choleskyInPlace(precision, m);
  choSolveInPlace(precision, m, linear);
  const covariance = inverseFromCholesky(precision, m).inverse;
  choleskyInPlace(covariance, m);
  return { mean: linear, cholCov: covariance };
}
