import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { encodeRows, labelsOf, modelFeatureNames } from '../../../lambdas/core/contract/encode.ts';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { toRows } from '../../../lambdas/core/ml/dense.ts';
import { PUMP_CONTRACT } from './fixtures.ts';

const ROW = {
  udi: 1,
  air_temperature_k: 298.1,
  process_temperature_k: 308.6,
  rotational_speed_rpm: 1551,
  torque_nm: 42.8,
  tool_wear_min: 0,
  product_type: 'M',
  machine_failure: 0,
};

describe('modelFeatureNames', () => {
  it('lists numeric features in contract order, then one column per level, then the derived features', () => {
    expect(modelFeatureNames(DEFAULT_CONTRACT)).toEqual([
      'air_temperature_k',
      'process_temperature_k',
      'rotational_speed_rpm',
      'torque_nm',
      'tool_wear_min',
      'product_type_l',
      'product_type_m',
      'product_type_h',
      'power_w',
      'temperature_difference_k',
      'strain_min_nm',
    ]);
  });

  it('puts numeric features first even when a categorical comes first, and slugs levels', () => {
    expect(modelFeatureNames(PUMP_CONTRACT)).toEqual([
      'vibration_mm_s',
      'starts',
      'site_north',
      'site_south',
      'pump_model_a_1',
      'pump_model_b_2',
    ]);
  });
});

describe('encodeRows', () => {
  it('copies numeric features, one-hot encodes every level and computes the derived features', () => {
    const X = encodeRows(DEFAULT_CONTRACT, [
      ROW,
      { ...ROW, product_type: 'L', torque_nm: 3.8 },
      { ...ROW, product_type: 'H', tool_wear_min: 253 },
    ]);
    expect(X.rows).toBe(3);
    expect(X.cols).toBe(11);
    expect(toRows(X).map((row) => row.slice(0, 8))).toEqual([
      [298.1, 308.6, 1551, 42.8, 0, 0, 1, 0],
      [298.1, 308.6, 1551, 3.8, 0, 1, 0, 0],
      [298.1, 308.6, 1551, 42.8, 253, 0, 0, 1],
    ]);
    // power 42.8 Nm × 1551 rpm × 2π/60 = 6951.59 W; 308.6 − 298.1 = 10.5 K; strain 253 min × 42.8 Nm = 10828.4 min·Nm.
    const derived = toRows(X).map((row) => row.slice(8));
    expect(derived[0][0]).toBeCloseTo(6951.5906, 4);
    expect(derived[1][0]).toBeCloseTo(617.1973, 4);
    expect(derived.map((row) => row[1])).toEqual([308.6 - 298.1, 308.6 - 298.1, 308.6 - 298.1]);
    expect(derived[1][1]).toBeCloseTo(10.5, 12);
    expect(derived.map((row) => row[2])).toEqual([0, 0, 253 * 42.8]);
  });

  it('takes a derived value given in the row (the training-set SQL computes them) and checks it', () => {
    const given = { ...ROW, power_w: 1, temperature_difference_k: 2, strain_min_nm: 3 };
    expect(toRows(encodeRows(DEFAULT_CONTRACT, [given]))[0].slice(8)).toEqual([1, 2, 3]);
    expect(() => encodeRows(DEFAULT_CONTRACT, [{ ...given, power_w: null }])).toThrow(new InvalidDataError('row 0: power_w is missing'));
    expect(() => encodeRows(DEFAULT_CONTRACT, [{ ...given, power_w: Infinity }])).toThrow(/^row 0: power_w = torque_nm \* rotational_speed_rpm \* 2 \* pi\(\) \/ 60 is not a finite number/);
  });

  it('encodes two categorical features side by side and ignores other keys', () => {
    const X = encodeRows(PUMP_CONTRACT, [
      { machine_id: 'P-1', site: 'South', vibration_mm_s: 1.5, starts: 3, pump_model: 'A-1', note: 'x' },
      { site: 'North', vibration_mm_s: 0, starts: 0n, pump_model: 'B 2' },
    ]);
    expect(toRows(X)).toEqual([
      [1.5, 3, 0, 1, 1, 0],
      [0, 0, 1, 0, 0, 1],
    ]);
  });

  it('encodes no rows as a 0 × p matrix', () => {
    const X = encodeRows(DEFAULT_CONTRACT, []);
    expect([X.rows, X.cols]).toEqual([0, 11]);
  });

  it.each([
    [{ ...ROW, torque_nm: undefined }, 'row 1: torque_nm is missing'],
    [{ ...ROW, torque_nm: null }, 'row 1: torque_nm is missing'],
    [{ ...ROW, torque_nm: '42.8' }, "row 1: torque_nm is '42.8'; expected a number"],
    [{ ...ROW, torque_nm: Number.NaN }, 'row 1: torque_nm is NaN; every value must be a finite number'],
    [{ ...ROW, torque_nm: Infinity }, 'row 1: torque_nm is Infinity; every value must be a finite number'],
    [{ ...ROW, torque_nm: 412 }, 'row 1: torque_nm = 412 is outside its valid range 0…200 Nm'],
    [{ ...ROW, tool_wear_min: 2.5 }, 'row 1: tool_wear_min is 2.5; it must be a whole number'],
    [{ ...ROW, product_type: 'X' }, "row 1: product_type is 'X'; expected one of the levels L, M, H"],
    [{ ...ROW, product_type: 1 }, 'row 1: product_type is 1; expected one of the levels L, M, H'],
    [{ ...ROW, product_type: null }, 'row 1: product_type is missing'],
  ])('rejects %o naming row and feature', (bad, message) => {
    expect(() => encodeRows(DEFAULT_CONTRACT, [ROW, bad])).toThrow(new InvalidDataError(message));
  });
});

describe('labelsOf', () => {
  it('reads 0/1 labels from numbers and bigints', () => {
    const y = labelsOf(DEFAULT_CONTRACT, [ROW, { machine_failure: 1 }, { machine_failure: 1n }, { machine_failure: 0n }]);
    expect(y).toEqual(Uint8Array.from([0, 1, 1, 0]));
  });

  it('rejects unlabelled rows and other values, naming the row', () => {
    expect(() => labelsOf(DEFAULT_CONTRACT, [ROW, { machine_failure: null }])).toThrow(
      new InvalidDataError('row 1: machine_failure is missing; training rows must be labelled'),
    );
    expect(() => labelsOf(DEFAULT_CONTRACT, [{ machine_failure: 2 }])).toThrow(
      new InvalidDataError('row 0: machine_failure is 2; a label must be 0 or 1'),
    );
    expect(() => labelsOf(DEFAULT_CONTRACT, [{ machine_failure: '1' }])).toThrow(/row 0: machine_failure is '1'/);
  });
});
