import erf from '@stdlib/math-base-special-erf';
import { averageSigmoid } from './logistic-gaussian.ts';

/**
 * When to send a reading to a person (docs/ml.md, "Review").
 *
 * The decision is taken on the predictive probability p̄(m, s) = E[σ(f)], f ~ N(m, s²): "needs
 * maintenance" when p̄ ≥ t. For a given s, p̄ grows with m, so that decision is m ≥ b(s), where
 * b(s) solves p̄(b, s) = t: the latent decision boundary at this row's uncertainty (b(0) ≈ logit t;
 * a wider s moves it away from 0, because averaging pulls p̄ towards ½). The reading is on the
 * other side when its latent f lies on the other side of that same boundary:
 *   P(f < b) = Φ((b − m) / s) for a row labelled "needs maintenance", P(f ≥ b) for the others.
 * It is at most ½ (the decision always takes the likelier side), ½ exactly on the boundary.
 * The naive cut logit t would disagree with the decision: a row labelled "needs maintenance" by p̄
 * can have most of its latent mass below logit t when s is large.
 */

/** The level a model uses when nothing sets one (artifacts from before the level, config unset); chosen by measurement (docs/benchmarks.md, "Review"). */
export const DEFAULT_REVIEW_LEVEL = 0.4;

/** Checks a review level: a probability strictly between 0 (everything reviewed) and ½ (nothing can be). */
export function assertReviewLevel(level: number): void {
  if (!(level > 0 && level < 0.5)) {
    throw new RangeError(`the review level must be a probability strictly between 0 and 0.5, got ${level}`);
  }
}

/** Standard normal CDF. */
function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/** The search stops when the bracket is this narrow relative to the boundary's size: far below any s that matters. */
const RELATIVE_TOLERANCE = 1e-10;
const MAX_STEPS = 200;

/**
 * b(s): the latent mean at which the predictive probability equals the threshold, for latent sd
 * `latentStd`. −∞ when every row reaches the threshold (t ≤ 0), +∞ when none can (t > 1).
 */
export function latentBoundary(latentStd: number, threshold: number): number {
  if (!Number.isFinite(threshold)) throw new RangeError(`the threshold must be a finite number, got ${threshold}`);
  if (!(latentStd >= 0 && Number.isFinite(latentStd))) throw new RangeError(`the latent sd must be a finite number ≥ 0, got ${latentStd}`);
  if (threshold <= 0) return -Infinity;
  if (threshold > 1) return Infinity;
  const variance = latentStd * latentStd;
  const gap = (m: number): number => averageSigmoid(m, variance) - threshold;
  // Start from the probit approximation of p̄ (MacKay): σ(m / √(1 + πs²/8)) = t, within ~0.1 of b.
  const guess = threshold >= 1 ? 40 : Math.log(threshold / (1 - threshold)) * Math.sqrt(1 + (Math.PI * variance) / 8);
  let step = 0.25 * (1 + latentStd);
  let low = guess - step;
  let gapLow = gap(low);
  for (let k = 0; k < MAX_STEPS && gapLow >= 0; k++, step *= 2) [low, gapLow] = [guess - 2 * step, gap(guess - 2 * step)];
  let high = guess + step;
  let gapHigh = gap(high);
  for (let k = 0; k < MAX_STEPS && gapHigh < 0; k++, step *= 2) [high, gapHigh] = [guess + 2 * step, gap(guess + 2 * step)];
  // p̄ saturates at 0 or 1 in floating point: past that, the boundary is as far as the bracket goes.
  if (gapLow >= 0) return -Infinity;
  if (gapHigh < 0) return Infinity;
  // Regula falsi with the Illinois modification: the bracket always holds the root, and it takes
  // a handful of steps from the probit guess where bisection takes ~40 (every row of a batch pays it).
  const tolerance = RELATIVE_TOLERANCE * (1 + Math.abs(guess));
  let kept = 0;
  let previous = Number.NaN;
  for (let k = 0; k < MAX_STEPS && high - low > tolerance; k++) {
    const next = Math.min(high, Math.max(low, (low * gapHigh - high * gapLow) / (gapHigh - gapLow)));
    const value = gap(next);
    if (value === 0 || Math.abs(next - previous) <= tolerance) return next;
    previous = next;
    if (value > 0) {
      [high, gapHigh] = [next, value];
      if (kept === 1) gapLow /= 2;
      kept = 1;
    } else {
      [low, gapLow] = [next, value];
      if (kept === -1) gapHigh /= 2;
      kept = -1;
    }
  }
  return 0.5 * (low + high);
}

/**
 * P(the reading lies on the other side of the threshold from the model's decision), in [0, ½].
 * 0 when the model is certain about f (s = 0).
 */
export function otherSideProbability(latentMean: number, latentStd: number, threshold: number): number {
  if (!Number.isFinite(latentMean)) throw new RangeError(`the latent mean must be a finite number, got ${latentMean}`);
  const boundary = latentBoundary(latentStd, threshold);
  if (latentStd === 0 || !Number.isFinite(boundary)) return 0;
  return normalCdf(-Math.abs(latentMean - boundary) / latentStd);
}

/** True when the chance that the reading is on the other side of the threshold exceeds `level`: a person should look. */
export function needsReview(latentMean: number, latentStd: number, threshold: number, level: number): boolean {
  assertReviewLevel(level);
  return otherSideProbability(latentMean, latentStd, threshold) > level;
}

/** The review level a model's threshold record carries, or the default for GP artifacts from before it. */
export function reviewLevelOf(threshold: { readonly reviewLevel?: number }): number {
  return threshold.reviewLevel ?? DEFAULT_REVIEW_LEVEL;
}
