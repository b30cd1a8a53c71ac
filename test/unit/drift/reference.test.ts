import { describe, expect, it } from 'vitest';
import { REFERENCE_PROBABILITIES } from '../../../lambdas/core/drift/quantiles.ts';
import { buildReference, referenceOf } from '../../../lambdas/core/drift/reference.ts';
import { InvalidDataError, ShapeError } from '../../../lambdas/core/errors.ts';
import { fromRows } from '../../../lambdas/core/ml/dense.ts';
import { golden, type GoldenFeature } from './golden.ts';
import { fromColumns, normals, oneHot, variances } from './samples.ts';

function expectMatches(actual: ReturnType<typeof referenceOf>, expected: Omit<GoldenFeature, 'name'>): void {
  expect(actual.quantiles).toHaveLength(99);
  actual.quantiles.forEach((q, k) => expect(q, `quantile ${k}`).toBeCloseTo(expected.quantiles[k], 10));
  expect(actual.belowQuantile).toEqual(expected.belowQuantile);
  expect(actual.min).toBe(expected.min);
  expect(actual.max).toBe(expected.max);
  expect(actual.mean).toBeCloseTo(expected.mean, 10);
  expect(actual.sd).toBeCloseTo(expected.sd, 10);
}

describe('referenceOf', () => {
  it('keeps the quantiles at 0.01 … 0.99 as np.quantile (linear / type 7) computes them', () => {
    const { values, quantiles } = golden.quantile;
    const reference = referenceOf('x', values);
    expect(reference.probabilities).toEqual(Array.from({ length: 99 }, (_, k) => (k + 1) / 100));
    reference.quantiles.forEach((q, k) => expect(q, `quantile ${k}`).toBeCloseTo(quantiles[k], 13));
    expect(values).toEqual(golden.quantile.values); // the input is not sorted in place
  });

  it('counts ties into the exact CDF at each quantile point', () => {
    // 7 zeros and 3 ones: quantiles up to p = 0.66 are 0, where the training CDF is 0.7, not p.
    const reference = referenceOf('type_l', [0, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(reference.belowQuantile[0]).toBe(7);
    expect(reference.belowQuantile[98]).toBe(10);
    expect(reference.quantiles.every((q, k) => k === 0 || q >= reference.quantiles[k - 1])).toBe(true);
  });
});

describe('buildReference', () => {
  const { featureNames, reference, referenceLatentVariance, expected } = golden.pipeline;
  const built = buildReference(fromRows(reference), featureNames, referenceLatentVariance);

  it('summarises every feature and the latent variance as numpy does', () => {
    expect(built.version).toBe(1);
    expect(built.rows).toBe(reference.length);
    expect(built.features.map((f) => f.name)).toEqual(featureNames);
    built.features.forEach((f, j) => expectMatches(f, expected.features[j]));
    expectMatches(built.latentVariance!, expected.latentVariance);
  });

  it('survives a JSON round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(built))).toEqual(built);
  });

  it('stays a few KB for 8 features, whatever the row count', () => {
    const n = 20_000;
    const columns = [
      normals(1, n, 300, 2),
      normals(2, n, 310, 1.5),
      normals(3, n, 1540, 180).map(Math.round),
      normals(4, n, 40, 10),
      Float64Array.from(normals(5, n, 108, 63), Math.round),
      oneHot(6, n, 0.6),
      oneHot(7, n, 0.3),
      oneHot(8, n, 0.1),
    ];
    const names = ['air_temperature_k', 'process_temperature_k', 'rotational_speed_rpm', 'torque_nm', 'tool_wear_min', 'type_l', 'type_m', 'type_h'];
    const bytes = JSON.stringify(buildReference(fromColumns(columns), names, variances(9, n, 0.8))).length;
    expect(bytes).toBeLessThan(24_000);
  });

  it('handles a constant feature without NaN', () => {
    const x = fromColumns([[5, 5, 5, 5], [1, 2, 3, 4]]);
    const [constant] = buildReference(x, ['c', 'v'], [1, 1, 1, 1]).features;
    expect(constant.quantiles.every((q) => q === 5)).toBe(true);
    expect(constant.belowQuantile.every((c) => c === 4)).toBe(true);
    expect([constant.min, constant.max, constant.mean, constant.sd]).toEqual([5, 5, 5, 0]);
  });

  it('names what is wrong with its inputs', () => {
    const x = fromColumns([[1, 2, 3], [4, 5, 6]]);
    expect(() => buildReference(x, ['a'], [1, 1, 1])).toThrow(ShapeError);
    expect(() => buildReference(x, ['a', 'b'], [1, 1])).toThrow(/latentVariance has 2 values for 3 training rows/);
    expect(() => buildReference(fromColumns([[], []]), ['a', 'b'], [])).toThrow(InvalidDataError);
    expect(() => buildReference(x, ['a', 'a'], [1, 1, 1])).toThrow(/feature name a appears twice/);
    expect(() => buildReference(fromColumns([[1, Number.NaN, 3], [4, 5, 6]]), ['a', 'b'], [1, 1, 1])).toThrow(/row 1, a is NaN/);
    expect(() => buildReference(x, ['a', 'b'], [1, -1, 1])).toThrow(/latentVariance\[1\] is -1/);
    expect(() => buildReference(x, ['a', 'b'], [0, 0, 0])).toThrow(/positive reference mean/);
  });

  it('uses the shared probability grid', () => {
    expect(built.features[0].probabilities).toEqual(REFERENCE_PROBABILITIES);
  });
});
