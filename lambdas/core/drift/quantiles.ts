/**
 * Sorted-array helpers the drift statistics share: numpy's default ('linear', Hyndman & Fan type
 * 7) quantile, and counting the values at or below a point by binary search.
 */

/** The probabilities a reference keeps quantiles at: 0.01, 0.02, …, 0.99 (k / 100, as numpy's `np.arange(1, 100) / 100`). */
export const REFERENCE_PROBABILITIES: readonly number[] = Object.freeze(Array.from({ length: 99 }, (_, k) => (k + 1) / 100));

/**
 * Quantile of ascending `sorted` at probability `p` in [0, 1], type 7: the value at virtual index
 * (n − 1)·p, interpolated linearly between its neighbours. The interpolation is written as numpy's
 * `_lerp` (from the nearer end), so results match `np.quantile` to the last bit or so.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Number of entries of ascending `sorted` that are strictly less than `x`. */
export function countBelow(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of entries of ascending `sorted` that are ≤ `x`. */
export function countAtOrBelow(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
