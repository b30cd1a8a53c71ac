import { describe, expect, it } from 'vitest';
import { EXACT_FIT_MEASUREMENTS, EXACT_SECONDS_PER_CUBIC_ROW, predictExactFitSeconds } from '../../../../lambdas/core/steps/train/exact-cost.ts';
import { chooseModel, EXACT_BUDGET_SHARE } from '../../../../lambdas/core/steps/train/model-choice.ts';
import { capTrainingRows } from '../../../../lambdas/core/steps/train/row-cap.ts';

describe('the exact GP’s cost model', () => {
  it('is c·n³ with c the largest measured seconds per n³ at 1,000 rows and more (the real AI4I fit: 91.13 s at 2,800 rows)', () => {
    expect(EXACT_SECONDS_PER_CUBIC_ROW).toBe(91.13 / 2800 ** 3);
    expect(predictExactFitSeconds(2800)).toBeCloseTo(91.13, 10);
    expect(predictExactFitSeconds(5000)).toBeCloseTo(518.92, 2);
    expect(predictExactFitSeconds(0)).toBe(0);
  });

  it('predicts at least every measured fit in the cubic regime', () => {
    for (const m of EXACT_FIT_MEASUREMENTS.filter((m) => m.rows >= 1000)) expect(predictExactFitSeconds(m.rows), m.dataset).toBeGreaterThanOrEqual(m.seconds);
  });

  it('refuses a row count that is not a non-negative integer', () => {
    expect(() => predictExactFitSeconds(-1)).toThrow(RangeError);
    expect(() => predictExactFitSeconds(1.5)).toThrow('rows must be a non-negative integer, got 1.5');
  });
});

describe('chooseModel', () => {
  const base = { maxTrainRows: 2800, budgetSeconds: 800 };

  it('auto: the exact GP on every row while its predicted fit takes at most half the budget', () => {
    expect(EXACT_BUDGET_SHARE).toBe(0.5);
    expect(chooseModel({ ...base, requested: 'auto', rowsAvailable: 1421 })).toEqual({
      kind: 'gpc-exact',
      rows: 1421,
      rowsAvailable: 1421,
      reason: 'auto: exact GP on all 1,421 training rows; its predicted fit of 12 s is within half of the 800 s Train budget',
    });
  });

  it('auto: the sparse GP on every row when the exact fit would take more than half the budget', () => {
    // 2,000 rows: 33 s predicted; a 60 s budget allows 30 s.
    expect(chooseModel({ requested: 'auto', rowsAvailable: 2000, maxTrainRows: 2800, budgetSeconds: 60 })).toEqual({
      kind: 'gpc-sparse',
      rows: 2000,
      rowsAvailable: 2000,
      reason: "auto: sparse GP on all 2,000 training rows; the exact GP's predicted fit of 33 s exceeds half of the 60 s Train budget",
    });
    expect(chooseModel({ requested: 'auto', rowsAvailable: 2000, maxTrainRows: 2800, budgetSeconds: 67 }).kind).toBe('gpc-exact');
  });

  it('auto: the sparse GP on every row when the training split is over maxTrainRows, whatever the budget', () => {
    expect(chooseModel({ requested: 'auto', rowsAvailable: 7078, maxTrainRows: 2800, budgetSeconds: 1e6 })).toEqual({
      kind: 'gpc-sparse',
      rows: 7078,
      rowsAvailable: 7078,
      reason: "auto: sparse GP on all 7,078 training rows, more than the exact GP's limit of 2,800 (config.maxTrainRows)",
    });
  });

  it('exact: every row up to maxTrainRows, a stratified sample of that many beyond, and says so', () => {
    expect(chooseModel({ ...base, requested: 'exact', rowsAvailable: 900 })).toMatchObject({ kind: 'gpc-exact', rows: 900, rowsAvailable: 900 });
    expect(chooseModel({ ...base, requested: 'exact', rowsAvailable: 7078 })).toEqual({
      kind: 'gpc-exact',
      rows: 2800,
      rowsAvailable: 7078,
      reason: 'exact GP on a stratified sample of 2,800 of 7,078 training rows: config.maxTrainRows caps the exact GP, whose cost grows as n³ (config.model = exact)',
    });
  });

  it('exact: trains even when one round cannot hold the predicted fit, and warns in the reason', () => {
    expect(chooseModel({ requested: 'exact', rowsAvailable: 5000, maxTrainRows: 6000, budgetSeconds: 300 }).reason).toBe(
      'exact GP on all 5,000 training rows (config.model = exact); its predicted fit of 519 s exceeds the 300 s Train budget and cannot be checkpointed',
    );
    expect(chooseModel({ requested: 'exact', rowsAvailable: 5000, maxTrainRows: 6000, budgetSeconds: 600 }).reason).toBe('exact GP on all 5,000 training rows (config.model = exact)');
  });

  it('sparse: every row, however few', () => {
    expect(chooseModel({ ...base, requested: 'sparse', rowsAvailable: 50 })).toEqual({
      kind: 'gpc-sparse',
      rows: 50,
      rowsAvailable: 50,
      reason: 'sparse GP on all 50 training rows (config.model = sparse)',
    });
  });

  it('sparse: a stratified sample beyond the rows one pass can cover inside the round’s margin (step-limits.ts)', () => {
    expect(chooseModel({ ...base, requested: 'sparse', rowsAvailable: 750_000 })).toMatchObject({ rows: 750_000, rowsAvailable: 750_000 });
    expect(chooseModel({ ...base, requested: 'sparse', rowsAvailable: 200_000, inducingPoints: 256 })).toEqual({
      kind: 'gpc-sparse',
      rows: 180_000,
      rowsAvailable: 200_000,
      reason:
        "sparse GP on a stratified sample of 180,000 of 200,000 training rows (config.model = sparse): with 256 inducing points one pass over more rows could outlast the Train round's margin",
    });
    expect(chooseModel({ ...base, requested: 'auto', rowsAvailable: 800_000 })).toEqual({
      kind: 'gpc-sparse',
      rows: 750_000,
      rowsAvailable: 800_000,
      reason:
        "auto: sparse GP on a stratified sample of 750,000 of 800,000 training rows, more than the exact GP's limit of 2,800 (config.maxTrainRows): with 128 inducing points one pass over more rows could outlast the Train round's margin",
    });
  });

  it('sparse with the additive kernel: half the rows, as each pass costs up to twice as much', () => {
    expect(chooseModel({ ...base, requested: 'sparse', rowsAvailable: 375_000, additiveKernel: true })).toMatchObject({ rows: 375_000, rowsAvailable: 375_000 });
    expect(chooseModel({ ...base, requested: 'auto', rowsAvailable: 750_000, additiveKernel: true })).toMatchObject({ kind: 'gpc-sparse', rows: 375_000, rowsAvailable: 750_000 });
    expect(chooseModel({ ...base, requested: 'auto', rowsAvailable: 750_000, additiveKernel: false })).toMatchObject({ rows: 750_000 });
  });

  it('sparse by the Laplace approximation: its own row limit, as every L-BFGS iteration takes every row', () => {
    expect(chooseModel({ ...base, requested: 'sparse', rowsAvailable: 46_000, sparseInference: 'laplace' })).toMatchObject({
      kind: 'gpc-sparse',
      rows: 46_000,
      reason: 'sparse GP (Laplace) on all 46,000 training rows (config.model = sparse)',
    });
    expect(chooseModel({ ...base, requested: 'auto', rowsAvailable: 100_000, sparseInference: 'laplace' })).toMatchObject({
      kind: 'gpc-sparse',
      rows: 46_000,
      rowsAvailable: 100_000,
      reason:
        "auto: sparse GP (Laplace) on a stratified sample of 46,000 of 100,000 training rows, more than the exact GP's limit of 2,800 (config.maxTrainRows): with 128 inducing points one L-BFGS iteration over more rows could outlast the Train round's margin",
    });
    expect(chooseModel({ ...base, requested: 'sparse', rowsAvailable: 100_000, sparseInference: 'variational' })).toMatchObject({ rows: 100_000 });
  });
});

describe('capTrainingRows', () => {
  const y = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
  const index = Array.from({ length: 900 }, (_, k) => k + 100);

  it('keeps every row within the cap', () => {
    expect(capTrainingRows(y, index, 900, 0)).toEqual(index);
  });

  it('takes a stratified sample of exactly `cap` rows beyond it, sorted, the same for the same seed', () => {
    const sample = capTrainingRows(y, index, 300, 3);
    expect(sample).toHaveLength(300);
    expect([...sample].sort((a, b) => a - b)).toEqual(sample);
    expect(new Set(sample).size).toBe(300);
    expect(sample.every((i) => i >= 100)).toBe(true);
    expect(sample.filter((i) => y[i] === 1)).toHaveLength(30); // the 10 % share of failures kept
    expect(capTrainingRows(y, index, 300, 3)).toEqual(sample);
    expect(capTrainingRows(y, index, 300, 4)).not.toEqual(sample);
  });
});
