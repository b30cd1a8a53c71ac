import { describe, expect, it } from 'vitest';
import type { BinnedFeatures } from '../../../../lambdas/core/ml/boosting/bin-mapper.ts';
import { BIN_STRIDE, buildHistogram, subtractInto } from '../../../../lambdas/core/ml/boosting/histogram.ts';
import { findBestSplit, leafValue } from '../../../../lambdas/core/ml/boosting/split-finder.ts';
import { growTree } from '../../../../lambdas/core/ml/boosting/tree-grower.ts';

/** Six rows, one feature in three bins; gradients pull bins 0–1 down and bin 2 up. */
const binned: BinnedFeatures = { rows: 6, cols: 1, bins: Uint8Array.from([0, 0, 1, 1, 2, 2]) };
const gradients = Float32Array.from([-1, -1, -0.5, -0.5, 1, 2]);
const hessians = Float32Array.from([0.25, 0.25, 0.25, 0.25, 0.25, 0.25]);
const all = Uint32Array.from([0, 1, 2, 3, 4, 5]);
const rules = { minSamplesLeaf: 1, l2Regularization: 1, minHessianToSplit: 1e-3 };

describe('split search', () => {
  it('sums gradients, hessians and counts per bin', () => {
    const h = buildHistogram(binned, all, 0, 6, gradients, hessians);
    expect(Array.from(h.gradient.subarray(0, 3))).toEqual([-2, -1, 3]);
    expect(Array.from(h.hessian.subarray(0, 3))).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(h.count.subarray(0, 3))).toEqual([2, 2, 2]);
    expect(h.gradient).toHaveLength(BIN_STRIDE);
  });

  it('a child histogram by subtraction equals the one built directly', () => {
    const parent = buildHistogram(binned, all, 0, 6, gradients, hessians);
    const left = buildHistogram(binned, all, 0, 4, gradients, hessians);
    const right = buildHistogram(binned, all, 4, 6, gradients, hessians);
    const byDifference = subtractInto(parent, left);
    expect(Array.from(byDifference.gradient)).toEqual(Array.from(right.gradient));
    expect(Array.from(byDifference.count)).toEqual(Array.from(right.count));
  });

  it('picks the boundary with the largest gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)', () => {
    const h = buildHistogram(binned, all, 0, 6, gradients, hessians);
    const split = findBestSplit(h, [3], { count: 6, sumGradient: 0, sumHessian: 1.5 }, rules)!;
    // After bin 0: G_L = −2, H_L = 0.5 → 4/1.5; G_R = 2, H_R = 1 → 4/2; parent 0.  Gain 4.6667.
    // After bin 1: G_L = −3, H_L = 1 → 9/2; G_R = 3, H_R = 0.5 → 9/1.5.           Gain 10.5.
    expect(split.bin).toBe(1);
    expect(split.gain).toBeCloseTo(10.5, 12);
    expect(split.left).toEqual({ count: 4, sumGradient: -3, sumHessian: 1 });
    expect(leafValue(-3, 1, 1)).toBeCloseTo(1.5, 12);
  });

  it('honours minSamplesLeaf, and finds nothing when no split gains', () => {
    const h = buildHistogram(binned, all, 0, 6, gradients, hessians);
    expect(findBestSplit(h, [3], { count: 6, sumGradient: 0, sumHessian: 1.5 }, { ...rules, minSamplesLeaf: 3 })).toBeUndefined();
    const flat = buildHistogram(binned, all, 0, 6, new Float32Array(6), hessians);
    expect(findBestSplit(flat, [3], { count: 6, sumGradient: 0, sumHessian: 1.5 }, rules)).toBeUndefined();
  });

  it('a stump: threshold from the bin boundary, leaves −learningRate·G/(H+λ)', () => {
    const thresholds = [Float64Array.from([10, 20])];
    const { tree, leaves } = growTree(binned, thresholds, gradients, hessians, { ...rules, maxLeafNodes: 2, maxDepth: null, learningRate: 0.1 });
    expect(Array.from(tree.feature)).toEqual([0, -1, -1]);
    expect(tree.threshold[0]).toBe(20);
    expect(tree.value[1]).toBeCloseTo(0.1 * (3 / 2), 12);
    expect(tree.value[2]).toBeCloseTo(0.1 * (-3 / 1.5), 12);
    expect(leaves.map((l) => l.end - l.start)).toEqual([4, 2]);
  });
});
