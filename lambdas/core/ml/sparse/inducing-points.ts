import { InvalidDataError } from '../../errors.ts';
import type { DenseMatrix } from '../dense.ts';
import { SeededRandom } from '../random.ts';

/**
 * Initial inducing inputs Z: k-means++ seeding (Arthur & Vassilvitskii 2007) followed by a few
 * Lloyd iterations, run separately on each class of a stratified sample.
 *
 * Why per class: with 3 % positives, k-means on all rows spends almost every centre on the bulk
 * of healthy readings, while the decision boundary lives around the few failures. So every
 * positive row is in the sample, and the positives get a share of the m points of at least
 * `positiveShare` (default ¼) — never more points than positive rows. The optimiser then moves Z.
 */
export interface InducingOptions {
  readonly seed?: number;
  /** Minimum share of the inducing points placed among the positive rows. @default 0.25 */
  readonly positiveShare?: number;
  /** Negative rows sampled per inducing point placed among them. @default 20 */
  readonly samplePerPoint?: number;
  /** Lloyd iterations after the seeding. @default 5 */
  readonly lloydIterations?: number;
}

export function initialInducingPoints(x: DenseMatrix, y: Uint8Array, m: number, options: InducingOptions = {}): Float64Array {
  if (!Number.isInteger(m) || m < 1 || m > x.rows) {
    throw new InvalidDataError(`inducing points: m must be an integer in [1, ${x.rows}] (the number of rows), got ${m}`);
  }
  const random = new SeededRandom(options.seed ?? 0);
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < x.rows; i++) (y[i] === 1 ? positives : negatives).push(i);
  const share = Math.max(options.positiveShare ?? 0.25, positives.length / x.rows);
  let mPositive = Math.min(positives.length, Math.round(m * share));
  let mNegative = m - mPositive;
  if (mNegative > negatives.length) {
    mNegative = negatives.length;
    mPositive = m - mNegative;
  }
  const perPoint = options.samplePerPoint ?? 20;
  const sampleNegatives = random.shuffle(negatives.slice()).slice(0, Math.max(mNegative, Math.min(negatives.length, mNegative * perPoint)));
  const lloyd = options.lloydIterations ?? 5;
  const z = new Float64Array(m * x.cols);
  z.set(kMeans(x, positives, mPositive, random, lloyd), 0);
  z.set(kMeans(x, sampleNegatives, mNegative, random, lloyd), mPositive * x.cols);
  return z;
}

/** k-means++ seeding on the rows `index`, then Lloyd steps; k centres, row-major. */
function kMeans(x: DenseMatrix, index: readonly number[], k: number, random: SeededRandom, iterations: number): Float64Array {
  const d = x.cols;
  const centres = new Float64Array(k * d);
  if (k === 0) return centres;
  const n = index.length;
  const xs = x.data;
  const distance2 = (i: number, c: Float64Array, j: number): number => {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const v = xs[i * d + t] - c[j * d + t];
      s += v * v;
    }
    return s;
  };
  const nearest = new Float64Array(n).fill(Infinity);
  const first = index[random.nextInt(n)];
  centres.set(xs.subarray(first * d, first * d + d), 0);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let r = 0; r < n; r++) {
      nearest[r] = Math.min(nearest[r], distance2(index[r], centres, j - 1));
      total += nearest[r];
    }
    // Draw the next centre with probability ∝ squared distance to the nearest centre so far.
    let target = random.next() * total;
    let pick = n - 1;
    for (let r = 0; r < n; r++) {
      target -= nearest[r];
      if (target < 0) {
        pick = r;
        break;
      }
    }
    const i = index[pick];
    centres.set(xs.subarray(i * d, i * d + d), j * d);
  }
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let it = 0; it < iterations; it++) {
    sums.fill(0);
    counts.fill(0);
    for (let r = 0; r < n; r++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let j = 0; j < k; j++) {
        const dist = distance2(index[r], centres, j);
        if (dist < bestDistance) {
          bestDistance = dist;
          best = j;
        }
      }
      counts[best]++;
      for (let t = 0; t < d; t++) sums[best * d + t] += xs[index[r] * d + t];
    }
    // An empty cluster keeps its centre.
    for (let j = 0; j < k; j++) if (counts[j] > 0) for (let t = 0; t < d; t++) centres[j * d + t] = sums[j * d + t] / counts[j];
  }
  return centres;
}
