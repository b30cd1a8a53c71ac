import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { encodeRows, modelFeatureNames } from '../../../lambdas/core/contract/encode.ts';
import { makeAi4iReadings, toAi4iSourceRecords } from '../../../lambdas/cli/sample-data/ai4i.ts';
import { categoryColumnsOf } from '../../../lambdas/core/drift/categories.ts';
import { driftFromSummary } from '../../../lambdas/core/drift/drift.ts';
import { buildReference } from '../../../lambdas/core/drift/reference.ts';
import { summarizeBatch } from '../../../lambdas/core/drift/summary.ts';

/** Generated readings as ingest stores them (contract names, CSV rounding), air temperature moved by `airShiftK`. */
function readings(n: number, seed: number, airShiftK = 0): Record<string, number | string>[] {
  return toAi4iSourceRecords(makeAi4iReadings(n, { seed })).map((r) => ({
    air_temperature_k: Number(r['Air temperature [K]']) + airShiftK,
    process_temperature_k: r['Process temperature [K]'],
    rotational_speed_rpm: r['Rotational speed [rpm]'],
    torque_nm: r['Torque [Nm]'],
    tool_wear_min: r['Tool wear [min]'],
    product_type: r.Type,
  }));
}

// The case: a fresh, unshifted 300-row sample was flagged (air temperature PSI 0.651).
describe('drift on generated AI4I batches (seeded)', () => {
  const training = encodeRows(DEFAULT_CONTRACT, readings(10_000, 11).filter((_, i) => i % 10 < 7));
  const reference = buildReference(training, modelFeatureNames(DEFAULT_CONTRACT), new Float64Array(training.rows).fill(1));
  const categories = categoryColumnsOf(DEFAULT_CONTRACT);
  const driftOf = (rows: Record<string, number | string>[]) => {
    const x = encodeRows(DEFAULT_CONTRACT, rows);
    return driftFromSummary(reference, summarizeBatch(reference, x, new Float64Array(x.rows).fill(1)), {}, categories);
  };

  it('does not flag an unshifted 300-row batch, and shows the product type as level shares', () => {
    const report = driftOf(readings(300, 12));
    expect(report.enoughRows).toBe(true);
    expect(report.drifted).toBe(false);
    expect(report.features.map((f) => f.name)).not.toContain('product_type_l');
    expect(report.categories[0].levels.map((l) => l.level)).toEqual(['L', 'M', 'H']);
  });

  it('flags the same batch with the air temperature 8 K higher', () => {
    const report = driftOf(readings(300, 12, 8));
    expect(report.drifted).toBe(true);
    expect(report.features.find((f) => f.name === 'air_temperature_k')!.drifted).toBe(true);
  });

  it('says "not enough rows" rather than drifted under minRows', () => {
    const report = driftOf(readings(60, 13, 8));
    expect(report.enoughRows).toBe(false);
    expect(report.drifted).toBe(false);
    expect(report.features.find((f) => f.name === 'air_temperature_k')!.meanShift).toBeGreaterThan(3);
  });
});
