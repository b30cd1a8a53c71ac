import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { denseMatrix } from '../../../lambdas/core/ml/dense.ts';
import { assertFeatureColumns, scaledInput } from '../../../lambdas/core/ml/model-input.ts';
import { StandardScaler } from '../../../lambdas/core/ml/scaler.ts';
import { decide, thresholdRecord } from '../../../lambdas/core/ml/threshold-record.ts';

describe('thresholdRecord: the one rule for every kind of model', () => {
  it('keeps the highest threshold that reaches the target recall, with its recall, precision and ROC AUC', () => {
    // Failures scored 0.35 and 0.8, healthy rows 0.1 and 0.4: recall 1 needs 0.35, which also flags 0.4.
    const record = thresholdRecord([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 1, 'out-of-fold');
    expect(record).toEqual({ value: 0.35, targetRecall: 1, recall: 1, precision: 2 / 3, source: 'out-of-fold', rocAuc: 0.75 });
    expect(thresholdRecord([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5, 'leave-one-out')).toMatchObject({ value: 0.8, recall: 0.5, precision: 1, source: 'leave-one-out' });
  });

  it('flags a row whose probability reaches the threshold, not one just under it', () => {
    const record = thresholdRecord([0, 1], [0.2, 0.35], 1, 'out-of-fold');
    expect(Array.from(decide([0.35, 0.3499999, 0.9, 0], record))).toEqual([1, 0, 1, 0]);
  });
});

describe('scaledInput and assertFeatureColumns: raw rows as a deployed model takes them', () => {
  const scaler = new StandardScaler().fit(denseMatrix(2, 2, Float64Array.of(0, 10, 2, 30)));

  it('scales rows with the columns in order, and refuses a wrong column count or a value that is not finite', () => {
    expect(Array.from(scaledInput(denseMatrix(1, 2, Float64Array.of(1, 20)), ['torque', 'speed'], scaler).data)).toEqual([0, 0]);
    expect(() => scaledInput(denseMatrix(1, 1, Float64Array.of(1)), ['torque', 'speed'], scaler)).toThrow(new InvalidDataError('expected 2 feature columns (torque, speed), got 1'));
    expect(() => scaledInput(denseMatrix(1, 2, Float64Array.of(1, Number.NaN)), ['torque', 'speed'], scaler)).toThrow(InvalidDataError);
  });

  it('refuses feature names that disagree with the scaler', () => {
    expect(() => assertFeatureColumns(['torque'], scaler)).toThrow(new InvalidDataError('model: 1 feature names for a scaler of 2 columns'));
    expect(() => assertFeatureColumns(['torque', 'speed'], scaler)).not.toThrow();
  });
});
