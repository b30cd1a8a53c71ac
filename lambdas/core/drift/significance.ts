import { InvalidDataError, ShapeError } from '../errors.ts';

/**
 * The sampling distributions that turn the drift statistics into decisions that depend on the
 * batch size: the two-sample KS critical value, the χ² homogeneity test of two count vectors, and
 * the χ² survival function (the regularized upper incomplete gamma function) they rest on.
 */

/**
 * Two-sample Kolmogorov–Smirnov critical value c(α)·√((n + m)/(n·m)) with c(α) = √(−ln(α/2)/2),
 * the large-sample value (c(0.05) = 1.358): two samples of n and m rows from one distribution have
 * a KS statistic above it with probability about α (at most α for discrete data).
 */
export function ksCriticalValue(n: number, m: number, alpha: number): number {
  assertRows(n, 'n');
  assertRows(m, 'm');
  assertAlpha(alpha);
  return Math.sqrt(-Math.log(alpha / 2) / 2) * Math.sqrt((n + m) / (n * m));
}

/** Result of {@link chiSquareHomogeneity}. */
export interface ChiSquareTest {
  readonly statistic: number;
  /** Degrees of freedom: the bins with a row in either sample, minus 1. */
  readonly df: number;
  /** P(χ²_df ≥ statistic); 1 when df = 0 (both samples in one bin: nothing to tell apart). */
  readonly pValue: number;
}

/**
 * Pearson's χ² test that two samples, given as counts over the same bins, come from one
 * distribution (the 2 × B contingency table; scipy's `chi2_contingency(…, correction=False)`).
 * Bins empty in both samples are left out.
 */
export function chiSquareHomogeneity(countsA: readonly number[], countsB: readonly number[]): ChiSquareTest {
  if (countsA.length !== countsB.length) throw new ShapeError(`counts over ${countsA.length} and ${countsB.length} bins`);
  let n = 0;
  let m = 0;
  for (let k = 0; k < countsA.length; k++) {
    for (const c of [countsA[k], countsB[k]]) {
      if (!(Number.isInteger(c) && c >= 0)) throw new InvalidDataError(`counts must be whole numbers ≥ 0, got ${c} in bin ${k}`);
    }
    n += countsA[k];
    m += countsB[k];
  }
  if (n === 0 || m === 0) throw new InvalidDataError('the χ² test needs at least one row in each sample');
  let statistic = 0;
  let bins = 0;
  for (let k = 0; k < countsA.length; k++) {
    const total = countsA[k] + countsB[k];
    if (total === 0) continue;
    bins++;
    const expectedA = (total * n) / (n + m);
    const expectedB = (total * m) / (n + m);
    statistic += (countsA[k] - expectedA) ** 2 / expectedA + (countsB[k] - expectedB) ** 2 / expectedB;
  }
  const df = bins - 1;
  return { statistic, df, pValue: df === 0 ? 1 : chiSquareSurvival(statistic, df) };
}

/** P(χ²_df ≥ x) = Q(df/2, x/2). With df = 1 it is the two-sided normal p-value of z = √x. */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(Number.isFinite(df) && df > 0)) throw new InvalidDataError(`χ² degrees of freedom must be > 0, got ${df}`);
  if (Number.isNaN(x)) throw new InvalidDataError('χ² statistic is NaN');
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return upperRegularizedGamma(df / 2, x / 2);
}

/** Two-sided p-value of a standard normal z: P(|Z| ≥ |z|). */
export function normalTwoSidedPValue(z: number): number {
  return chiSquareSurvival(z * z, 1);
}

// Q(a, x) by the series of P for x < a + 1 and Lentz's continued fraction otherwise (Numerical
// Recipes 6.2): both converge fast in their region, to about 1e-15 relative.
function upperRegularizedGamma(a: number, x: number): number {
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let k = 1; k < 10_000; k++) {
      term *= x / (a + k);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let k = 1; k < 10_000; k++) {
    const an = -k * (k - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

// Lanczos approximation (g = 7, n = 9), about 15 significant digits for a > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

function logGamma(a: number): number {
  if (a < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * a)) - logGamma(1 - a);
  const z = a - 1;
  let sum = LANCZOS[0];
  for (let k = 1; k < LANCZOS.length; k++) sum += LANCZOS[k] / (z + k);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

function assertRows(n: number, name: string): void {
  if (!(Number.isInteger(n) && n > 0)) throw new InvalidDataError(`${name} must be a whole number of rows > 0, got ${n}`);
}

function assertAlpha(alpha: number): void {
  if (!(Number.isFinite(alpha) && alpha > 0 && alpha < 1)) throw new InvalidDataError(`α must be a number in (0, 1), got ${alpha}`);
}
