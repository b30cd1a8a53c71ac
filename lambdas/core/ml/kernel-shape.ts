/**
 * The radial profile of a stationary kernel k(x, x') = c · κ(s), s = Σ_d (x_d − x'_d)² / ℓ_d²:
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
 */
export const KERNEL_SHAPES = ['rbf', 'matern32', 'matern52'] as const;

export type KernelShape = (typeof KERNEL_SHAPES)[number];

const SQRT3 = Math.sqrt(3);
const SQRT5 = Math.sqrt(5);

/** κ(s) for a scaled squared distance s ≥ 0. */
export function profileValue(shape: KernelShape, s: number): number {
  if (shape === 'rbf') return Math.exp(-0.5 * s);
  if (shape === 'matern32') {
    const r = SQRT3 * Math.sqrt(s);
    return (1 + r) * Math.exp(-r);
  }
  const r = SQRT5 * Math.sqrt(s);
  return (1 + r + (r * r) / 3) * Math.exp(-r);
}

/** κ̃(s) = −2 κ′(s): finite at s = 0 for all three shapes (3 and 5/3 for the Matérns, 1 for the RBF). */
export function profileSlope(shape: KernelShape, s: number): number {
  if (shape === 'rbf') return Math.exp(-0.5 * s);
  if (shape === 'matern32') return 3 * Math.exp(-SQRT3 * Math.sqrt(s));
  const r = SQRT5 * Math.sqrt(s);
  return (5 / 3) * (1 + r) * Math.exp(-r);
}

/** The name in kernel descriptions, after scikit-learn's repr: `RBF`, `Matern(nu=1.5)`, `Matern(nu=2.5)`. */
export function shapeLabel(shape: KernelShape): string {
  return shape === 'rbf' ? 'RBF' : `Matern(nu=${shape === 'matern32' ? '1.5' : '2.5'})`;
}

/** Throws a TypeError naming the accepted shapes when `value` is not one. */
export function checkKernelShape(value: unknown, where: string): KernelShape {
  if (typeof value === 'string' && (KERNEL_SHAPES as readonly string[]).includes(value)) return value as KernelShape;
  throw new TypeError(`${where}: kernel must be one of ${KERNEL_SHAPES.join(', ')}, got ${JSON.stringify(value)}`);
}
