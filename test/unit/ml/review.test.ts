import { describe, expect, it } from 'vitest';
import { averageSigmoid } from '../../../lambdas/core/ml/logistic-gaussian.ts';
import { DEFAULT_REVIEW_LEVEL, latentBoundary, needsReview, otherSideProbability, reviewLevelOf } from '../../../lambdas/core/ml/review.ts';

/**
 * The review rule: the chance, under f ~ N(m, s²), that f lies on the other side of b(s) from the
 * decision, where p̄(b(s), s) = t is where the decision on the predictive probability flips.
 * Golden values from scipy 1.17: b by brentq on the same five-erf mixture (xtol 1e-14), Φ by
 * scipy.stats.norm.cdf; the quadrature values integrate σ(f) N(f; m, s²) with scipy.integrate.quad.
 */
describe('latentBoundary', () => {
  it('is 0 at threshold ½ whatever the uncertainty (p̄(0, s) = ½ by symmetry)', () => {
    // The mixture's coefficients sum to 1 − 1e-8, so its p̄(0, s) is ½ to that, and b to ~1e-7.
    for (const s of [0, 0.3, 1, 5]) expect(latentBoundary(s, 0.5)).toBeCloseTo(0, 6);
  });

  it('is logit t for a certain model, and moves away from 0 as s grows', () => {
    // At s = 0 p̄ is the plain erf mixture, which approximates σ to ~1e-3 in b.
    expect(latentBoundary(0, 0.078)).toBeCloseTo(Math.log(0.078 / 0.922), 2);
    // scipy: brentq on the mixture.
    expect(latentBoundary(1, 0.078)).toBeCloseTo(-2.8632561263070513, 9);
    expect(latentBoundary(2, 0.078)).toBeCloseTo(-3.795158834406723, 9);
    expect(latentBoundary(0.5, 0.2)).toBeCloseTo(-1.4578453370109707, 9);
    expect(latentBoundary(1.5, 0.9)).toBeCloseTo(2.9537787790866363, 9);
  });

  it('is where the predictive probability the decision uses equals the threshold', () => {
    for (const [s, t] of [
      [1, 0.078],
      [3, 0.03],
      [0.2, 0.6],
    ] as const) {
      expect(averageSigmoid(latentBoundary(s, t), s * s)).toBeCloseTo(t, 10);
    }
    // And close to the exact logistic-Gaussian integral (quadrature), which the mixture approximates.
    expect(latentBoundary(1, 0.078)).toBeCloseTo(-2.8622830726918242, 2);
    expect(latentBoundary(2, 0.078)).toBeCloseTo(-3.7933379434947567, 2);
  });

  it('rejects a threshold or sd that is no number', () => {
    expect(() => latentBoundary(1, Number.NaN)).toThrow(RangeError);
    expect(() => latentBoundary(-1, 0.5)).toThrow(RangeError);
  });
});

describe('otherSideProbability', () => {
  it('is Φ(−|m| / s) at threshold ½', () => {
    expect(otherSideProbability(1, 1, 0.5)).toBeCloseTo(0.15865525393145707, 7);
    expect(otherSideProbability(-0.5, 1, 0.5)).toBeCloseTo(0.3085375387259869, 7);
    expect(otherSideProbability(0, 1, 0.5)).toBeCloseTo(0.5, 7);
  });

  it('matches golden values away from ½ (Φ of the distance to b(s) in sds)', () => {
    // t = 0.078, s = 1: one sd below b(s) → Φ(−1); half an sd above → Φ(−0.5).
    const b = -2.8632561263070513;
    expect(otherSideProbability(b - 1, 1, 0.078)).toBeCloseTo(0.15865525393145707, 9);
    expect(otherSideProbability(b + 0.5, 1, 0.078)).toBeCloseTo(0.3085375387259869, 9);
    expect(otherSideProbability(-3, 1, 0.078)).toBeCloseTo(0.4456166245244313, 9);
    expect(otherSideProbability(-3, 0.5, 0.2)).toBeCloseTo(0.001020126722363607, 9);
  });

  it('takes the side of the decision on p̄, not of σ(m) against t', () => {
    // m = −3, s = 2, t = 0.078: σ(m) = 0.047 < t but p̄ = 0.130 ≥ t, so the row is labelled
    // "needs maintenance". Against logit t, P(f < logit t) = 0.604 would call the label the
    // unlikelier side; against b(s) = −3.795 the other side has 0.345.
    expect(averageSigmoid(-3, 4)).toBeGreaterThanOrEqual(0.078);
    expect(otherSideProbability(-3, 2, 0.078)).toBeCloseTo(0.34547011757921464, 9);
  });

  it('is mirror-symmetric: (m, s, t) and (−m, s, 1 − t) are the same doubt', () => {
    for (const [m, s, t] of [
      [-2, 1.3, 0.1],
      [0.7, 0.4, 0.35],
      [3, 2.5, 0.8],
    ] as const) {
      // To the mixture's own asymmetry (its coefficients sum to 1 − 1e-8).
      expect(otherSideProbability(-m, s, 1 - t)).toBeCloseTo(otherSideProbability(m, s, t), 6);
    }
  });

  it('never exceeds ½ and is ½ on the boundary', () => {
    for (const s of [0.1, 1, 4]) {
      for (const t of [0.02, 0.078, 0.5, 0.9]) {
        const b = latentBoundary(s, t);
        expect(otherSideProbability(b, s, t)).toBeCloseTo(0.5, 6);
        for (const dm of [-3, -0.5, -0.01, 0.01, 0.5, 3]) expect(otherSideProbability(b + dm, s, t)).toBeLessThanOrEqual(0.5);
      }
    }
  });

  it('goes to 0 as the model becomes certain (s → 0), and is 0 at s = 0', () => {
    const at = (s: number) => otherSideProbability(-2, s, 0.078);
    expect(at(1)).toBeGreaterThan(at(0.5));
    expect(at(0.5)).toBeGreaterThan(at(0.1));
    expect(at(0.01)).toBeLessThan(1e-12);
    expect(at(0)).toBe(0);
    expect(otherSideProbability(Math.log(0.078 / 0.922), 0, 0.078)).toBe(0);
  });

  it('is 0 when the threshold leaves no other side', () => {
    expect(otherSideProbability(1, 1, 0)).toBe(0);
    expect(otherSideProbability(1, 1, 1.5)).toBe(0);
  });
});

describe('needsReview', () => {
  it('flags a reading whose chance of the other side exceeds the level', () => {
    // Φ(−0.5) = 0.309, Φ(−1) = 0.159 at threshold ½.
    expect(needsReview(0.5, 1, 0.5, 0.3)).toBe(true);
    expect(needsReview(0.5, 1, 0.5, 0.31)).toBe(false);
    expect(needsReview(-1, 1, 0.5, 0.15)).toBe(true);
    expect(needsReview(-1, 1, 0.5, 0.16)).toBe(false);
  });

  it('never flags a reading far from the threshold, at any level', () => {
    for (const level of [0.001, 0.05, 0.2, 0.45]) {
      expect(needsReview(10, 1, 0.078, level)).toBe(false);
      expect(needsReview(-12, 1, 0.078, level)).toBe(false);
    }
  });

  it('never flags a reading the model is certain about', () => {
    expect(needsReview(0.2, 0, 0.5, 0.01)).toBe(false);
    expect(needsReview(-0.2, 0, 0.5, 0.01)).toBe(false);
  });

  it('flags fewer readings as the level grows', () => {
    const readings: [number, number][] = [];
    for (let m = -6; m <= 2; m += 0.25) for (const s of [0.1, 0.5, 1, 2, 4]) readings.push([m, s]);
    const flagged = (level: number) => new Set(readings.filter(([m, s]) => needsReview(m, s, 0.078, level)).map(([m, s]) => `${m},${s}`));
    let previous = flagged(0.01);
    for (const level of [0.05, 0.1, 0.2, 0.3, 0.4, 0.49]) {
      const now = flagged(level);
      for (const key of now) expect(previous.has(key)).toBe(true);
      expect(now.size).toBeLessThan(previous.size);
      previous = now;
    }
  });

  it('rejects a level outside (0, ½) with a RangeError', () => {
    for (const level of [0, 0.5, -0.1, 1, Number.NaN]) expect(() => needsReview(0, 1, 0.5, level)).toThrow(RangeError);
  });
});

describe('reviewLevelOf', () => {
  it("takes the model's level, or the default for an artifact from before it", () => {
    expect(reviewLevelOf({ reviewLevel: 0.3 })).toBe(0.3);
    expect(reviewLevelOf({})).toBe(DEFAULT_REVIEW_LEVEL);
  });
});
