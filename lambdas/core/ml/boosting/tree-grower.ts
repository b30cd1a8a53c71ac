import type { BinnedFeatures, BinThresholds } from './bin-mapper.ts';
import { buildHistogram, type Histogram, subtractInto } from './histogram.ts';
import type { RegressionTree } from './regression-tree.ts';
import { findBestSplit, leafValue, type NodeTotals, type SplitCandidate, type SplitRules } from './split-finder.ts';

/**
 * Grows one tree on the gradients and hessians of the current ensemble, best-first (leaf-wise,
 * like LightGBM and scikit-learn's HistGradientBoosting): of all leaves that can still be split,
 * the one whose best split gains most is split next, until `maxLeafNodes` leaves exist or no
 * split gains. A leaf can be split when it holds at least 2 × minSamplesLeaf rows and lies above
 * `maxDepth`. The rows of every node are a contiguous range of one index array, partitioned in
 * place at each split (stable: each side keeps the rows' order).
 */

export interface GrowthRules extends SplitRules {
  /** Leaves per tree at most; null: no limit. */
  readonly maxLeafNodes: number | null;
  /** Depth of a leaf at most (root 0); null: no limit. */
  readonly maxDepth: number | null;
  /** Shrinkage: each leaf adds learningRate × its Newton step. */
  readonly learningRate: number;
}

/** A leaf of the grown tree and the training rows in it: `rows[start … end)` of {@link GrownTree.rows}. */
export interface GrownLeaf {
  readonly start: number;
  readonly end: number;
  readonly value: number;
}

export interface GrownTree {
  readonly tree: RegressionTree;
  /** The training rows, grouped by leaf. */
  readonly rows: Uint32Array;
  readonly leaves: readonly GrownLeaf[];
}

interface GrowingNode {
  readonly id: number;
  readonly depth: number;
  readonly start: number;
  readonly end: number;
  readonly totals: NodeTotals;
  /** Newton step of the node as a leaf (before shrinkage). */
  readonly value: number;
  histogram?: Histogram;
  split?: SplitCandidate;
  children?: readonly [GrowingNode, GrowingNode];
}

/**
 * One tree for the training rows `rows` (all rows of `binned` when absent).
 * @param thresholds the bin thresholds `binned` was made with: they turn a bin split into a value split
 */
export function growTree(binned: BinnedFeatures, thresholds: BinThresholds, gradients: Float32Array, hessians: Float32Array, rules: GrowthRules, rows?: Uint32Array): GrownTree {
  const order = rows ? rows.slice() : identity(binned.rows);
  const scratch = new Uint32Array(order.length);
  const binCounts = thresholds.map((t) => t.length + 1);
  const nodes: GrowingNode[] = [];
  const canSplit = (node: GrowingNode): boolean =>
    node.totals.count >= 2 * rules.minSamplesLeaf && (rules.maxDepth === null || node.depth < rules.maxDepth) && node.totals.sumHessian >= rules.minHessianToSplit;
  const newNode = (depth: number, start: number, end: number, totals: NodeTotals): GrowingNode => {
    const node: GrowingNode = { id: nodes.length, depth, start, end, totals, value: leafValue(totals.sumGradient, totals.sumHessian, rules.l2Regularization) };
    nodes.push(node);
    return node;
  };

  let sumGradient = 0;
  let sumHessian = 0;
  for (const i of order) {
    sumGradient += gradients[i];
    sumHessian += hessians[i];
  }
  const root = newNode(0, 0, order.length, { count: order.length, sumGradient, sumHessian });
  const splittable: GrowingNode[] = [];
  if (canSplit(root)) {
    root.histogram = buildHistogram(binned, order, root.start, root.end, gradients, hessians);
    root.split = findBestSplit(root.histogram, binCounts, root.totals, rules);
    if (root.split) splittable.push(root);
    else root.histogram = undefined;
  }

  let leaves = 1;
  while (splittable.length > 0 && (rules.maxLeafNodes === null || leaves < rules.maxLeafNodes)) {
    const node = takeBest(splittable);
    const split = node.split!;
    const middle = partition(binned, order, scratch, node.start, node.end, split.feature, split.bin);
    const left = newNode(node.depth + 1, node.start, middle, split.left);
    const right = newNode(node.depth + 1, middle, node.end, split.right);
    node.children = [left, right];
    leaves++;

    // At the leaf limit the children stay leaves: their histograms would never be used.
    const growing = leaves === rules.maxLeafNodes ? [] : [left, right].filter(canSplit);
    if (growing.length > 0) {
      // Build the smaller child's histogram; the larger one's is the parent's minus it.
      const [small, large] = left.totals.count <= right.totals.count ? [left, right] : [right, left];
      small.histogram = buildHistogram(binned, order, small.start, small.end, gradients, hessians);
      large.histogram = subtractInto(node.histogram!, small.histogram);
    }
    node.histogram = undefined;
    for (const child of [left, right]) {
      if (growing.includes(child)) child.split = findBestSplit(child.histogram!, binCounts, child.totals, rules);
      if (child.split) splittable.push(child);
      else child.histogram = undefined;
    }
  }
  for (const node of splittable) node.histogram = undefined;
  return assemble(nodes, thresholds, order, rules.learningRate);
}

/** 0, 1, …, n − 1 (a plain loop: Uint32Array.from with a callback costs milliseconds per tree at 10⁵ rows). */
function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Removes and returns the splittable node with the largest gain (ties: the earliest node). */
function takeBest(splittable: GrowingNode[]): GrowingNode {
  let best = 0;
  for (let k = 1; k < splittable.length; k++) {
    const a = splittable[k];
    const b = splittable[best];
    if (a.split!.gain > b.split!.gain || (a.split!.gain === b.split!.gain && a.id < b.id)) best = k;
  }
  return splittable.splice(best, 1)[0];
}

/** Stable partition of order[start … end) into rows with bin ≤ `bin` on `feature`, then the rest; returns where the rest starts. */
function partition(binned: BinnedFeatures, order: Uint32Array, scratch: Uint32Array, start: number, end: number, feature: number, bin: number): number {
  const column = feature * binned.rows;
  let l = start;
  let r = 0;
  for (let k = start; k < end; k++) {
    const i = order[k];
    if (binned.bins[column + i] <= bin) order[l++] = i;
    else scratch[r++] = i;
  }
  order.set(scratch.subarray(0, r), l);
  return l;
}

/** The flat tree and its leaves. A root that never split is a leaf adding 0, as in scikit-learn. */
function assemble(nodes: readonly GrowingNode[], thresholds: BinThresholds, order: Uint32Array, learningRate: number): GrownTree {
  const n = nodes.length;
  const tree: RegressionTree = {
    feature: new Int32Array(n).fill(-1),
    threshold: new Float64Array(n),
    left: new Int32Array(n).fill(-1),
    right: new Int32Array(n).fill(-1),
    value: new Float64Array(n),
  };
  const leaves: GrownLeaf[] = [];
  for (const node of nodes) {
    if (node.children) {
      const { feature, bin } = node.split!;
      tree.feature[node.id] = feature;
      tree.threshold[node.id] = thresholds[feature][bin];
      tree.left[node.id] = node.children[0].id;
      tree.right[node.id] = node.children[1].id;
    } else {
      const value = n === 1 ? 0 : learningRate * node.value;
      tree.value[node.id] = value;
      leaves.push({ start: node.start, end: node.end, value });
    }
  }
  return { tree, rows: order, leaves };
}
