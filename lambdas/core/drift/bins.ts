import { InvalidDataError, ShapeError } from '../errors.ts';
import { countBelow } from './quantiles.ts';
import type { FeatureReference } from './types.ts';

/**
 * The PSI bins of one reference feature: edges at its deciles, with repeated deciles merged (a
 * one-hot column has deciles like 0, 0, …, 0, 1, 1, so its bins become ≤ 0, (0, 1], > 1). Bin j
 * holds edges[j−1] < x ≤ edges[j]; the first bin has no lower and the last no upper edge, so
 * every value of a batch lands in exactly one bin.
 */
export interface PsiBins {
  /** Strictly increasing; bins = edges.length + 1. */
  readonly edges: readonly number[];
  /** Training rows ≤ each edge (exact, from the reference's `belowQuantile`). */
  readonly belowEdge: readonly number[];
}

const DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export function psiBins(feature: FeatureReference): PsiBins {
  if (!Array.isArray(feature.belowQuantile) || feature.belowQuantile.length !== feature.quantiles.length) {
    throw new ShapeError(
      `reference feature ${feature.name} lacks the training counts at its quantiles (belowQuantile); rebuild the reference with buildReference`,
    );
  }
  const edges: number[] = [];
  const belowEdge: number[] = [];
  for (const decile of DECILES) {
    // Found by value, not position, so a reference with another probability grid still works.
    const k = feature.probabilities.findIndex((p) => Math.abs(p - decile) < 1e-9);
    if (k < 0) {
      throw new InvalidDataError(`reference feature ${feature.name} has no quantile at probability ${decile}; PSI bins need the deciles`);
    }
    const edge = feature.quantiles[k];
    if (edges.length > 0 && edge <= edges[edges.length - 1]) continue;
    edges.push(edge);
    belowEdge.push(feature.belowQuantile[k]);
  }
  return { edges, belowEdge };
}

/** Index of the bin holding `x`: the number of edges strictly below it. */
export function binOf(edges: readonly number[], x: number): number {
  return countBelow(edges, x);
}
