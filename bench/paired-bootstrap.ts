import { InvalidDataError } from '../lambdas/core/errors.ts';
import { rocAuc } from '../lambdas/core/ml/metrics.ts';
import { SeededRandom } from '../lambdas/core/ml/random.ts';

/**
 * How much of a gap between two models' ROC AUC on one holdout is the holdout's own noise: the
 * paired bootstrap (Efron & Tibshirani 1993, ch. 6). Each resample draws holdout rows with
 * replacement, the same rows for both models, and takes AUC(a) − AUC(b) on them; the standard
 * deviation of those differences is the standard error of the observed difference. Pairing
 * matters: both models rank the same hard rows badly, so the difference varies far less than
 * either AUC. Resampling is stratified (positives and negatives drawn separately, their counts
 * kept) so no resample lacks a class, as a holdout of a stratified split never does.
 */
export interface PairedAucDifference {
  /** AUC(a) − AUC(b) on the holdout itself. */
  readonly difference: number;
  /** Standard deviation of the difference over the resamples. */
  readonly standardError: number;
  /** Share of resamples in which |AUC(a) − AUC(b)| ≤ `tolerance`. */
  readonly withinTolerance: number;
  readonly resamples: number;
}

export interface PairedBootstrapOptions {
  /** @default 2000 */
  readonly resamples?: number;
  /** @default 0 */
  readonly seed?: number;
  /** The bar `withinTolerance` counts against. @default 0.005 */
  readonly tolerance?: number;
}

export function pairedAucDifference(yTrue: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, options: PairedBootstrapOptions = {}): PairedAucDifference {
  const n = yTrue.length;
  if (a.length !== n || b.length !== n) throw new InvalidDataError(`paired bootstrap needs one score per row from each model: ${n} labels, ${a.length} and ${b.length} scores`);
  const resamples = options.resamples ?? 2000;
  if (!(Number.isInteger(resamples) && resamples >= 2)) throw new InvalidDataError(`paired bootstrap resamples must be an integer ≥ 2, got ${resamples}`);
  const tolerance = options.tolerance ?? 0.005;
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < n; i++) (yTrue[i] === 1 ? positives : negatives).push(i);
  const difference = rocAuc(yTrue, a) - rocAuc(yTrue, b);

  const rng = new SeededRandom(options.seed ?? 0);
  const y = new Uint8Array(n);
  y.fill(1, 0, positives.length);
  const sa = new Float64Array(n);
  const sb = new Float64Array(n);
  let sum = 0;
  let sumSquares = 0;
  let within = 0;
  for (let r = 0; r < resamples; r++) {
    let k = 0;
    for (const group of [positives, negatives]) {
      for (let j = 0; j < group.length; j++, k++) {
        const row = group[rng.nextInt(group.length)];
        sa[k] = a[row];
        sb[k] = b[row];
      }
    }
    const d = rocAuc(y, sa) - rocAuc(y, sb);
    sum += d;
    sumSquares += d * d;
    if (Math.abs(d) <= tolerance) within++;
  }
  const mean = sum / resamples;
  const variance = Math.max(0, (sumSquares - resamples * mean * mean) / (resamples - 1));
  return { difference, standardError: Math.sqrt(variance), withinTolerance: within / resamples, resamples };
}
