import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { stratifiedSplit } from '../../../lambdas/core/ml/split.ts';

/** 100 zeros then 30 ones (sorted on purpose: the split must shuffle). */
const imbalanced = Uint8Array.from({ length: 130 }, (_, i) => (i < 100 ? 0 : 1));

function countLabel(y: ArrayLike<number>, index: Uint32Array, label: number): number {
  return Array.from(index).filter((i) => y[i] === label).length;
}

describe('stratifiedSplit', () => {
  it('sends round(testFraction × count) of each class to the test set', () => {
    const { trainIndex, testIndex } = stratifiedSplit(imbalanced, { testFraction: 0.3, seed: 1 });
    expect(testIndex.length).toBe(30 + 9);
    expect(trainIndex.length).toBe(70 + 21);
    expect(countLabel(imbalanced, testIndex, 0)).toBe(30);
    expect(countLabel(imbalanced, testIndex, 1)).toBe(9);
    expect(countLabel(imbalanced, trainIndex, 1)).toBe(21);
  });

  it('defaults testFraction to 0.3', () => {
    const y = Uint8Array.from({ length: 200 }, (_, i) => i % 2);
    expect(stratifiedSplit(y, { seed: 3 }).testIndex.length).toBe(60);
  });

  it('keeps the class proportions of an imbalanced set (3 % positives)', () => {
    const y = Uint8Array.from({ length: 1000 }, (_, i) => (i % 33 === 0 ? 1 : 0));
    const positives = y.reduce((s, v) => s + v, 0);
    const { trainIndex, testIndex } = stratifiedSplit(y, { seed: 4 });
    const rate = (index: Uint32Array): number => countLabel(y, index, 1) / index.length;
    expect(Math.abs(rate(trainIndex) - positives / 1000)).toBeLessThan(0.002);
    expect(Math.abs(rate(testIndex) - positives / 1000)).toBeLessThan(0.003);
  });

  it('puts every row in exactly one part', () => {
    const { trainIndex, testIndex } = stratifiedSplit(imbalanced, { seed: 5 });
    const all = [...trainIndex, ...testIndex].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: imbalanced.length }, (_, i) => i));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = stratifiedSplit(imbalanced, { seed: 99 });
    const b = stratifiedSplit(imbalanced, { seed: 99 });
    const c = stratifiedSplit(imbalanced, { seed: 100 });
    expect(Array.from(a.testIndex)).toEqual(Array.from(b.testIndex));
    expect(Array.from(a.trainIndex)).toEqual(Array.from(b.trainIndex));
    expect(new Set(a.testIndex)).not.toEqual(new Set(c.testIndex));
  });

  it('shuffles the order inside each part (classes are interleaved, not in blocks)', () => {
    const { trainIndex, testIndex } = stratifiedSplit(imbalanced, { seed: 6 });
    const isSorted = (index: Uint32Array): boolean => index.every((v, k) => k === 0 || index[k - 1] < v);
    expect(isSorted(trainIndex)).toBe(false);
    expect(isSorted(testIndex)).toBe(false);
    // Without the final shuffle the first 70 training rows would all be class 0.
    const positivesInHead = countLabel(imbalanced, trainIndex.subarray(0, 40), 1);
    expect(positivesInHead).toBeGreaterThan(0);
  });

  it('keeps at least one row of a 2-row class on each side, whatever the fraction', () => {
    const y = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    for (const testFraction of [0.05, 0.95]) {
      const { trainIndex, testIndex } = stratifiedSplit(y, { testFraction, seed: 7 });
      expect(countLabel(y, trainIndex, 1)).toBe(1);
      expect(countLabel(y, testIndex, 1)).toBe(1);
    }
  });

  it('handles labels other than 0/1 and more than two classes', () => {
    const y = [5, 5, 5, 5, -2, -2, -2, -2, 9, 9];
    const { trainIndex, testIndex } = stratifiedSplit(y, { testFraction: 0.5, seed: 8 });
    for (const label of [5, -2, 9]) {
      const n = y.filter((v) => v === label).length;
      expect(countLabel(y, testIndex, label)).toBe(Math.round(n / 2));
      expect(countLabel(y, trainIndex, label)).toBe(n - Math.round(n / 2));
    }
  });

  it('rejects unusable inputs with a message saying what is wrong', () => {
    expect(() => stratifiedSplit([], { seed: 1 })).toThrow(/y is empty/);
    expect(() => stratifiedSplit([1, 1, 1], { seed: 1 })).toThrow(/at least two classes/);
    expect(() => stratifiedSplit([0, 0, 0, 1], { seed: 1 })).toThrow(/class 1 has 1 row/);
    expect(() => stratifiedSplit([0, 1, 0, 1], { testFraction: 0, seed: 1 })).toThrow(/testFraction/);
    expect(() => stratifiedSplit([0, 1, 0, 1], { testFraction: 1, seed: 1 })).toThrow(/testFraction/);
    expect(() => stratifiedSplit([0, 1, 0, 1], { testFraction: Number.NaN, seed: 1 })).toThrow(/testFraction/);
    expect(() => stratifiedSplit([0, Number.NaN, 0, 1], { seed: 1 })).toThrow(/row 1 is NaN/);
    expect(() => stratifiedSplit([0, 0, 0, 1], { seed: 1 })).toThrow(InvalidDataError);
  });
});
