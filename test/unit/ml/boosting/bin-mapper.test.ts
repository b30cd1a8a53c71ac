import { describe, expect, it } from 'vitest';
import { binFeatures, binOf, fitBinThresholds } from '../../../../lambdas/core/ml/boosting/bin-mapper.ts';
import { fromRows } from '../../../../lambdas/core/ml/dense.ts';

describe('bin thresholds', () => {
  it('few distinct values: the midpoints between them, one bin per value', () => {
    const x = fromRows([[3], [1], [2], [1], [3]]);
    const [t] = fitBinThresholds(x, 255, 0);
    expect(Array.from(t)).toEqual([1.5, 2.5]);
    expect(Array.from(binFeatures(x, [t]).bins)).toEqual([2, 0, 1, 0, 2]);
  });

  it('a constant column has one bin and no threshold', () => {
    const [t] = fitBinThresholds(fromRows([[7], [7], [7]]), 255, 0);
    expect(t).toHaveLength(0);
  });

  it("many distinct values: maxBins − 1 quantiles, numpy's 'midpoint' percentiles", () => {
    // 0 … 9 in 4 bins: positions 9·k/4 = 2.25, 4.5, 6.75, each between two values → their midpoint.
    const x = fromRows(Array.from({ length: 10 }, (_, i) => [9 - i]));
    const [t] = fitBinThresholds(x, 4, 0);
    expect(Array.from(t)).toEqual([2.5, 4.5, 6.5]);
    // 0 … 8 in 4 bins: positions 2, 4, 6 fall on values, which are the thresholds themselves.
    const [u] = fitBinThresholds(fromRows(Array.from({ length: 9 }, (_, i) => [i])), 4, 0);
    expect(Array.from(u)).toEqual([2, 4, 6]);
  });

  it('a value equal to a threshold falls in the lower bin; beyond the last, the top bin', () => {
    const t = Float64Array.from([1, 2, 3]);
    expect([0.5, 1, 1.0000001, 3, 99].map((v) => binOf(t, v))).toEqual([0, 0, 1, 2, 3]);
  });

  it('names a bad maxBins', () => {
    expect(() => fitBinThresholds(fromRows([[1]]), 1, 0)).toThrow(/maxBins must be an integer in \[2, 255\]/);
  });
});
