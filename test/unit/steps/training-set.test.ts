import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { trainingSetSql } from '../../../lambdas/core/contract/sql.ts';
import { decodeParquet } from '../../../lambdas/core/data/parquet.ts';
import { InsufficientDataError } from '../../../lambdas/core/errors.ts';
import { buildTrainingSet, trainingWindow } from '../../../lambdas/core/steps/training-set.ts';
import {
  createPipelineFixture,
  landAndIngest,
  type PipelineFixture,
  sampleRecords,
  toCsv,
} from '../../support/pipeline-fixture.ts';

describe('trainingWindow', () => {
  it('is the inclusive run of `days` days that ends on the run date', () => {
    expect(trainingWindow('2026-03-02', 1)).toEqual({ from: '2026-03-02', to: '2026-03-02' });
    expect(trainingWindow('2026-03-02', 7)).toEqual({ from: '2026-02-24', to: '2026-03-02' });
    expect(trainingWindow('2024-03-01', 2)).toEqual({ from: '2024-02-29', to: '2024-03-01' });
  });

  it('refuses a run date that is no calendar date', () => {
    expect(() => trainingWindow('2026-13-40', 7)).toThrow(RangeError);
  });
});

describe('BuildTrainingSet', () => {
  let fx: PipelineFixture;
  beforeEach(async () => {
    fx = await createPipelineFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  // 500 readings (UDI 1–500, 30 failures), uploaded on the first day of a 7-day window.
  const records = sampleRecords(500, 7);
  const positives = records.filter((r) => r['Machine failure'] === 1).length;
  const input = () => fx.runInput({ runName: 'window-run', config: { windowDays: 7 } });

  async function trainingRows(key: string) {
    return decodeParquet(await fx.bytesOf(key));
  }

  it('selects the window’s partitions only, ordered by id, and stores the rows and the query', async () => {
    await landAndIngest(fx, 'in-window.csv', toCsv(records), { at: new Date('2026-02-24T00:00:01Z') });
    // One second before the window opens, and one day after the run date: both outside.
    await landAndIngest(fx, 'too-old.csv', toCsv(sampleRecords(50, 1, 1001)), { at: new Date('2026-02-23T23:59:59Z') });
    await landAndIngest(fx, 'too-new.csv', toCsv(sampleRecords(50, 2, 2001)), { at: new Date('2026-03-03T00:00:00Z') });

    const result = await buildTrainingSet(input(), fx.context);
    expect(positives).toBe(30);
    expect(result).toEqual({
      key: 'lake/training-sets/window-run/training-set.parquet',
      sqlKey: 'lake/training-sets/window-run/query.sql',
      rows: 500,
      positives: 30,
      window: { from: '2026-02-24', to: '2026-03-02' },
      accounting: { readings: 500, unlabelled: 0, invalidDerived: 0, replaced: 0 },
      // AI4I has no timestamp column: the span is when the readings were ingested (the fixture's clock).
      dataRange: { basis: 'ingest time', from: '2026-03-02T10:00:00.000Z', to: '2026-03-02T10:00:00.000Z' },
    });
    const rows = await trainingRows(result.key);
    expect(rows.map((row) => row.udi)).toEqual(records.map((r) => r.UDI));
    expect(rows.filter((row) => row.machine_failure === 1)).toHaveLength(30);
    // Id, features, the derived features the SQL computed, label, and the reading's file and line (lineage): no ingest time or partition.
    expect(Object.keys(rows[0]).sort()).toEqual(
      ['udi', 'air_temperature_k', 'process_temperature_k', 'rotational_speed_rpm', 'torque_nm', 'tool_wear_min', 'product_type', 'power_w', 'temperature_difference_k', 'strain_min_nm', 'machine_failure', 'source_key', 'source_line'].sort(),
    );
    expect(rows[9]).toMatchObject({ source_key: expect.stringMatching(/^landing\/training\//), source_line: 11 });
    expect(rows[9].strain_min_nm).toBe(Number(records[9]['Tool wear [min]']) * Number(records[9]['Torque [Nm]']));
    expect(rows[9]).toMatchObject({ udi: 10, torque_nm: records[9]['Torque [Nm]'], product_type: records[9].Type });

    const sql = (await fx.bytesOf(result.sqlKey)).toString('utf8');
    expect(sql).toBe(`${trainingSetSql(fx.contract, result.window)}\n`);
    expect(sql).toContain("BETWEEN '2026-02-24' AND '2026-03-02'");
  });

  it('keeps labelled readings only, and a later unlabelled reading does not hide the labelled one', async () => {
    await landAndIngest(fx, 'labelled.csv', toCsv(records));
    const unlabelled = sampleRecords(20, 3, 501).map((r) => ({ ...r, 'Machine failure': '' }));
    // UDI 10 again, unlabelled (uploaded for scoring), ingested an hour later.
    unlabelled.push({ ...records[9], 'Machine failure': '', 'Torque [Nm]': 77.7 });
    fx.advance(3_600_000);
    const { result: ingested } = await landAndIngest(fx, 'unlabelled.csv', toCsv(unlabelled), { at: new Date('2026-03-02T06:00:00Z') });
    expect(ingested.rowsValid).toBe(21);

    const result = await buildTrainingSet(input(), fx.context);
    expect(result.rows).toBe(500);
    // 521 readings in the window: 21 unlabelled left out, none replaced (the unlabelled UDI 10 does not count against its labelled one).
    expect(result.accounting).toEqual({ readings: 521, unlabelled: 21, invalidDerived: 0, replaced: 0 });
    const rows = await trainingRows(result.key);
    expect(rows.some((row) => (row.udi as number) > 500)).toBe(false);
    expect(rows.find((row) => row.udi === 10)).toMatchObject({ torque_nm: records[9]['Torque [Nm]'], machine_failure: records[9]['Machine failure'] });
  });

  it('takes the latest reading of an id: a corrected copy ingested later wins', async () => {
    await landAndIngest(fx, 'batch.csv', toCsv(records));
    const original = records[41]; // UDI 42
    const corrected = { ...original, 'Torque [Nm]': 55.5, 'Machine failure': 1 - Number(original['Machine failure']) };
    fx.advance(86_400_000);
    await landAndIngest(fx, 'corrections/udi-42.csv', toCsv([corrected]), { at: new Date('2026-03-02T07:00:00Z') });

    const result = await buildTrainingSet(input(), fx.context);
    expect(result.rows).toBe(500);
    // The first UDI 42 was replaced by its correction: counted, not silently dropped.
    expect(result.accounting).toEqual({ readings: 501, unlabelled: 0, invalidDerived: 0, replaced: 1 });
    expect(result.dataRange).toEqual({ basis: 'ingest time', from: '2026-03-02T10:00:00.000Z', to: '2026-03-03T10:00:00.000Z' });
    expect(result.positives).toBe(positives + (corrected['Machine failure'] === 1 ? 1 : -1));
    const rows = await trainingRows(result.key);
    expect(rows.filter((row) => row.udi === 42)).toEqual([expect.objectContaining({ torque_nm: 55.5, machine_failure: corrected['Machine failure'] })]);
    // The neighbours are untouched.
    expect(rows.find((row) => row.udi === 41)!.torque_nm).toBe(records[40]['Torque [Nm]']);
  });

  it('fails with InsufficientDataError, and stores nothing, when a class has too few rows', async () => {
    await landAndIngest(fx, 'batch.csv', toCsv(records));
    const error = await buildTrainingSet(fx.runInput({ config: { windowDays: 7, minRowsPerClass: 31 } }), fx.context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientDataError);
    expect((error as Error).message).toContain('has 30 rows that needed maintenance and 470 that did not; training needs at least 31 of each');
    expect(await fx.keys('lake/training-sets/')).toEqual([]);
  });

  it('fails with InsufficientDataError on an empty lake', async () => {
    await expect(buildTrainingSet(input(), fx.context)).rejects.toThrow(InsufficientDataError);
    await expect(buildTrainingSet(input(), fx.context)).rejects.toThrow(/has 0 rows that needed maintenance and 0 that did not/);
  });
});
