/** E[log σ(y± f)] under a Gaussian q(f), the Bernoulli likelihood's expectation in the ELBO. */

/** log σ(z) without overflow. */
function logSigmoid(z: number): number {
  return z < 0 ? z - Math.log1p(Math.exp(z)) : -Math.log1p(Math.exp(-z));
}

/** σ(z) without overflow. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * E[log σ(y± f)] for f ~ N(mean, variance) by Gauss–Hermite, with its derivatives in the mean
 * and the variance (those of the quadrature sum). `out` gets [value, ∂/∂mean, ∂/∂variance].
 */
export function expectedLogSigmoid(sign: number, mean: number, variance: number, nodes: Float64Array, weights: Float64Array, out: Float64Array): void {
  const sd = Math.sqrt(variance);
  let value = 0;
  let dMean = 0;
  let dSd = 0;
  for (let k = 0; k < nodes.length; k++) {
    const xi = Math.SQRT2 * nodes[k];
    const z = sign * (mean + sd * xi);
    const slope = sign * sigmoid(-z);
    value += weights[k] * logSigmoid(z);
    dMean += weights[k] * slope;
    dSd += weights[k] * slope * xi;
  }
  out[0] = value;
  out[1] = dMean;
  out[2] = dSd / (2 * sd);
}
