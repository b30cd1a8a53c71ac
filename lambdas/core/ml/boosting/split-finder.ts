import { BIN_STRIDE, type Histogram } from './histogram.ts';

/**
 * The best split of one node: for every feature, every boundary between bins (left: bins ≤ b),
 * scored by the gain in the second-order approximation of the loss,
 *
 *   gain = G_L² / (H_L + λ) + G_R² / (H_R + λ) − G² / (H + λ),
 *
 * (G, H: sums of gradients and hessians; λ: the L2 penalty on leaf values) — scikit-learn's
 * `_split_gain` and LightGBM's without its constant ½. A split must leave at least
 * `minSamplesLeaf` rows and `minHessianToSplit` hessian on each side and gain more than 0. Ties go
 * to the lower feature, then the lower bin, so the search is deterministic.
 */

export interface SplitRules {
  readonly minSamplesLeaf: number;
  /** λ, added to every hessian sum in a leaf value. */
  readonly l2Regularization: number;
  /** scikit-learn's `min_hessian_to_split`: a side with less hessian than this cannot be a leaf. */
  readonly minHessianToSplit: number;
}

/** What a node holds: its row count and its gradient and hessian sums. */
export interface NodeTotals {
  readonly count: number;
  readonly sumGradient: number;
  readonly sumHessian: number;
}

export interface SplitCandidate {
  readonly gain: number;
  readonly feature: number;
  /** Rows with a bin ≤ this go left. */
  readonly bin: number;
  readonly left: NodeTotals;
  readonly right: NodeTotals;
}

/** Keeps a leaf value finite when a leaf's hessians sum to ~0 and λ = 0 (scikit-learn's 1e-15). */
const HESSIAN_FLOOR = 1e-15;

/** The Newton step of a leaf: −G / (H + λ). */
export function leafValue(sumGradient: number, sumHessian: number, l2Regularization: number): number {
  return -sumGradient / (sumHessian + l2Regularization + HESSIAN_FLOOR);
}

/**
 * The best split of the node with `totals` and `histogram`, or undefined when no boundary meets
 * the rules with a positive gain.
 * @param binCounts the number of bins of each feature
 */
export function findBestSplit(histogram: Histogram, binCounts: readonly number[], totals: NodeTotals, rules: SplitRules): SplitCandidate | undefined {
  const { minSamplesLeaf, l2Regularization: l2, minHessianToSplit } = rules;
  // The loss change of the node as one leaf, G · leafValue(G, H) = −G² / (H + λ); likewise for each side.
  const parentLoss = totals.sumGradient * leafValue(totals.sumGradient, totals.sumHessian, l2);
  let best: SplitCandidate | undefined;
  let bestGain = 0;
  for (let j = 0; j < binCounts.length; j++) {
    const base = j * BIN_STRIDE;
    let gLeft = 0;
    let hLeft = 0;
    let nLeft = 0;
    for (let b = 0; b < binCounts[j] - 1; b++) {
      gLeft += histogram.gradient[base + b];
      hLeft += histogram.hessian[base + b];
      nLeft += histogram.count[base + b];
      const nRight = totals.count - nLeft;
      if (nLeft < minSamplesLeaf) continue;
      if (nRight < minSamplesLeaf) break;
      const hRight = totals.sumHessian - hLeft;
      if (hLeft < minHessianToSplit) continue;
      if (hRight < minHessianToSplit) break;
      const gRight = totals.sumGradient - gLeft;
      const gain = parentLoss - gLeft * leafValue(gLeft, hLeft, l2) - gRight * leafValue(gRight, hRight, l2);
      if (gain > bestGain) {
        bestGain = gain;
        best = {
          gain,
          feature: j,
          bin: b,
          left: { count: nLeft, sumGradient: gLeft, sumHessian: hLeft },
          right: { count: nRight, sumGradient: gRight, sumHessian: hRight },
        };
      }
    }
  }
  return best;
}
