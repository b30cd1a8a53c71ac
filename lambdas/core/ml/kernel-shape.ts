/**
 * The profile of a stationary kernel k(x, x') = c · κ(s), s = Σ_d (x_d − x'_d)² / ℓ_d² (radial),
 * or c · Π_d κ(s_d), s_d = (x_d − x'_d)² / ℓ_d² (a `-product` shape):
 *
 *   rbf        κ(s) = exp(−s/2)                       (infinitely smooth)
 *   matern52   κ(s) = (1 + r + r²/3) e^(−r),  r = √(5s)  (twice differentiable)
 *   matern32   κ(s) = (1 + r) e^(−r),         r = √(3s)  (once differentiable)
 *
 * A Matérn sample path is rougher than an RBF one, so a Matérn GP can change quickly near a sharp
 * class boundary without shrinking its length scale everywhere (Rasmussen & Williams §4.2).
 * Gradients need one more number per pair, the slope κ̃(s) = −2 κ′(s): then
 *   ∂k/∂log ℓ_d = c κ̃(s) (x_d − x'_d)² / ℓ_d²   and   ∂k/∂x'_d = c κ̃(s) (x_d − x'_d) / ℓ_d²,
 * which for the RBF is κ itself (the rule the RBF code has always used).
 *
 * The product of one-dimensional Matérns is rough along each input axis separately (a radial
 * Matérn is rough along the distance only): the shape of a rule that thresholds single inputs, as
 * AI4I's failure modes do. Its gradients: ∂k/∂log ℓ_d = k ρ(s_d) s_d and ∂k/∂x'_d = k ρ(s_d)
 * (x_d − x'_d)/ℓ_d², with ρ = κ̃/κ per input. The RBF is its own product (ρ = 1), so it has no
 * product shape.
 */
export const KERNEL_PROFILES = ['rbf', 'matern32', 'matern52'] as const;
export type KernelProfile = (typeof KERNEL_PROFILES)[number];

export const KERNEL_SHAPES = ['rbf', 'matern32', 'matern52', 'matern32-product', 'matern52-product'] as const;
export type KernelShape = (typeof KERNEL_SHAPES)[number];

/** The one-dimensional or radial profile of a shape. */
export function profileOf(shape: KernelShape): KernelProfile {
  return shape === 'matern32-product' ? 'matern32' : shape === 'matern52-product' ? 'matern52' : shape;
}

export function isProduct(shape: KernelShape): boolean {
  return shape === 'matern32-product' || shape === 'matern52-product';
}

const SQRT3 = Math.sqrt(3);
const SQRT5 = Math.sqrt(5);

/** κ(s) for a scaled squared distance s ≥ 0. */
export function profileValue(shape: KernelProfile, s: number): number {
  if (shape === 'rbf') return Math.exp(-0.5 * s);
  if (shape === 'matern32') {
    const r = SQRT3 * Math.sqrt(s);
    return (1 + r) * Math.exp(-r);
  }
  const r = SQRT5 * Math.sqrt(s);
  return (1 + r + (r * r) / 3) * Math.exp(-r);
}

/** κ̃(s) = −2 κ′(s): finite at s = 0 for all three shapes (3 and 5/3 for the Matérns, 1 for the RBF). */
export function profileSlope(shape: KernelProfile, s: number): number {
  if (shape === 'rbf') return Math.exp(-0.5 * s);
  if (shape === 'matern32') return 3 * Math.exp(-SQRT3 * Math.sqrt(s));
  const r = SQRT5 * Math.sqrt(s);
  return (5 / 3) * (1 + r) * Math.exp(-r);
}

/** ρ(s) = κ̃(s)/κ(s), the factor of a product shape's gradients per input (finite for every s ≥ 0). */
export function profileRatio(profile: KernelProfile, s: number): number {
  if (profile === 'rbf') return 1;
  if (profile === 'matern32') return 3 / (1 + SQRT3 * Math.sqrt(s));
  const r = SQRT5 * Math.sqrt(s);
  return ((5 / 3) * (1 + r)) / (1 + r + (r * r) / 3);
}

/**
 * κ for the pair (a, b) of a shape, from rows a and b (offsets into flat arrays) and the inverse
 * squared length scales w: c · this is k(a, b).
 */
export function pairValue(shape: KernelShape, a: ArrayLike<number>, aOffset: number, b: ArrayLike<number>, bOffset: number, d: number, w: ArrayLike<number>): number {
  if (!isProduct(shape)) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      const t = a[aOffset + k] - b[bOffset + k];
      s += t * t * w[k];
    }
    return profileValue(shape as KernelProfile, s);
  }
  // Π_d (polynomial in r_d) · exp(−Σ r_d): one exp per pair.
  const five = shape === 'matern52-product';
  const scale = five ? SQRT5 : SQRT3;
  let poly = 1;
  let sum = 0;
  for (let k = 0; k < d; k++) {
    const r = scale * Math.abs(a[aOffset + k] - b[bOffset + k]) * Math.sqrt(w[k]);
    poly *= five ? 1 + r + (r * r) / 3 : 1 + r;
    sum += r;
  }
  return poly * Math.exp(-sum);
}

/** The name in kernel descriptions, after scikit-learn's repr: `RBF`, `Matern(nu=1.5)`, `Product(Matern(nu=1.5))`. */
export function shapeLabel(shape: KernelShape): string {
  const profile = profileOf(shape);
  const label = profile === 'rbf' ? 'RBF' : `Matern(nu=${profile === 'matern32' ? '1.5' : '2.5'})`;
  return isProduct(shape) ? `Product(${label})` : label;
}

/** Throws a TypeError naming the accepted shapes when `value` is not one. */
export function checkKernelShape(value: unknown, where: string): KernelShape {
  if (typeof value === 'string' && (KERNEL_SHAPES as readonly string[]).includes(value)) return value as KernelShape;
  throw new TypeError(`${where}: kernel must be one of ${KERNEL_SHAPES.join(', ')}, got ${JSON.stringify(value)}`);
}
