import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AI4I_COLUMNS,
  AI4I_FEATURES,
  ai4iToDataset,
  makeAi4iReadings,
  type Ai4iReading,
} from '../../../lambdas/cli/sample-data/ai4i.ts';
import { parseNumericCsv, writeCsv } from '../../../lambdas/core/data/csv.ts';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { goldenPath } from '../../support/golden.ts';

// Generated once for the rule checks; the literals below restate the published rules on purpose,
// rather than importing the generator's constants, so a wrong constant there makes a test fail.
const rows = makeAi4iReadings(10_000, { seed: 11 });

const count = (predicate: (r: Ai4iReading) => boolean, data: readonly Ai4iReading[] = rows): number =>
  data.filter(predicate).length;

function stats(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length) };
}

function correlation(a: number[], b: number[]): number {
  const sa = stats(a);
  const sb = stats(b);
  return a.reduce((s, v, i) => s + (v - sa.mean) * (b[i] - sb.mean), 0) / (a.length * sa.sd * sb.sd);
}

describe('makeAi4iReadings', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(makeAi4iReadings(300, { seed: 5 })).toEqual(makeAi4iReadings(300, { seed: 5 }));
    const other = makeAi4iReadings(300, { seed: 6 });
    expect(other.map((r) => r.torque_nm)).not.toEqual(makeAi4iReadings(300, { seed: 5 }).map((r) => r.torque_nm));
  });

  it('produces any size, including 0 and 1, and rejects a bad size', () => {
    expect(makeAi4iReadings(0, { seed: 1 })).toEqual([]);
    const [single] = makeAi4iReadings(1, { seed: 1 });
    expect(single.air_temperature_k).toBe(300);
    expect(single.tool_wear_min).toBe(0);
    expect(() => makeAi4iReadings(-1, { seed: 1 })).toThrow(InvalidDataError);
    expect(() => makeAi4iReadings(2.5, { seed: 1 })).toThrow(/integer n/);
  });

  it.each([1, 2, 2020])('fails in roughly 3–4 %% of 10,000 processes (seed %i)', (seed) => {
    const data = makeAi4iReadings(10_000, { seed });
    const rate = count((r) => r.machine_failure === 1, data) / data.length;
    expect(rate).toBeGreaterThan(0.027);
    expect(rate).toBeLessThan(0.043);
  });

  it('draws product types L/M/H at about 50/30/20 % and ids that start with the type', () => {
    expect(count((r) => r.type === 'L') / rows.length).toBeCloseTo(0.5, 1);
    expect(count((r) => r.type === 'M') / rows.length).toBeCloseTo(0.3, 1);
    expect(count((r) => r.type === 'H') / rows.length).toBeCloseTo(0.2, 1);
    expect(rows.every((r) => r.productId.startsWith(r.type))).toBe(true);
    expect(new Set(rows.map((r) => r.productId)).size).toBe(rows.length);
  });

  it('keeps the readings in their physical ranges', () => {
    expect(rows.every((r) => r.torque_nm >= 0)).toBe(true);
    expect(rows.every((r) => r.rotational_speed_rpm >= 1000 && r.rotational_speed_rpm <= 3000)).toBe(true);
    const air = stats(rows.map((r) => r.air_temperature_k));
    expect(air.mean).toBeCloseTo(300, 9);
    expect(air.sd).toBeCloseTo(2, 9);
    const difference = stats(rows.map((r) => r.process_temperature_k - r.air_temperature_k));
    expect(difference.mean).toBeCloseTo(10, 1);
    expect(difference.sd).toBeCloseTo(1, 1);
  });

  it('lets air temperature drift (random walk), not jump independently', () => {
    const air = rows.map((r) => r.air_temperature_k);
    expect(correlation(air.slice(0, -1), air.slice(1))).toBeGreaterThan(0.95);
  });

  it('makes speed fall as torque rises', () => {
    const r = correlation(
      rows.map((x) => x.rotational_speed_rpm),
      rows.map((x) => x.torque_nm),
    );
    expect(r).toBeLessThan(-0.8);
  });

  it('wears the tool by 2/3/5 min per L/M/H process and replaces it at 200–240 min', () => {
    const perType = { L: 2, M: 3, H: 5 };
    expect(rows[0].tool_wear_min).toBe(0);
    let replacements = 0;
    for (let i = 0; i + 1 < rows.length; i++) {
      const now = rows[i].tool_wear_min;
      const next = rows[i + 1].tool_wear_min;
      if (next === 0) {
        replacements++;
        expect(now).toBeGreaterThanOrEqual(200);
        expect(now).toBeLessThan(245);
      } else {
        expect(next).toBe(now + perType[rows[i].type]);
      }
    }
    expect(replacements).toBeGreaterThan(80);
    expect(Math.max(...rows.map((r) => r.tool_wear_min))).toBeLessThan(245);
  });

  it('TWF happens only on a worn-out tool, in about 51 of 120 replacements', () => {
    let worn = 0;
    for (let i = 0; i < rows.length; i++) {
      const replaced = i + 1 < rows.length && rows[i + 1].tool_wear_min === 0;
      if (rows[i].TWF === 1) {
        expect(rows[i].tool_wear_min).toBeGreaterThanOrEqual(200);
        if (i + 1 < rows.length) expect(replaced).toBe(true);
      }
      if (replaced) worn++;
    }
    const share = count((r) => r.TWF === 1) / worn;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.6);
  });

  it('HDF exactly when process − air < 8.6 K and speed < 1380 rpm', () => {
    for (const r of rows) {
      const expected = r.process_temperature_k - r.air_temperature_k < 8.6 && r.rotational_speed_rpm < 1380;
      expect(r.HDF).toBe(expected ? 1 : 0);
    }
    expect(count((r) => r.HDF === 1)).toBeGreaterThan(0);
  });

  it('PWF exactly when power is below 3500 W or above 9000 W', () => {
    for (const r of rows) {
      const power = r.torque_nm * ((r.rotational_speed_rpm * 2 * Math.PI) / 60);
      expect(r.PWF).toBe(power < 3500 || power > 9000 ? 1 : 0);
    }
    expect(count((r) => r.PWF === 1)).toBeGreaterThan(0);
  });

  it('OSF exactly when wear × torque exceeds 11,000 / 12,000 / 13,000 min·Nm for L / M / H', () => {
    const limit = { L: 11_000, M: 12_000, H: 13_000 };
    for (const r of rows) {
      expect(r.OSF).toBe(r.tool_wear_min * r.torque_nm > limit[r.type] ? 1 : 0);
    }
    expect(count((r) => r.OSF === 1)).toBeGreaterThan(0);
  });

  it('RNF at about 0.1 % regardless of the readings', () => {
    const rnf = count((r) => r.RNF === 1);
    expect(rnf).toBeGreaterThan(0);
    expect(rnf).toBeLessThan(30);
  });

  it('machine_failure is exactly "any failure mode"', () => {
    for (const r of rows) {
      const any = r.TWF || r.HDF || r.PWF || r.OSF || r.RNF;
      expect(r.machine_failure).toBe(any ? 1 : 0);
    }
  });
});

describe('ai4iToDataset', () => {
  it('takes the five features in model order and machine_failure as label', () => {
    const data = makeAi4iReadings(50, { seed: 3 });
    const { X, y, featureNames } = ai4iToDataset(data);
    expect(featureNames).toEqual([
      'air_temperature_k',
      'process_temperature_k',
      'rotational_speed_rpm',
      'torque_nm',
      'tool_wear_min',
    ]);
    expect(X.rows).toBe(50);
    expect(X.cols).toBe(5);
    data.forEach((r, i) => {
      expect(Array.from(X.data.subarray(i * 5, i * 5 + 5))).toEqual([
        r.air_temperature_k,
        r.process_temperature_k,
        r.rotational_speed_rpm,
        r.torque_nm,
        r.tool_wear_min,
      ]);
      expect(y[i]).toBe(r.machine_failure);
    });
  });

  it('equals what readNumericCsv reads back from writeCsv', () => {
    const data = makeAi4iReadings(500, { seed: 4 });
    const text = writeCsv(data, AI4I_COLUMNS);
    expect(text.split('\n')[0]).toBe(AI4I_COLUMNS.join(','));
    const read = parseNumericCsv(text, { label: 'machine_failure', features: [...AI4I_FEATURES] });
    const direct = ai4iToDataset(data);
    expect(Array.from(read.X.data)).toEqual(Array.from(direct.X.data));
    expect(Array.from(read.y)).toEqual(Array.from(direct.y));
  });
});

interface Ai4iMeta {
  failure_rate: number;
  feature_means: Record<string, number>;
  feature_sds: Record<string, number>;
  corr_speed_torque: number;
}

describe('makeAi4iReadings against the reference generator (ai4i_like_meta.json)', () => {
  it('has feature means, sds and speed–torque correlation close to the reference N = 10,000 set', () => {
    const meta = (
      JSON.parse(readFileSync(goldenPath('data', 'ai4i_like_meta.json'), 'utf8')) as Record<string, Ai4iMeta>
    ).ai4i_like_10000;
    const { X, featureNames } = ai4iToDataset(rows);
    // Loose: a different random stream, and wear / speed vary from run to run.
    const meanTolerance = [1e-9, 0.002, 0.02, 0.02, 0.05];
    const sdTolerance = [1e-9, 0.05, 0.1, 0.05, 0.05];
    featureNames.forEach((name, j) => {
      const column = stats(Array.from({ length: X.rows }, (_, i) => X.data[i * X.cols + j]));
      const expectedMean = meta.feature_means[name];
      const expectedSd = meta.feature_sds[name];
      expect(Math.abs(column.mean - expectedMean) / expectedMean, `${name} mean`).toBeLessThan(meanTolerance[j]);
      expect(Math.abs(column.sd - expectedSd) / expectedSd, `${name} sd`).toBeLessThan(sdTolerance[j]);
    });
    const r = correlation(
      rows.map((x) => x.rotational_speed_rpm),
      rows.map((x) => x.torque_nm),
    );
    expect(Math.abs(r - meta.corr_speed_torque)).toBeLessThan(0.03);
    const rate = count((x) => x.machine_failure === 1) / rows.length;
    expect(Math.abs(rate - meta.failure_rate)).toBeLessThan(0.01);
  });
});
