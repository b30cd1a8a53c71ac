import { isProduct, type KernelProfile, type KernelShape, pairValue, profileSlope, profileValue } from '../kernel-shape.ts';

/** The sparse GP's cross-covariances k(Z, x) for one row at a time (elbo.ts, elbo-rows.ts, svgp.ts). */

/** The one-dimensional terms of an additive kernel: a_d and 1/λ_d² per input. */
export interface AdditiveScales {
  readonly variance: Float64Array;
  readonly inverseSquared: Float64Array;
}

/**
 * Adds the additive terms Σ_d a_d exp(−½ (x_d − z_jd)²/λ_d²) to out[outOffset + j] for every
 * inducing point j; with `terms`, also keeps each a_d exp(…) at terms[(outOffset + j)·d + d'] (the
 * factors of their gradients).
 */
export function addAdditiveCross(
  inducing: Float64Array,
  m: number,
  x: Float64Array,
  xOffset: number,
  d: number,
  additive: AdditiveScales,
  out: Float64Array,
  outOffset = 0,
  terms?: Float64Array,
): void {
  const { variance: a, inverseSquared: v } = additive;
  for (let j = 0; j < m; j++) {
    const zj = j * d;
    const at = (outOffset + j) * d;
    let sum = 0;
    for (let k = 0; k < d; k++) {
      const t = x[xOffset + k] - inducing[zj + k];
      const term = a[k] * Math.exp(-0.5 * t * t * v[k]);
      sum += term;
      if (terms) terms[at + k] = term;
    }
    out[outOffset + j] += sum;
  }
}

/**
 * k(Z, x) for one row x into out (length m); with `slopes` (radial shapes), also c · κ̃ per
 * inducing point (the factor of the gradients in ℓ and Z; the RBF's equals k itself, and a
 * product shape's factor is k times a per-input ratio: neither needs it).
 */
export function crossCovariance(
  inducing: Float64Array,
  m: number,
  x: Float64Array,
  xOffset: number,
  d: number,
  constant: number,
  w: Float64Array,
  out: Float64Array,
  outOffset = 0,
  shape: KernelShape = 'rbf',
  slopes?: Float64Array,
): void {
  if (isProduct(shape)) {
    for (let j = 0; j < m; j++) out[outOffset + j] = constant * pairValue(shape, x, xOffset, inducing, j * d, d, w);
    return;
  }
  const profile = shape as KernelProfile;
  for (let j = 0; j < m; j++) {
    let s = 0;
    const zj = j * d;
    for (let k = 0; k < d; k++) {
      const t = x[xOffset + k] - inducing[zj + k];
      s += t * t * w[k];
    }
    if (profile === 'rbf') out[outOffset + j] = constant * Math.exp(-0.5 * s);
    else {
      out[outOffset + j] = constant * profileValue(profile, s);
      if (slopes) slopes[outOffset + j] = constant * profileSlope(profile, s);
    }
  }
}
