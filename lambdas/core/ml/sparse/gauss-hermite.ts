import { InvalidDataError } from '../../errors.ts';

/**
 * Gauss–Hermite quadrature: ∫ e^{−x²} g(x) dx ≈ Σ_k w_k g(x_k), exact for polynomials of degree
 * ≤ 2K − 1. For f ~ N(m, s): E[g(f)] ≈ Σ_k (w_k/√π) g(m + √(2s) x_k).
 *
 * Nodes are the roots of the Hermite polynomial H_K, found by Newton's method on the
 * orthonormal recurrence (Numerical Recipes §4.6, `gauher`), which stays finite for any K used
 * here; weights are 2/(H̃'_K(x_k))² in that normalisation.
 */
export interface GaussHermiteRule {
  /** Nodes x_k, ascending. */
  readonly nodes: Float64Array;
  /** Weights for the Gaussian expectation: w_k/√π, summing to 1. */
  readonly weights: Float64Array;
}

const cache = new Map<number, GaussHermiteRule>();

export function gaussHermite(points: number): GaussHermiteRule {
  if (!Number.isInteger(points) || points < 1 || points > 100) {
    throw new InvalidDataError(`Gauss–Hermite: the number of points must be an integer in [1, 100], got ${points}`);
  }
  const cached = cache.get(points);
  if (cached) return cached;
  const n = points;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const pim4 = Math.PI ** -0.25;
  let z = 0;
  for (let i = 0; i < (n + 1) >> 1; i++) {
    // Initial guesses for the largest roots first (NR's asymptotic formulae).
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * (2 * n + 1) ** -0.16667;
    else if (i === 1) z -= (1.14 * n ** 0.426) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0];
    else if (i === 3) z = 1.91 * z - 0.91 * x[1];
    else z = 2 * z - x[i - 2];
    let pp = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p1 = pim4;
      let p2 = 0;
      for (let j = 0; j < n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / (j + 1)) * p2 - Math.sqrt(j / (j + 1)) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15 * Math.max(1, Math.abs(z))) break;
    }
    x[i] = z;
    x[n - 1 - i] = -z;
    w[i] = 2 / (pp * pp);
    w[n - 1 - i] = w[i];
  }
  // Ascending nodes; weights normalised to the Gaussian expectation (Σ w_k = √π before).
  const order = Array.from(x.keys()).sort((a, b) => x[a] - x[b]);
  const rule: GaussHermiteRule = {
    nodes: Float64Array.from(order, (k) => x[k]),
    weights: Float64Array.from(order, (k) => w[k] / Math.sqrt(Math.PI)),
  };
  cache.set(points, rule);
  return rule;
}
