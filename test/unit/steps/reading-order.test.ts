import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeParquet } from '../../../lambdas/core/data/parquet.ts';
import { validateAndIngest } from '../../../lambdas/core/steps/ingest.ts';
import { buildTrainingSet } from '../../../lambdas/core/steps/training-set.ts';
import { createPipelineFixture, type PipelineFixture, sampleRecords, toCsv } from '../../support/pipeline-fixture.ts';

/**
 * "The latest reading per id" across the files of one run: decided by run (ingested_at is the
 * run's start), then key, then line — never by which file's ingest happened to finish last.
 */
describe('the latest reading per id within one run', () => {
  let fx: PipelineFixture;
  beforeEach(async () => {
    fx = await createPipelineFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  const RUN_STARTED_AT = '2026-03-02T09:59:00.000Z';
  const big = sampleRecords(400, 7);
  // A correction of reading 5, landed after the big file in a file whose key sorts after it.
  const correction = [{ ...big[4], 'Torque [Nm]': 99.9 }];

  async function ingestInOrder(order: ('big' | 'fix')[]): Promise<number> {
    const keys = { big: await fx.land('2026-03-01-plant.csv', toCsv(big)), fix: await fx.land('2026-03-02-correction.csv', toCsv(correction)) };
    for (const file of order) {
      await validateAndIngest({ key: keys[file], runName: 'order-run', runStartedAt: RUN_STARTED_AT }, fx.context);
      fx.advance(60_000); // the step's own clock moves on between files; it must not matter
    }
    const result = await buildTrainingSet(fx.runInput({ runName: 'order-run', config: { windowDays: 7 } }), fx.context);
    const rows = await decodeParquet(await fx.bytesOf(result.key));
    return rows.find((row) => row.udi === 5)!.torque_nm as number;
  }

  it('stamps every reading of the run with the run start, not the time its file was parsed', async () => {
    const key = await fx.land('a.csv', toCsv(big.slice(0, 3)));
    fx.advance(3_600_000);
    const result = await validateAndIngest({ key, runName: 'order-run', runStartedAt: RUN_STARTED_AT }, fx.context);
    const rows = await decodeParquet(await fx.bytesOf(result.featureKeys[0]));
    expect(rows.map((row) => (row.ingested_at as Date).toISOString())).toEqual([RUN_STARTED_AT, RUN_STARTED_AT, RUN_STARTED_AT]);
  });

  it.each([[['big', 'fix'] as const], [['fix', 'big'] as const]])('the correction wins whichever file is ingested first (%j)', async (order) => {
    expect(await ingestInOrder([...order])).toBe(99.9);
  });

  it('refuses a run start that is not an ISO 8601 time', async () => {
    const key = await fx.land('a.csv', toCsv(big.slice(0, 3)));
    await expect(validateAndIngest({ key, runName: 'order-run', runStartedAt: 'yesterday' }, fx.context)).rejects.toThrow(/runStartedAt/);
  });
});
