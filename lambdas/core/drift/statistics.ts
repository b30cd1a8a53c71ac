import { InvalidDataError, ShapeError } from '../errors.ts';

/**
 * The two drift statistics in their exact form, for tests and small data. The batch pipeline
 * computes them from counts (drift.ts), which needs no raw rows.
 */

/**
 * Share given to an empty bin before taking logarithms. Without it one empty bin makes PSI
 * infinite; with 1e-4, a bin holding 5 % of the batch but no training row adds
 * (0.05 − 0.0001)·ln(0.05 / 0.0001) ≈ 0.31, enough on its own to cross the 0.2 threshold.
 */
export const PSI_EPSILON = 1e-4;

function assertShares(shares: ArrayLike<number>, name: string): void {
  let total = 0;
  for (let k = 0; k < shares.length; k++) {
    const s = shares[k];
    if (!(Number.isFinite(s) && s >= 0 && s <= 1)) {
      throw new InvalidDataError(`${name}[${k}] is ${s}; a share must be a finite number in [0, 1]`);
    }
    total += s;
  }
  // Catches counts passed by mistake for shares.
  if (Math.abs(total - 1) > 1e-6) throw new InvalidDataError(`${name} sum to ${total}; shares must sum to 1`);
}

/**
 * Population stability index Σ_k (a_k − e_k)·ln(a_k / e_k) of the actual shares `a` against the
 * expected shares `e` over the same bins; a share of 0 counts as {@link PSI_EPSILON}.
 * 0 for identical shares; by convention < 0.1 is stable, 0.1–0.2 a moderate and > 0.2 a large shift.
 */
export function populationStabilityIndex(expectedShares: ArrayLike<number>, actualShares: ArrayLike<number>): number {
  if (expectedShares.length !== actualShares.length) {
    throw new ShapeError(`expected shares have ${expectedShares.length} bins but actual shares ${actualShares.length}`);
  }
  if (expectedShares.length === 0) throw new InvalidDataError('PSI needs at least one bin');
  assertShares(expectedShares, 'expectedShares');
  assertShares(actualShares, 'actualShares');
  let psi = 0;
  for (let k = 0; k < expectedShares.length; k++) {
    const e = Math.max(expectedShares[k], PSI_EPSILON);
    const a = Math.max(actualShares[k], PSI_EPSILON);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

function sortedFinite(sample: ArrayLike<number>, name: string): Float64Array {
  if (sample.length === 0) throw new InvalidDataError(`${name} is empty; the KS statistic needs at least one value in each sample`);
  for (let i = 0; i < sample.length; i++) {
    if (!Number.isFinite(sample[i])) throw new InvalidDataError(`${name}[${i}] is ${sample[i]}; values must be finite numbers`);
  }
  return Float64Array.from(sample).sort();
}

/**
 * Two-sample Kolmogorov–Smirnov statistic sup_x |F_A(x) − F_B(x)| of the two empirical CDFs
 * (scipy's `ks_2samp(a, b).statistic`). Ties are stepped over together, so equal samples give 0.
 */
export function ksStatistic(sampleA: ArrayLike<number>, sampleB: ArrayLike<number>): number {
  const a = sortedFinite(sampleA, 'sampleA');
  const b = sortedFinite(sampleB, 'sampleB');
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j]);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  // Once one sample is used up its CDF is 1 and the other's only climbs towards it: no larger gap follows.
  return d;
}
