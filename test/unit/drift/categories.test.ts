import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { categoryColumnsOf } from '../../../lambdas/core/drift/categories.ts';
import { driftFromSummary } from '../../../lambdas/core/drift/drift.ts';
import { buildReference } from '../../../lambdas/core/drift/reference.ts';
import { summarizeBatch } from '../../../lambdas/core/drift/summary.ts';
import { InvalidDataError, ShapeError } from '../../../lambdas/core/errors.ts';
import { fromColumns, normals } from './samples.ts';

/** A product type column per row as three one-hot columns, `counts` rows of L, M and H in turn. */
function productType(counts: readonly [number, number, number]): Float64Array[] {
  const levels = counts.flatMap((c, k) => new Array<number>(c).fill(k));
  return [0, 1, 2].map((k) => Float64Array.from(levels, (level) => (level === k ? 1 : 0)));
}

const names = ['torque_nm', 'product_type_l', 'product_type_m', 'product_type_h'];
const category = { name: 'product_type', levels: ['L', 'M', 'H'], columns: ['product_type_l', 'product_type_m', 'product_type_h'] };
const reference = buildReference(fromColumns([normals(1, 1_000, 40, 10), ...productType([500, 300, 200])]), names, new Float64Array(1_000).fill(1));

function driftOf(counts: readonly [number, number, number]) {
  const rows = counts[0] + counts[1] + counts[2];
  const summary = summarizeBatch(reference, fromColumns([normals(2, rows, 40, 10), ...productType(counts)]), new Float64Array(rows).fill(1));
  return driftFromSummary(reference, summary, {}, [category]);
}

describe('categoryColumnsOf', () => {
  it('names the one-hot columns of the contract’s categorical features', () => {
    expect(categoryColumnsOf(DEFAULT_CONTRACT)).toEqual([category]);
  });
});

describe('driftFromSummary on a categorical input', () => {
  it('compares level shares, not the one-hot columns as numbers', () => {
    const report = driftOf([150, 90, 60]);
    expect(report.features.map((f) => f.name)).toEqual(['torque_nm']);
    expect(report.categories).toHaveLength(1);
    expect(report.categories[0].levels).toEqual([
      { level: 'L', reference: 0.5, batch: 0.5 },
      { level: 'M', reference: 0.3, batch: 0.3 },
      { level: 'H', reference: 0.2, batch: 0.2 },
    ]);
    expect(report.categories[0]).toMatchObject({ psi: 0, pValue: 1, drifted: false });
    // 1 numeric input × 2 tests + 1 categorical input.
    expect(report.tests).toBe(3);
  });

  it('flags a changed product mix by PSI over the levels and the χ² test', () => {
    // 30/30/40 against 50/30/20: PSI = 0.2·ln(5/3) + 0.2·ln 2 = 0.2408 (by hand); χ² from scipy's
    // chi2_contingency([[500, 300, 200], [90, 90, 120]], correction=False): 57.8390, p = 2.757e-13.
    const report = driftOf([90, 90, 120]);
    const [product] = report.categories;
    expect(product.psi).toBeCloseTo(0.2 * Math.log(5 / 3) + 0.2 * Math.log(2), 12);
    expect(product.pValue / 2.756921568483132e-13).toBeCloseTo(1, 8);
    expect(product.drifted).toBe(true);
    expect(report.drifted).toBe(true);
  });

  it('gives an empty level a small floor instead of an infinite PSI', () => {
    const [product] = driftOf([200, 100, 0]).categories;
    expect(Number.isFinite(product.psi)).toBe(true);
    expect(product.levels[2]).toEqual({ level: 'H', reference: 0.2, batch: 0 });
    expect(product.drifted).toBe(true);
  });

  it('refuses columns that are not one-hot, or missing from the reference', () => {
    const wrong = { ...category, columns: ['product_type_l', 'product_type_m', 'torque_nm'] };
    const summary = summarizeBatch(reference, fromColumns([normals(3, 200, 40, 10), ...productType([100, 60, 40])]), new Float64Array(200).fill(1));
    expect(() => driftFromSummary(reference, summary, {}, [wrong])).toThrow(InvalidDataError);
    expect(() => driftFromSummary(reference, summary, {}, [{ ...category, columns: ['x', 'y', 'z'] }])).toThrow(ShapeError);
  });
});
