import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../../lambdas/core/errors.ts';
import type { ObjectStore } from '../../../../lambdas/core/ports/object-store.ts';
import { batchFileKey, scoreFileResultSchema } from '../../../../lambdas/core/steps/batch/batch-state.ts';
import { scoreFile } from '../../../../lambdas/core/steps/batch/score-file.ts';
import { type BatchFixture, createBatchFixture, inferenceCsv } from '../../../support/batch-fixture.ts';

let fixture: BatchFixture;
beforeEach(async () => {
  fixture = await createBatchFixture();
});
afterEach(async () => {
  await fixture.close();
});

const BATCH = 'infer-0123456789abcdef01234567';

describe('scoreFile', () => {
  it('returns a small result for the state and keeps the drift summary in the batch file list', async () => {
    await fixture.promoteChampion();
    const key = await fixture.landInference('a.csv', inferenceCsv(50, 1, 1));
    const result = await scoreFile({ key, etag: '"x"', batchName: BATCH }, fixture.context);
    expect(result).toMatchObject({ key, status: 'scored', duplicate: false, rowsScored: 50, hasDrift: true });
    expect(result).not.toHaveProperty('drift');
    expect(JSON.stringify(result).length).toBeLessThan(1500);
    const entry = scoreFileResultSchema.parse(JSON.parse((await fixture.bytesOf(batchFileKey(BATCH, key))).toString('utf8')));
    expect(entry.drift?.rows).toBe(50);
    expect(entry.scores?.counts.reduce((a, b) => a + b, 0)).toBe(50);
  });

  it('skips an S3 folder marker and refuses a key outside landing/inference/', async () => {
    await expect(scoreFile({ key: 'landing/inference/2026/', batchName: BATCH }, fixture.context)).resolves.toMatchObject({ status: 'skipped' });
    await expect(scoreFile({ key: 'landing/training/a.csv', batchName: BATCH }, fixture.context)).rejects.toThrow(RangeError);
  });

  it('writes the marker last: a failure before it leaves the file to be scored by the retry', async () => {
    await fixture.promoteChampion();
    const key = await fixture.landInference('a.csv', inferenceCsv(20, 2, 1));
    let failures = 1;
    const flaky: ObjectStore = {
      get: (k) => fixture.store.get(k),
      getStream: (k) => fixture.store.getStream(k),
      head: (k) => fixture.store.head(k),
      list: (p) => fixture.store.list(p),
      put: async (k, body, options) => {
        if (k.startsWith('lake/predictions/') && failures-- > 0) throw new TransientError('S3 slow down');
        return fixture.store.put(k, body, options);
      },
    };
    await expect(scoreFile({ key, batchName: BATCH }, { ...fixture.context, store: flaky })).rejects.toThrow(TransientError);
    expect(await fixture.keys('lake/scored/')).toEqual([]);
    const retried = await scoreFile({ key, batchName: BATCH }, { ...fixture.context, store: flaky });
    expect(retried).toMatchObject({ status: 'scored', duplicate: false, rowsScored: 20 });
    expect(await fixture.keys('lake/scored/')).toHaveLength(1);
  });

  it('validates rows with the contract carried by the champion and quarantines duplicates like ingest', async () => {
    await fixture.promoteChampion();
    const csv = inferenceCsv(10, 3, 1);
    const lines = csv.trimEnd().split('\n');
    const key = await fixture.landInference('dup.csv', `${[...lines, lines[2]].join('\n')}\n`);
    const result = await scoreFile({ key, batchName: BATCH }, fixture.context);
    expect(result).toMatchObject({ rowsRead: 11, rowsScored: 10, rowsQuarantined: 1 });
    const [quarantine] = await fixture.keys('lake/quarantine/');
    expect((await fixture.bytesOf(quarantine!)).toString('utf8')).toContain('duplicate reading: udi 2 already appears on line 3');
  });
});
