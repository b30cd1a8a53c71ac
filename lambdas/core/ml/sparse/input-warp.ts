/**
 * A learnt monotone warp of each standardised input, applied before the kernel (input warping:
 * Snoek, Swersky, Zemel & Adams, ICML 2014, who warp by a Beta CDF on [0, 1]). Here the warp is
 * defined on all of ℝ, so a reading outside the training range is never clipped:
 *
 *   w(x) = x + (b⁺ · max(x, 0)³ − b⁻ · max(−x, 0)³) / 6,   b⁺, b⁻ ≥ 0
 *
 * b = 0 is the identity. A positive b stretches that tail: a stationary kernel on w(x) has a
 * shorter effective length scale there (ℓ / w′(x)), which is where AI4I's failure thresholds sit
 * (power below 3,500 W and above 9,000 W, strain above its limit, tool wear past 200 min), while
 * the centre, where nothing changes, stays smooth. w is C², strictly increasing and cheap.
 *
 * Parameters: [b⁺_1..d, b⁻_1..d]; an input with two values (a one-hot column) is not warped (its
 * bounds are [0, 0]: a monotone map of two values changes nothing the length scale cannot).
 */

/** Upper bound of b⁺ and b⁻: at b = 10 a reading 3 standard deviations out moves by 45. */
export const MAX_WARP = 10;

/** w(x) for every value of a row-major n × d block (into a new array). */
export function warpInputs(values: Float64Array, d: number, warp: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i += d) {
    for (let k = 0; k < d; k++) out[i + k] = warpValue(values[i + k], warp[k], warp[d + k]);
  }
  return out;
}

export function warpValue(x: number, up: number, down: number): number {
  return x >= 0 ? x + (up * x * x * x) / 6 : x + (down * x * x * x) / 6;
}

/**
 * Chains ∂/∂w(x) (row-major like `values`) to the warp's parameters, added to `gradWarp` (2d), and
 * when asked writes ∂/∂x itself (w′(x) times the input) into `gradInputs`: the inducing points'
 * gradient needs it, the training rows' does not.
 */
export function chainWarpGradient(values: Float64Array, d: number, warp: Float64Array, gradWarped: Float64Array, gradWarp: Float64Array, gradInputs?: Float64Array): void {
  for (let i = 0; i < values.length; i += d) {
    for (let k = 0; k < d; k++) {
      const x = values[i + k];
      const g = gradWarped[i + k];
      const cube = (x * x * x) / 6;
      if (x >= 0) {
        gradWarp[k] += g * cube;
        if (gradInputs) gradInputs[i + k] = g * (1 + 0.5 * warp[k] * x * x);
      } else {
        gradWarp[d + k] += g * cube;
        if (gradInputs) gradInputs[i + k] = g * (1 + 0.5 * warp[d + k] * x * x);
      }
    }
  }
}

/** Which inputs may be warped: those with more than two distinct values among the rows. */
export function warpableInputs(values: Float64Array, d: number): boolean[] {
  const out: boolean[] = [];
  for (let k = 0; k < d; k++) {
    const seen = new Set<number>();
    for (let i = k; i < values.length && seen.size <= 2; i += d) seen.add(values[i]);
    out.push(seen.size > 2);
  }
  return out;
}
