import { InvalidDataError, ShapeError } from '../../errors.ts';

/**
 * The batch's probabilities as counts in equal-width bins over [0, 1]: a few hundred bytes for any
 * number of rows, and shards' histograms add up like their drift summaries.
 */
export interface ScoreHistogram {
  /** counts[k] rows with k/K ≤ p < (k+1)/K, K = counts.length; p = 1 falls in the last bin. */
  readonly counts: readonly number[];
}

/** 20 bins of width 0.05. */
export const SCORE_BINS = 20;

export function emptyScoreHistogram(bins = SCORE_BINS): ScoreHistogram {
  if (!Number.isInteger(bins) || bins < 1) throw new InvalidDataError(`a score histogram needs a whole number of bins ≥ 1, got ${bins}`);
  return { counts: new Array<number>(bins).fill(0) };
}

export function scoreHistogram(probabilities: ArrayLike<number>, bins = SCORE_BINS): ScoreHistogram {
  const counts = [...emptyScoreHistogram(bins).counts];
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (!(Number.isFinite(p) && p >= 0 && p <= 1)) {
      throw new InvalidDataError(`probabilities[${i}] is ${p}; probabilities must be finite numbers in [0, 1]`);
    }
    counts[Math.min(Math.floor(p * bins), bins - 1)]++;
  }
  return { counts };
}

export function mergeScoreHistograms(a: ScoreHistogram, b: ScoreHistogram): ScoreHistogram {
  if (a.counts.length !== b.counts.length) {
    throw new ShapeError(`cannot merge score histograms of ${a.counts.length} and ${b.counts.length} bins`);
  }
  return { counts: a.counts.map((c, k) => c + b.counts[k]) };
}
