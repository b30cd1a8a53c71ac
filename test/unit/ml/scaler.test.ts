import { beforeAll, describe, expect, it } from 'vitest';
import { readNumericCsv, type NumericDataset } from '../../../lambdas/core/data/csv.ts';
import { ArtifactError, InvalidDataError, NotFittedError } from '../../../lambdas/core/errors.ts';
import { fromRows, row, takeRows, toRows } from '../../../lambdas/core/ml/dense.ts';
import { StandardScaler } from '../../../lambdas/core/ml/scaler.ts';
import { goldenPath, loadGpcReference, type GpcReferenceCase } from '../../support/golden.ts';

function expectRelativeClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let j = 0; j < expected.length; j++) {
    const error = Math.abs(actual[j] - expected[j]) / Math.max(Math.abs(expected[j]), Number.MIN_VALUE);
    expect(error, `index ${j}: ${actual[j]} vs ${expected[j]}`).toBeLessThanOrEqual(tolerance);
  }
}

describe('StandardScaler', () => {
  const X = fromRows([
    [1, 10, -4],
    [3, 10, 0],
    [5, 10, 4],
  ]);

  it('learns column means and population standard deviations (ddof = 0)', () => {
    const scaler = new StandardScaler().fit(X);
    expect(Array.from(scaler.mean)).toEqual([3, 10, 0]);
    // Sample sd (ddof = 1) would be 2 and 4.
    expect(scaler.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 15);
    expect(scaler.scale[2]).toBeCloseTo(Math.sqrt(32 / 3), 14);
    expect(scaler.nFeatures).toBe(3);
  });

  it('gives a constant column scale 1, so it maps to 0 instead of NaN', () => {
    const scaler = new StandardScaler().fit(X);
    expect(scaler.scale[1]).toBe(1);
    expect(toRows(scaler.transform(X)).map((r) => r[1])).toEqual([0, 0, 0]);
  });

  it('treats a spread at rounding level of the mean as constant', () => {
    const big = 1e6;
    const next = big + 2 ** -33; // one ulp above 1e6
    const scaler = new StandardScaler().fit(fromRows([[big], [next], [big], [next]]));
    expect(scaler.scale[0]).toBe(1);
  });

  it('stays accurate for a large offset where the one-pass formula E[x²] − E[x]² breaks down', () => {
    const offset = 1e9;
    const scaler = new StandardScaler().fit(fromRows([[offset + 1], [offset + 2], [offset + 3], [offset + 4]]));
    expect(scaler.mean[0]).toBe(offset + 2.5);
    expectRelativeClose(scaler.scale, [Math.sqrt(1.25)], 1e-12);
  });

  it('transform returns a new standardised matrix and leaves the input alone', () => {
    const before = Float64Array.from(X.data);
    const scaler = new StandardScaler().fit(X);
    const Z = scaler.transform(X);
    expect(Z).not.toBe(X);
    expect(Array.from(X.data)).toEqual(Array.from(before));
    const s = Math.sqrt(8 / 3);
    expect(toRows(Z).map((r) => r[0])).toEqual([-2 / s, 0, 2 / s]);
  });

  it('fitTransform gives columns with mean 0 and population sd 1', () => {
    const data = fromRows(Array.from({ length: 50 }, (_, i) => [Math.sin(i) * 7 + 3, i * i - 20]));
    const Z = new StandardScaler().fitTransform(data);
    for (let j = 0; j < 2; j++) {
      const column = toRows(Z).map((r) => r[j]);
      const mean = column.reduce((s, v) => s + v, 0) / column.length;
      const variance = column.reduce((s, v) => s + (v - mean) ** 2, 0) / column.length;
      expect(mean).toBeCloseTo(0, 12);
      expect(variance).toBeCloseTo(1, 12);
    }
  });

  it('transformRow matches transform on the same row', () => {
    const scaler = new StandardScaler().fit(X);
    const Z = scaler.transform(X);
    for (let i = 0; i < X.rows; i++) {
      expect(Array.from(scaler.transformRow(Array.from(row(X, i))))).toEqual(Array.from(row(Z, i)));
    }
  });

  it('refuses to be used before fit', () => {
    const scaler = new StandardScaler();
    expect(scaler.isFitted).toBe(false);
    expect(() => scaler.transform(X)).toThrow(NotFittedError);
    expect(() => scaler.transformRow([1, 2, 3])).toThrow(NotFittedError);
    expect(() => scaler.toJSON()).toThrow(/before fit/);
    expect(() => scaler.mean).toThrow(NotFittedError);
  });

  it('names expected and actual column counts on a mismatch', () => {
    const scaler = new StandardScaler().fit(X);
    expect(() => scaler.transform(fromRows([[1, 2]]))).toThrow(InvalidDataError);
    expect(() => scaler.transform(fromRows([[1, 2]]))).toThrow(/expects 3 feature columns, got 2/);
    expect(() => scaler.transformRow([1, 2, 3, 4])).toThrow(/expects 3 feature columns, got 4/);
  });

  it('rejects NaN and ±Infinity naming where they are', () => {
    expect(() => new StandardScaler().fit(fromRows([[1, 2], [3, Number.NaN]]))).toThrow(/row 1, column 1 is NaN/);
    const scaler = new StandardScaler().fit(X);
    expect(() => scaler.transform(fromRows([[1, Infinity, 0]]))).toThrow(InvalidDataError);
    expect(() => scaler.transformRow([1, 2, -Infinity])).toThrow(/column 2 is -Infinity/);
  });

  it('rejects an empty matrix on fit', () => {
    expect(() => new StandardScaler().fit(fromRows([], 3))).toThrow(/empty matrix \(0×3\)/);
    expect(() => new StandardScaler().fit(fromRows([[], []]))).toThrow(InvalidDataError);
  });

  describe('toJSON / load', () => {
    it('round-trips exactly through JSON text', () => {
      const data = fromRows([[0.1, 1 / 3], [0.7, Math.PI], [2.2, -1e-7]]);
      const scaler = new StandardScaler().fit(data);
      const json = scaler.toJSON();
      expect(json.kind).toBe('StandardScaler');
      expect(json.version).toBe(1);
      const loaded = StandardScaler.load(JSON.parse(JSON.stringify(json)));
      expect(Array.from(loaded.transform(data).data)).toEqual(Array.from(scaler.transform(data).data));
      expect(Array.from(StandardScaler.load(JSON.stringify(json)).scale)).toEqual(json.scale);
    });

    it('refuses an unknown version with a clear message', () => {
      const json = { kind: 'StandardScaler', version: 2, mean: [0], scale: [1] };
      expect(() => StandardScaler.load(json)).toThrow(ArtifactError);
      expect(() => StandardScaler.load(json)).toThrow(/unsupported StandardScaler artifact version 2/);
    });

    it('refuses other kinds and bad payloads', () => {
      expect(() => StandardScaler.load({ kind: 'MinMaxScaler', version: 1, mean: [0], scale: [1] })).toThrow(
        /not a StandardScaler artifact/,
      );
      expect(() => StandardScaler.load({ kind: 'StandardScaler', version: 1, mean: [0], scale: [-1] })).toThrow(
        ArtifactError,
      );
      expect(() => StandardScaler.load({ kind: 'StandardScaler', version: 1, mean: [0, 1], scale: [1] })).toThrow(
        /same length/,
      );
      expect(() => StandardScaler.load({ kind: 'StandardScaler', version: 1, mean: [], scale: [] })).toThrow(
        ArtifactError,
      );
      expect(() => StandardScaler.load('{not json')).toThrow(/not valid JSON/);
      expect(() => StandardScaler.load(null)).toThrow(ArtifactError);
    });
  });
});

describe('StandardScaler against scikit-learn (test/fixtures/sklearn/gpc_reference.json)', () => {
  const caseNames = ['moons_200_iso', 'ai4i_like_1000_iso', 'ai4i_like_1000_iso_fixed_theta'];

  describe.each(caseNames)('%s', (name) => {
    let reference: GpcReferenceCase;
    let data: NumericDataset;
    let scaler: StandardScaler;

    beforeAll(() => {
      reference = loadGpcReference().cases[name];
      data = readNumericCsv(goldenPath(reference.csv), { label: 'label' });
      scaler = new StandardScaler().fit(takeRows(data.X, reference.split.train_idx));
    });

    it('reads the same feature columns and rows', () => {
      expect(data.featureNames).toEqual(reference.feature_names);
      expect(data.X.rows).toBe(reference.n_rows);
      reference.first_test_rows.test_idx.forEach((i, k) => {
        expect(Array.from(row(data.X, i))).toEqual(reference.first_test_rows.X_raw[k]);
      });
    });

    it('learns mean and scale to 1e-12 relative', () => {
      expectRelativeClose(scaler.mean, reference.scaler.mean, 1e-12);
      expectRelativeClose(scaler.scale, reference.scaler.scale, 1e-12);
    });

    it('scales the first test rows to 1e-12', () => {
      const { X_raw, X_scaled } = reference.first_test_rows;
      const batch = scaler.transform(fromRows(X_raw));
      X_raw.forEach((raw, k) => {
        const single = scaler.transformRow(raw);
        X_scaled[k].forEach((expected, j) => {
          expect(Math.abs(single[j] - expected)).toBeLessThanOrEqual(1e-12);
          expect(batch.data[k * batch.cols + j]).toBe(single[j]);
        });
      });
    });
  });
});
