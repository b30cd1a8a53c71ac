import type { BinnedFeatures } from './bin-mapper.ts';

/**
 * The statistics a split search needs for one tree node: per feature and bin, the sums of the
 * rows' gradients and hessians and the number of rows. Feature j's bins start at j × BIN_STRIDE.
 *
 * A node's histogram costs one pass over its rows per feature; its sibling's then comes for free
 * as parent − node (the subtraction trick), so each split builds only the smaller child's.
 */
export interface Histogram {
  readonly gradient: Float64Array;
  readonly hessian: Float64Array;
  readonly count: Uint32Array;
}

/** Bins reserved per feature: a byte's range, so any feature fits whatever its bin count. */
export const BIN_STRIDE = 256;

/**
 * The histogram of the rows `rows[start … end)`.
 * @param gradients per training row; `hessians` likewise
 */
export function buildHistogram(binned: BinnedFeatures, rows: Uint32Array, start: number, end: number, gradients: Float32Array, hessians: Float32Array): Histogram {
  const size = binned.cols * BIN_STRIDE;
  const gradient = new Float64Array(size);
  const hessian = new Float64Array(size);
  const count = new Uint32Array(size);
  // Gather the node's gradients once into contiguous arrays: every feature then reads them in order.
  const length = end - start;
  const g = new Float64Array(length);
  const h = new Float64Array(length);
  for (let k = 0; k < length; k++) {
    const i = rows[start + k];
    g[k] = gradients[i];
    h[k] = hessians[i];
  }
  const { bins, rows: n } = binned;
  for (let j = 0; j < binned.cols; j++) {
    const column = j * n;
    const base = j * BIN_STRIDE;
    for (let k = 0; k < length; k++) {
      const b = base + bins[column + rows[start + k]];
      gradient[b] += g[k];
      hessian[b] += h[k];
      count[b]++;
    }
  }
  return { gradient, hessian, count };
}

/** parent − child, written into the parent's arrays (the parent's histogram is not needed after its split). */
export function subtractInto(parent: Histogram, child: Histogram): Histogram {
  const { gradient, hessian, count } = parent;
  for (let b = 0; b < gradient.length; b++) {
    gradient[b] -= child.gradient[b];
    hessian[b] -= child.hessian[b];
    count[b] -= child.count[b];
  }
  return parent;
}
