import { describe, expect, it } from 'vitest';
import { capHoldout } from '../../../lambdas/core/steps/holdout-cap.ts';
import { splitPosition } from '../../../lambdas/core/steps/split-and-scale.ts';

describe('capHoldout', () => {
  // 1,000 holdout rows at indices 0, 2, 4, …; every tenth is a failure (100 positives, 900 negatives).
  const y = Uint8Array.from({ length: 2000 }, (_, i) => (i % 20 === 0 ? 1 : 0));
  const holdout = Array.from({ length: 1000 }, (_, k) => 2 * k);
  const position = (i: number): number => splitPosition(5, i);

  it('keeps every row when the holdout is within the cap', () => {
    expect(capHoldout(holdout, y, position, 1000)).toEqual(holdout);
    expect(capHoldout([4, 2], y, position, 5)).toEqual([4, 2]);
  });

  it('keeps each class’s share: 250 of 1,000 rows with 10 % failures keeps 25 failures and 225 healthy rows', () => {
    const kept = capHoldout(holdout, y, position, 250);
    expect(kept).toHaveLength(250);
    expect(kept.filter((i) => y[i] === 1)).toHaveLength(25);
    expect(new Set(kept).size).toBe(250);
    expect(kept.every((i) => holdout.includes(i))).toBe(true);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
  });

  it('keeps, within each class, the rows with the smallest split positions', () => {
    const kept = capHoldout(holdout, y, position, 250);
    const smallest = (cls: number, count: number) =>
      holdout
        .filter((i) => y[i] === cls)
        .sort((a, b) => position(a) - position(b))
        .slice(0, count);
    expect(kept).toEqual([...smallest(1, 25), ...smallest(0, 225)].sort((a, b) => a - b));
  });

  it('is stable: a larger cap keeps every row a smaller one kept', () => {
    const small = new Set(capHoldout(holdout, y, position, 200));
    const large = new Set(capHoldout(holdout, y, position, 400));
    expect([...small].every((i) => large.has(i))).toBe(true);
  });

  it('rounds the positives’ share, within what each class has', () => {
    // 3 of 7 rows positive, cap 2: round(2·3/7) = 1 positive.
    const yy = Uint8Array.of(1, 0, 1, 0, 1, 0, 0);
    const kept = capHoldout([0, 1, 2, 3, 4, 5, 6], yy, (i) => i / 10, 2);
    expect(kept).toEqual([0, 1]);
    // One class only: the cap takes its smallest positions.
    expect(capHoldout([3, 1, 2, 0], new Uint8Array(4), (i) => 1 - i / 10, 2)).toEqual([2, 3]);
  });

  it('refuses a cap that is not a non-negative integer', () => {
    expect(() => capHoldout(holdout, y, position, -1)).toThrow(RangeError);
    expect(() => capHoldout(holdout, y, position, 2.5)).toThrow('the holdout cap must be a non-negative integer, got 2.5');
  });
});
