import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { classificationReport } from '../../../lambdas/core/ml/metrics.ts';
import { chooseThreshold, thresholdForMaxFBeta } from '../../../lambdas/core/ml/threshold.ts';

interface Case {
  name: string;
  yTrue: number[];
  proba: number[];
}

const cases = (
  JSON.parse(readFileSync(new URL('./fixtures/metrics-golden.json', import.meta.url), 'utf8')) as { cases: Case[] }
).cases;
const imbalanced = cases.find((c) => c.name === 'imbalanced-300')!;

const recallAt = (c: Case, t: number): number => classificationReport(c.yTrue, c.proba, t).recall;

/** The smallest distinct score above t, or undefined when t is the highest. */
function nextHigherScore(proba: readonly number[], t: number): number | undefined {
  const above = proba.filter((p) => p > t);
  return above.length === 0 ? undefined : Math.min(...above);
}

describe('chooseThreshold', () => {
  it('a 0.5 threshold misses every failure on 3% imbalanced data; the chosen one meets 0.9', () => {
    expect(imbalanced.yTrue.filter((y) => y === 1)).toHaveLength(9);
    expect(recallAt(imbalanced, 0.5)).toBe(0);
    const choice = chooseThreshold(imbalanced.yTrue, imbalanced.proba, { targetRecall: 0.9 });
    expect(choice.achievable).toBe(true);
    expect(choice.recall).toBeGreaterThanOrEqual(0.9);
    expect(recallAt(imbalanced, choice.threshold)).toBeGreaterThanOrEqual(0.9);
    expect(choice.threshold).toBeLessThan(0.5);
  });

  it('defaults to targetRecall 0.9', () => {
    expect(chooseThreshold(imbalanced.yTrue, imbalanced.proba)).toEqual(
      chooseThreshold(imbalanced.yTrue, imbalanced.proba, { targetRecall: 0.9 }),
    );
  });

  describe.each(cases)('on $name', (c) => {
    it.each([0.1, 0.5, 0.75, 0.9, 1])('returns the highest score meeting recall %s', (targetRecall) => {
      const choice = chooseThreshold(c.yTrue, c.proba, { targetRecall });
      expect(c.proba).toContain(choice.threshold);
      expect(recallAt(c, choice.threshold)).toBeGreaterThanOrEqual(targetRecall);
      const higher = nextHigherScore(c.proba, choice.threshold);
      if (higher !== undefined) expect(recallAt(c, higher)).toBeLessThan(targetRecall);

      const report = classificationReport(c.yTrue, c.proba, choice.threshold);
      expect(choice.recall).toBe(report.recall);
      expect(choice.precision).toBe(report.precision);
      expect(choice.achievable).toBe(true);
    });
  });

  it('with targetRecall 1 returns the lowest score of a failure', () => {
    const { yTrue, proba } = imbalanced;
    const lowestFailure = Math.min(...proba.filter((_, i) => yTrue[i] === 1));
    expect(chooseThreshold(yTrue, proba, { targetRecall: 1 }).threshold).toBe(lowestFailure);
  });

  it('throws when there are no positives', () => {
    expect(() => chooseThreshold([0, 0, 0], [0.1, 0.2, 0.3])).toThrow(InvalidDataError);
    expect(() => chooseThreshold([0, 0, 0], [0.1, 0.2, 0.3])).toThrow(/no positives/);
  });

  it.each([0, -0.1, 1.5, NaN])('rejects targetRecall %s', (targetRecall) => {
    const call = () => chooseThreshold([0, 1], [0.1, 0.9], { targetRecall });
    expect(call).toThrow(RangeError);
    expect(call).toThrow(/targetRecall must be in \(0, 1\]/);
  });

  it('rejects invalid probabilities and labels', () => {
    expect(() => chooseThreshold([0, 1], [0.1, NaN])).toThrow(/proba\[1\] is NaN/);
    expect(() => chooseThreshold([0, 1], [0.1, 1.2])).toThrow(/proba\[1\] is 1\.2/);
    expect(() => chooseThreshold([0, 3], [0.1, 0.2])).toThrow(/yTrue\[1\] is 3/);
  });
});

describe('thresholdForMaxFBeta', () => {
  describe.each(cases)('on $name', (c) => {
    it.each([0.5, 1, 2])('finds the highest score with the maximal F-beta (beta %s)', (beta) => {
      const best = thresholdForMaxFBeta(c.yTrue, c.proba, beta);
      // Brute force over every distinct score, highest first.
      const scores = [...new Set(c.proba)].sort((a, b) => b - a);
      const fAt = (t: number): number => {
        const { precision, recall } = classificationReport(c.yTrue, c.proba, t);
        const b2 = beta * beta;
        return precision + recall === 0 ? 0 : ((1 + b2) * precision * recall) / (b2 * precision + recall);
      };
      const maxF = Math.max(...scores.map(fAt));
      expect(best.fBeta).toBeCloseTo(maxF, 12);
      expect(best.threshold).toBe(scores.find((t) => fAt(t) >= maxF - 1e-12));
      const report = classificationReport(c.yTrue, c.proba, best.threshold);
      expect(best.precision).toBe(report.precision);
      expect(best.recall).toBe(report.recall);
    });
  });

  it('rejects beta <= 0 and data without positives', () => {
    expect(() => thresholdForMaxFBeta([0, 1], [0.1, 0.9], 0)).toThrow(/beta must be a finite number > 0/);
    expect(() => thresholdForMaxFBeta([0, 0], [0.1, 0.9], 2)).toThrow(InvalidDataError);
    expect(() => thresholdForMaxFBeta([0, 0], [0.1, 0.9], 2)).toThrow(/no positives/);
  });
});
