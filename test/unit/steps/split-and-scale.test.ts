import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeParquet } from '../../../lambdas/core/data/parquet.ts';
import { InsufficientDataError } from '../../../lambdas/core/errors.ts';
import type { StandardScalerJson } from '../../../lambdas/core/ml/scaler.ts';
import { type SplitRecord, splitAndScale, splitPosition, splitRecordSchema } from '../../../lambdas/core/steps/split-and-scale.ts';
import { pipelineConfigSchema } from '../../../lambdas/core/steps/run-state.ts';
import { MAX_HOLDOUT_ROWS } from '../../../lambdas/core/steps/step-limits.ts';
import { buildTrainingSet } from '../../../lambdas/core/steps/training-set.ts';
import {
  createPipelineFixture,
  landAndIngest,
  type PipelineFixture,
  prepareRun,
  sampleCsv,
} from '../../support/pipeline-fixture.ts';

describe('splitPosition', () => {
  it('is a fixed number in [0, 1) for a (seed, id)', () => {
    const a = splitPosition(0, 42);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(1);
    expect(splitPosition(0, 42)).toBe(a);
    // The id is taken as text: 42 and '42' are the same reading.
    expect(splitPosition(0, '42')).toBe(a);
    expect(splitPosition(1, 42)).not.toBe(a);
    expect(splitPosition(0, 43)).not.toBe(a);
  });

  it('spreads ids evenly, so a fraction f of them falls below f', () => {
    const positions = Array.from({ length: 5000 }, (_, i) => splitPosition(3, i + 1));
    for (const f of [0.1, 0.3, 0.5, 0.9]) {
      const share = positions.filter((p) => p < f).length / positions.length;
      expect(share).toBeGreaterThan(f - 0.03);
      expect(share).toBeLessThan(f + 0.03);
    }
  });
});

describe('SplitAndScale', () => {
  let fx: PipelineFixture;
  beforeEach(async () => {
    fx = await createPipelineFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  async function readSplit(key: string): Promise<SplitRecord> {
    return splitRecordSchema.parse(JSON.parse((await fx.bytesOf(key)).toString('utf8')));
  }

  it('puts a reading on the same side in every run, however many rows are added', async () => {
    await landAndIngest(fx, 'first.csv', sampleCsv(400, 7));
    const first = await prepareRun(fx, fx.runInput({ runName: 'run-1' }));
    fx.advance(86_400_000);
    await landAndIngest(fx, 'second.csv', sampleCsv(300, 8, 401), { at: new Date('2026-03-02T01:00:00Z') });
    const second = await prepareRun(fx, fx.runInput({ runName: 'run-2' }));
    expect(second.trainingSet.rows).toBe(700);

    const holdoutIds = async (run: typeof first): Promise<Set<number>> => {
      const rows = await decodeParquet(await fx.bytesOf(run.trainingSet.key));
      const record = await readSplit(run.split.key);
      return new Set(record.holdout.map((i) => rows[i].udi as number));
    };
    const before = await holdoutIds(first);
    const after = await holdoutIds(second);
    expect([...after].filter((id) => id <= 400).sort((a, b) => a - b)).toEqual([...before].sort((a, b) => a - b));
    expect([...after].some((id) => id > 400)).toBe(true);
    // And the side is exactly the one splitPosition gives.
    const expected = Array.from({ length: 700 }, (_, i) => i + 1).filter((id) => splitPosition(0, id) < 0.3);
    expect([...after].sort((a, b) => a - b)).toEqual(expected);
  });

  it('fits the scaler on the training split only, and its counts add up', async () => {
    await landAndIngest(fx, 'batch.csv', sampleCsv(500, 7));
    const input = fx.runInput({ runName: 'scaled' });
    const trainingSet = await buildTrainingSet(input, fx.context);
    const result = await splitAndScale({ ...input, trainingSet }, fx.context);
    expect(result.key).toBe('lake/training-sets/scaled/split.json');

    const rows = await decodeParquet(await fx.bytesOf(trainingSet.key));
    const record = await readSplit(result.key);
    const label = (i: number) => rows[i].machine_failure as number;
    const holdout = new Set(record.holdout);
    const available = rows.map((_, i) => i).filter((i) => !holdout.has(i));

    // Sides: disjoint, holdout by position, train every other row (Train caps the exact GP's rows, not the split).
    expect(record.holdout).toEqual(rows.map((row, i) => (splitPosition(0, row.udi) < 0.3 ? i : -1)).filter((i) => i >= 0));
    expect(record.train).toEqual(available);
    expect(available.length).toBeGreaterThan(300); // over config.maxTrainRows, and not capped here
    expect(result).toEqual({
      key: result.key,
      trainRows: available.length,
      holdoutRows: record.holdout.length,
      trainPositives: record.train.filter((i) => label(i) === 1).length,
      holdoutPositives: record.holdout.filter((i) => label(i) === 1).length,
      holdoutRowsAvailable: record.holdout.length,
    });
    expect(result.holdoutRows + result.trainRows).toBe(500);
    expect(result.trainPositives).toBeGreaterThanOrEqual(2);
    expect(result.holdoutPositives).toBeGreaterThanOrEqual(2);

    // The model's columns, computed here from the raw rows: numeric features, then one-hot type, then
    // the derived features the training-set SQL computed (stored in the training set's rows).
    expect(record.featureNames).toEqual([
      'air_temperature_k', 'process_temperature_k', 'rotational_speed_rpm', 'torque_nm', 'tool_wear_min',
      'product_type_l', 'product_type_m', 'product_type_h', 'power_w', 'temperature_difference_k', 'strain_min_nm',
    ]);
    const column = (i: number, name: string): number =>
      name.startsWith('product_type_') ? Number(String(rows[i].product_type).toLowerCase() === name.slice(-1)) : (rows[i][name] as number);
    const stats = (index: readonly number[], name: string) => {
      const values = index.map((i) => column(i, name));
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
      return { mean, sd };
    };
    const scaler = record.scaler as StandardScalerJson;
    record.featureNames.forEach((name, j) => {
      const train = stats(record.train, name);
      expect(scaler.mean[j], name).toBeCloseTo(train.mean, 9);
      expect(scaler.scale[j], name).toBeCloseTo(train.sd, 9);
    });
    // The statistics really are the training split's: those of all rows, or of the holdout, differ.
    const all = rows.map((_, i) => i);
    const differs = (index: number[]) =>
      record.featureNames.some((name, j) => Math.abs(stats(index, name).mean - scaler.mean[j]) > 1e-6);
    expect(differs(all)).toBe(true);
    expect(differs(record.holdout)).toBe(true);
  });

  it('caps the holdout at config.maxHoldoutRows with a stratified sample, counts the rows left out, and trains on none of them', async () => {
    await landAndIngest(fx, 'batch.csv', sampleCsv(500, 7));
    const uncapped = await prepareRun(fx, fx.runInput({ runName: 'uncapped' }));
    const input = fx.runInput({ runName: 'capped', config: { maxHoldoutRows: 60 } });
    const trainingSet = await buildTrainingSet(input, fx.context);
    const progress = fx.progress.length;
    const result = await splitAndScale({ ...input, trainingSet }, fx.context);

    const rows = await decodeParquet(await fx.bytesOf(trainingSet.key));
    const label = (i: number) => rows[i].machine_failure as number;
    const side = (await readSplit(uncapped.split.key)).holdout;
    const record = await readSplit(result.key);
    expect(side.length).toBeGreaterThan(100);
    expect(record.holdout).toHaveLength(60);
    expect(record.holdout.every((i) => side.includes(i))).toBe(true);
    // The train split is the one without a cap: the left-out holdout rows go to neither side.
    expect(record.train).toEqual((await readSplit(uncapped.split.key)).train);
    const sidePositives = side.filter((i) => label(i) === 1).length;
    expect(result).toMatchObject({ holdoutRows: 60, holdoutRowsAvailable: side.length, trainRows: uncapped.split.trainRows });
    expect(result.holdoutPositives).toBe(record.holdout.filter((i) => label(i) === 1).length);
    expect(result.holdoutPositives).toBe(Math.round((60 * sidePositives) / side.length));
    expect(fx.progress.slice(progress).map((p) => ('text' in p ? p.text : ''))).toContain(
      `train ${result.trainRows} rows (${result.trainPositives} needing maintenance), holdout 60 (${result.holdoutPositives}); a stratified 60 of the ${side.length} holdout rows are scored (config.maxHoldoutRows)`,
    );
  });

  it('refuses a holdout cap above what Evaluate can score in its timeout', () => {
    const parsed = pipelineConfigSchema.safeParse({ maxHoldoutRows: MAX_HOLDOUT_ROWS + 1 });
    expect(parsed.error?.issues.map((issue) => issue.path)).toEqual([['maxHoldoutRows']]);
    expect(pipelineConfigSchema.parse({}).maxHoldoutRows).toBe(MAX_HOLDOUT_ROWS);
  });

  it('fails with InsufficientDataError when a side of the split would get too few failures', async () => {
    await landAndIngest(fx, 'batch.csv', sampleCsv(500, 7));
    // 30 failures pass the training-set minimum of 30, but a 10 % holdout cannot get the 15 each side needs.
    const input = fx.runInput({ runName: 'too-few', config: { minRowsPerClass: 30, holdoutFraction: 0.1 } });
    const trainingSet = await buildTrainingSet(input, fx.context);
    const error = await splitAndScale({ ...input, trainingSet }, fx.context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientDataError);
    expect((error as Error).message).toMatch(/^the (holdout|training split) has \d+ rows that needed maintenance and \d+ that did not; at least 15 of each are needed/);
    expect(await fx.keys('lake/training-sets/too-few/split.json')).toEqual([]);
  });

  it('refuses a state without a training set, naming the field', async () => {
    await expect(splitAndScale(fx.runInput(), fx.context)).rejects.toThrow(/SplitAndScale: unexpected input:[\s\S]*trainingSet/);
  });
});
