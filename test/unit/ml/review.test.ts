import { describe, expect, it } from 'vitest';
import { needsReview } from '../../../lambdas/core/ml/review.ts';

/**
 * The review rule: σ(m − 1.96 s) < threshold ≤ σ(m + 1.96 s). Bounds below computed with Python's
 * math.exp and z = 1.959963984540054.
 */
describe('needsReview', () => {
  it('flags a reading whose 95 % interval straddles the threshold', () => {
    // m = 0, s = 1: interval (0.12347, 0.87653).
    expect(needsReview(0, 1, 0.5)).toBe(true);
    expect(needsReview(0, 1, 0.13)).toBe(true);
    expect(needsReview(0, 1, 0.87)).toBe(true);
  });

  it('leaves a reading whose interval lies on one side of the threshold', () => {
    // m = 3, s = 0.5: interval (0.88288, 0.98166), above 0.5.
    expect(needsReview(3, 0.5, 0.5)).toBe(false);
    // m = −2, s = 0.2: interval (0.08379, 0.16687), below 0.5.
    expect(needsReview(-2, 0.2, 0.5)).toBe(false);
    expect(needsReview(0, 1, 0.12)).toBe(false);
    expect(needsReview(0, 1, 0.88)).toBe(false);
  });

  it('uses 1.96 standard deviations, not one: m = 1, s = 0.5 reaches down to 0.50500', () => {
    expect(needsReview(1, 0.5, 0.506)).toBe(true);
    expect(needsReview(1, 0.5, 0.504)).toBe(false);
  });

  it('with no uncertainty never flags', () => {
    expect(needsReview(0.2, 0, 0.5)).toBe(false);
    expect(needsReview(-0.2, 0, 0.5)).toBe(false);
  });
});
