import { isProduct, type KernelShape, profileOf, profileRatio } from '../kernel-shape.ts';
import { solveLowerTransposedInPlace } from '../linalg.ts';
import { inducingCovariance, INDUCING_JITTER, type KernelScales } from './elbo.ts';

/**
 * The part of an objective's gradient that goes through L_m in A = L_m⁻¹ K(Z, X), for any
 * objective F of A (the ELBO, elbo.ts; the Laplace evidence, sparse-laplace.ts). Given
 * P Aᵀ = Σ_i p_i a_iᵀ with p_i = L_m⁻ᵀ ∂F/∂a_i: ∂F/∂L_m = −tril(P Aᵀ); the Cholesky's reverse
 * mode (Murray 2016) gives ∂F/∂K_mm = sym(L_m⁻ᵀ Φ(L_mᵀ L̄_m) L_m⁻¹), Φ = lower triangle with the
 * diagonal halved; that is chained here to log c, log ℓ, Z and the additive terms.
 */
export interface InducingGradients {
  /** ∂F/∂log ℓ_d per input, added to. */
  readonly gradLogScales: Float64Array;
  /** ∂F/∂Z (as the kernel sees Z), m × d, added to. */
  readonly gradInducing: Float64Array;
  /** ∂F/∂log a_d and ∂F/∂log λ_d of the additive terms, added to (unused without them). */
  readonly gradAddVariance: Float64Array;
  readonly gradAddScales: Float64Array;
}

/** Adds K_mm's share of the gradient into `into`; returns its share of ∂F/∂log c. */
export function chainInducingCovariance(
  pAt: Float64Array,
  cholKmm: Float64Array,
  kmm: Float64Array,
  z: Float64Array,
  m: number,
  d: number,
  scales: KernelScales,
  shape: KernelShape,
  into: InducingGradients,
): number {
  const { constant: c, inverseSquared: w, additive } = scales;
  const { gradLogScales, gradInducing, gradAddVariance, gradAddScales } = into;
  const product = isProduct(shape);
  const profile = profileOf(shape);
  const phi = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    for (let k = 0; k <= j; k++) {
      // (L_mᵀ L̄)_jk = Σ_{q ≥ j} L_m[q][j] · L̄[q][k], with L̄ = −tril(pAt).
      let s = 0;
      for (let q = j; q < m; q++) s -= cholKmm[q * m + j] * pAt[q * m + k];
      phi[j * m + k] = j === k ? 0.5 * s : s;
    }
  }
  // V = Φ L_m⁻¹ row by row (row j of V solves L_mᵀ vᵀ = row j of Φ), then Y = L_m⁻ᵀ V by columns.
  for (let j = 0; j < m; j++) solveLowerTransposedInPlace(cholKmm, m, phi.subarray(j * m, (j + 1) * m));
  const vT = new Float64Array(m * m);
  for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) vT[k * m + j] = phi[j * m + k];
  for (let k = 0; k < m; k++) solveLowerTransposedInPlace(cholKmm, m, vT.subarray(k * m, (k + 1) * m)); // row k = column k of Y
  const kmmBar = new Float64Array(m * m);
  for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) kmmBar[j * m + k] = 0.5 * (vT[k * m + j] + vT[j * m + k]);
  // The full kernel's part of K_mm: θ's gradients in c and ℓ go through it alone.
  const kmmBase = additive ? inducingCovariance(z, m, d, c, w, shape) : kmm;
  let kmmSlopes = kmmBase;
  if (shape !== 'rbf' && !product) {
    kmmSlopes = new Float64Array(m * m);
    inducingCovariance(z, m, d, c, w, shape, kmmSlopes);
  }
  let gradLogConstant = 0;
  for (let j = 0; j < m; j++) {
    gradLogConstant += kmmBar[j * m + j] * kmmBase[j * m + j];
    for (let k = 0; k < m; k++) {
      if (k === j) continue;
      gradLogConstant += kmmBar[j * m + k] * kmmBase[j * m + k];
      const coef = kmmBar[j * m + k] * kmmSlopes[j * m + k];
      for (let q = 0; q < d; q++) {
        const diff = z[k * d + q] - z[j * d + q];
        let u = coef * w[q] * diff;
        if (product) u *= profileRatio(profile, diff * diff * w[q]);
        gradInducing[j * d + q] += 2 * u;
        gradLogScales[q] += u * diff;
      }
    }
  }
  if (additive) {
    const { variance: av, inverseSquared: aw } = additive;
    for (let j = 0; j < m; j++) {
      for (let q = 0; q < d; q++) gradAddVariance[q] += kmmBar[j * m + j] * av[q] * (1 + INDUCING_JITTER);
      for (let k = 0; k < m; k++) {
        if (k === j) continue;
        const bar = kmmBar[j * m + k];
        for (let q = 0; q < d; q++) {
          const diff = z[k * d + q] - z[j * d + q];
          const gv = bar * av[q] * Math.exp(-0.5 * diff * diff * aw[q]);
          const u = gv * aw[q] * diff;
          gradAddVariance[q] += gv;
          gradInducing[j * d + q] += 2 * u;
          gradAddScales[q] += u * diff;
        }
      }
    }
  }
  return gradLogConstant;
}
