import { InvalidDataError } from '../errors.ts';
import { denseMatrix, type DenseMatrix } from '../ml/dense.ts';
import { type CategoricalFeature, type DataContract, type DerivedFeature, isCategorical, isNumeric, type NumericFeature } from './contract.ts';
import { derivedEvaluator, derivedValueProblem, isValidDerivedValue } from './derived.ts';
import type { CompiledExpression } from './expression-eval.ts';
import { oneHotColumnName } from './names.ts';
import { describeValue } from './messages.ts';
import { inRange, outOfRange } from './range.ts';

/**
 * The model's view of a reading: numeric features as they are, in contract order, then one 0/1
 * column per level of each categorical feature (all levels, in contract order), then the derived
 * features in contract order. Numeric columns come first so that adding a categorical feature
 * never moves them, and derived ones last so that adding one moves nothing.
 */

/** Column names of the encoded matrix, e.g. `torque_nm`, …, `product_type_l`, …, `product_type_h`, `power_w`. */
export function modelFeatureNames(contract: DataContract): string[] {
  return [
    ...contract.features.filter(isNumeric).map((f) => f.name),
    ...contract.features.filter(isCategorical).flatMap((f) => f.levels.map((level) => oneHotColumnName(f.name, level) as string)),
    ...contract.derived.map((d) => d.name),
  ];
}

/**
 * Encodes rows keyed by contract feature names (as returned by the training-set SQL, or API
 * instances) into the model's matrix. Other keys (id, label, timestamp) are ignored. A derived
 * feature's value is taken from the row when it has one (the training-set SQL computes them),
 * else computed from the row's numeric features; the two are equal (test/unit/contract).
 * @throws InvalidDataError naming the row and the feature of any missing, non-numeric,
 *   non-finite, non-integer or out-of-range value, or an unknown level
 */
export function encodeRows(contract: DataContract, rows: readonly Record<string, unknown>[]): DenseMatrix {
  const numeric = contract.features.filter(isNumeric);
  const categorical = contract.features.filter(isCategorical);
  const cols = modelFeatureNames(contract).length;
  const X = denseMatrix(rows.length, cols);
  // Looked up once per call; `values` is reused row after row (the evaluators only read it).
  const derived = contract.derived.map((feature) => [feature, derivedEvaluator(feature)] as const);
  const values: Record<string, number> = {};
  rows.forEach((row, i) => {
    const offset = i * cols;
    numeric.forEach((feature, j) => {
      X.data[offset + j] = numericValue(feature, row[feature.name], i);
    });
    let column = numeric.length;
    for (const feature of categorical) {
      const level = levelIndex(feature, row[feature.name], i);
      X.data[offset + column + level] = 1;
      column += feature.levels.length;
    }
    if (derived.length === 0) return;
    numeric.forEach((feature, j) => {
      values[feature.name] = X.data[offset + j];
    });
    for (const [feature, evaluate] of derived) {
      X.data[offset + column] = derivedColumnValue(feature, evaluate, row[feature.name], values, i);
      column += 1;
    }
  });
  return X;
}

function derivedColumnValue(feature: DerivedFeature, evaluate: CompiledExpression, given: unknown, values: Record<string, number>, i: number): number {
  if (given === null) throw new InvalidDataError(`row ${i}: ${feature.name} is missing`);
  if (given !== undefined && typeof given !== 'number') {
    throw new InvalidDataError(`row ${i}: ${feature.name} is ${describeValue(given)}; expected a number`);
  }
  const value = given ?? evaluate(values);
  if (!isValidDerivedValue(feature, value)) throw new InvalidDataError(`row ${i}: ${derivedValueProblem(feature, value, values)}`);
  return value;
}

/**
 * The 0/1 labels of training rows.
 * @throws InvalidDataError naming the row whose label is missing (unlabelled) or not 0/1
 */
export function labelsOf(contract: DataContract, rows: readonly Record<string, unknown>[]): Uint8Array {
  const name = contract.label.name;
  const y = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    const value = row[name];
    const label = typeof value === 'bigint' ? Number(value) : value;
    if (label !== 0 && label !== 1) {
      throw new InvalidDataError(
        value === null || value === undefined
          ? `row ${i}: ${name} is missing; training rows must be labelled`
          : `row ${i}: ${name} is ${describeValue(value)}; a label must be 0 or 1`,
      );
    }
    y[i] = label;
  });
  return y;
}

function numericValue(feature: NumericFeature, raw: unknown, i: number): number {
  // DuckDB hands BIGINT columns over as bigint.
  const value = typeof raw === 'bigint' && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
  if (value === null || value === undefined) throw new InvalidDataError(`row ${i}: ${feature.name} is missing`);
  if (typeof value !== 'number') {
    throw new InvalidDataError(`row ${i}: ${feature.name} is ${describeValue(value)}; expected a number`);
  }
  if (!Number.isFinite(value)) {
    throw new InvalidDataError(`row ${i}: ${feature.name} is ${value}; every value must be a finite number`);
  }
  if (feature.type === 'integer' && !Number.isInteger(value)) {
    throw new InvalidDataError(`row ${i}: ${feature.name} is ${value}; it must be a whole number`);
  }
  if (!inRange(feature, value)) throw new InvalidDataError(`row ${i}: ${outOfRange(feature, value)}`);
  return value;
}

function levelIndex(feature: CategoricalFeature, value: unknown, i: number): number {
  if (value === null || value === undefined) throw new InvalidDataError(`row ${i}: ${feature.name} is missing`);
  const index = typeof value === 'string' ? feature.levels.indexOf(value) : -1;
  if (index < 0) {
    throw new InvalidDataError(
      `row ${i}: ${feature.name} is ${describeValue(value)}; expected one of the levels ${feature.levels.join(', ')}`,
    );
  }
  return index;
}
