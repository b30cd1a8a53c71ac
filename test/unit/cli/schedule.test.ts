import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../../lambdas/cli/errors.ts';
import type { CliIo } from '../../../lambdas/cli/io.ts';
import { runScheduledTraining, startSchedule } from '../../../lambdas/cli/schedule.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { createPipelineFixture, landAndIngest, type PipelineFixture, sampleCsv, SMALL_CONFIG } from '../../support/pipeline-fixture.ts';

let fixture: PipelineFixture;
const io: CliIo = { out: () => undefined, err: () => undefined };
beforeEach(async () => {
  fixture = await createPipelineFixture();
});
afterEach(async () => {
  await fixture.close();
});

describe('prognos schedule', () => {
  it('runs one full retrain over the lake per day, named daily-YYYY-MM-DD', async () => {
    await landAndIngest(fixture, 'plant-a.csv', sampleCsv());
    const config = join(fixture.root, 'pipeline.json');
    await writeFile(config, JSON.stringify(SMALL_CONFIG));
    const options = { home: fixture.root, contract: DEFAULT_CONTRACT, configFile: config };

    const first = await runScheduledTraining(options, new Date('2026-03-02T03:00:00.000Z'), io);
    expect(first).toMatchObject({ name: 'daily-2026-03-02', started: true, record: { status: 'SUCCEEDED', input: { runDate: '2026-03-02', mode: 'full', files: [] } } });
    // A second tick that day (or a second scheduler): nothing new.
    const again = await runScheduledTraining(options, new Date('2026-03-02T15:00:00.000Z'), io);
    expect(again).toMatchObject({ name: 'daily-2026-03-02', started: false });
    expect(again.record).toEqual(first.record);
  });

  it('ticks on the cron pattern in UTC, and refuses a pattern it cannot read', async () => {
    const schedule = startSchedule({ home: fixture.root, contract: DEFAULT_CONTRACT, cron: '0 3 * * *' }, io);
    try {
      expect(schedule.job.nextRun(new Date('2026-03-02T02:59:00.000Z'))?.toISOString()).toBe('2026-03-02T03:00:00.000Z');
      expect(schedule.job.nextRun(new Date('2026-03-02T03:00:00.000Z'))?.toISOString()).toBe('2026-03-03T03:00:00.000Z');
    } finally {
      await schedule.stop();
    }
    expect(() => startSchedule({ home: fixture.root, contract: DEFAULT_CONTRACT, cron: 'every day' }, io)).toThrow(CliError);
  });

  it("takes the CDK context's cron(…) form too: the same ticks (one cron syntax)", async () => {
    const schedule = startSchedule({ home: fixture.root, contract: DEFAULT_CONTRACT, cron: 'cron(30 2 ? * 2-6 *)' }, io);
    try {
      // Friday 2026-03-06 02:30, then Monday: EventBridge's 2-6 is Monday to Friday.
      expect(schedule.job.nextRun(new Date('2026-03-06T00:00:00.000Z'))?.toISOString()).toBe('2026-03-06T02:30:00.000Z');
      expect(schedule.job.nextRun(new Date('2026-03-06T03:00:00.000Z'))?.toISOString()).toBe('2026-03-09T02:30:00.000Z');
    } finally {
      await schedule.stop();
    }
    expect(() => startSchedule({ home: fixture.root, contract: DEFAULT_CONTRACT, cron: 'cron(0 3 * * ? 2027)' }, io)).toThrow(/--cron 'cron\(0 3 \* \* \? 2027\)': a year/);
  });
});
