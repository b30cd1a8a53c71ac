import { InvalidDataError } from '../../errors.ts';
import type { DenseMatrix } from '../dense.ts';
import { SeededRandom } from '../random.ts';

/**
 * Maps each feature onto at most `maxBins` (≤ 255) integer bins, once, before boosting: every
 * split is then searched over bin boundaries instead of sorted values, which makes building a
 * node's statistics one pass over its rows (a histogram) instead of a sort.
 *
 * The thresholds are scikit-learn's (`_BinMapper`, 1.2.1): a feature with at most `maxBins`
 * distinct values gets the midpoints between consecutive distinct values (every value its own
 * bin); one with more gets the `maxBins − 1` inner quantiles of numpy's 'midpoint' percentile
 * method (equal-count bins). Value x falls in bin i when thresholds[i − 1] < x ≤ thresholds[i].
 * Beyond `SUBSAMPLE_ROWS` rows the quantiles come from a seeded subsample, as scikit-learn's do.
 */

/** Rows the quantiles are computed from at most (scikit-learn's `subsample=2e5`). */
export const SUBSAMPLE_ROWS = 200_000;
/** The most bins a feature can have: bins are stored as bytes. */
export const MAX_BINS = 255;

/** Bin thresholds of every feature: feature j has thresholds[j].length + 1 bins. */
export type BinThresholds = readonly Float64Array[];

/** Features as bins, feature-major: the bin of row i for feature j is `bins[j * rows + i]`. */
export interface BinnedFeatures {
  readonly rows: number;
  readonly cols: number;
  readonly bins: Uint8Array;
}

/**
 * The bin thresholds of every column of `x`.
 * @param maxBins bins per feature at most, an integer in [2, 255]
 * @param seed chooses the subsample when x has more than {@link SUBSAMPLE_ROWS} rows
 */
export function fitBinThresholds(x: DenseMatrix, maxBins: number, seed: number): Float64Array[] {
  if (!(Number.isInteger(maxBins) && maxBins >= 2 && maxBins <= MAX_BINS)) {
    throw new InvalidDataError(`maxBins must be an integer in [2, ${MAX_BINS}], got ${maxBins}`);
  }
  const rows = subsampleRows(x.rows, seed);
  const column = new Float64Array(rows.length);
  const thresholds: Float64Array[] = [];
  for (let j = 0; j < x.cols; j++) {
    for (let k = 0; k < rows.length; k++) column[k] = x.data[rows[k] * x.cols + j];
    thresholds.push(columnThresholds(column.slice().sort(), maxBins));
  }
  return thresholds;
}

/** Every value of `x` as its bin under `thresholds`. */
export function binFeatures(x: DenseMatrix, thresholds: BinThresholds): BinnedFeatures {
  if (x.cols !== thresholds.length) {
    throw new InvalidDataError(`binning: expected ${thresholds.length} feature column(s), got ${x.cols}`);
  }
  const bins = new Uint8Array(x.rows * x.cols);
  for (let j = 0; j < x.cols; j++) {
    const t = thresholds[j];
    const offset = j * x.rows;
    for (let i = 0; i < x.rows; i++) bins[offset + i] = binOf(t, x.data[i * x.cols + j]);
  }
  return { rows: x.rows, cols: x.cols, bins };
}

/** The bin of `value`: the number of thresholds below it (binary search for the first t ≥ value). */
export function binOf(thresholds: Float64Array, value: number): number {
  let left = 0;
  let right = thresholds.length;
  while (left < right) {
    const middle = left + ((right - left - 1) >> 1);
    if (value <= thresholds[middle]) right = middle;
    else left = middle + 1;
  }
  return left;
}

/** Thresholds of one feature from its sorted values. */
function columnThresholds(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = [];
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) distinct.push(sorted[k]);
  if (distinct.length <= maxBins) {
    return Float64Array.from({ length: distinct.length - 1 }, (_, k) => (distinct[k] + distinct[k + 1]) * 0.5);
  }
  // np.percentile(values, linspace(0, 100, maxBins + 1)[1:-1], method='midpoint'), operation for operation.
  const n = sorted.length;
  const step = 100 / maxBins;
  return Float64Array.from({ length: maxBins - 1 }, (_, k) => {
    const position = (n - 1) * (((k + 1) * step) / 100);
    const lower = Math.floor(position);
    // Between two values: their midpoint, as numpy's lerp with weight ½ computes it; on one: that value.
    if (lower === position) return sorted[lower];
    const below = sorted[lower];
    const above = sorted[Math.min(n - 1, lower + 1)];
    return above - (above - below) * 0.5;
  });
}

/** All row indices, or a seeded sample of SUBSAMPLE_ROWS of them (partial Fisher–Yates), ascending. */
function subsampleRows(n: number, seed: number): Uint32Array {
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  if (n <= SUBSAMPLE_ROWS) return all;
  const rng = new SeededRandom(seed);
  for (let k = 0; k < SUBSAMPLE_ROWS; k++) {
    const j = k + rng.nextInt(n - k);
    const swap = all[k];
    all[k] = all[j];
    all[j] = swap;
  }
  return all.slice(0, SUBSAMPLE_ROWS).sort();
}
