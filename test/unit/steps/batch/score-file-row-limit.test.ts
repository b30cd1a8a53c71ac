/**
 * ScoreFile's row limit (step-limits.ts maxScoringRows): a file with more valid rows than the
 * champion scores within ScoreFile's time is quarantined whole, with the limit in the reason, and
 * gets no content marker (another champion may score the same bytes). The real limit for the
 * fixture's 300-row champion is millions of rows, so the limit is lowered to 20 here.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scoreFile } from '../../../../lambdas/core/steps/batch/score-file.ts';
import type * as StepLimits from '../../../../lambdas/core/steps/step-limits.ts';
import { type BatchFixture, createBatchFixture, inferenceCsv } from '../../../support/batch-fixture.ts';
import { LEDGER_PREFIX } from '../../../../lambdas/core/storage-keys.ts';

const LIMIT = 20;
const sizes: unknown[] = [];
vi.mock('../../../../lambdas/core/steps/step-limits.ts', async (original) => ({
  ...(await original<typeof StepLimits>()),
  maxScoringRows: (size: unknown) => (sizes.push(size), LIMIT),
}));

let fixture: BatchFixture;
beforeEach(async () => {
  fixture = await createBatchFixture();
});
afterEach(async () => {
  await fixture.close();
});

const BATCH = 'infer-0123456789abcdef0123aaaa';

describe('a file with more rows than the champion scores in time', () => {
  it('is quarantined whole with the limit in the reason, ledgered, and left unmarked; a file within the limit is scored', async () => {
    await fixture.promoteChampion();
    const big = await fixture.landInference('big.csv', inferenceCsv(LIMIT + 1, 7, 1));
    const result = await scoreFile({ key: big, batchName: BATCH }, fixture.context);
    expect(result).toMatchObject({ status: 'unusable', rowsRead: LIMIT + 1, rowsScored: 0, predictionsKey: null });
    expect(result.reason).toMatch(new RegExp(`^${LIMIT + 1} rows to score, more than the ${LIMIT} that champion \\S+ scores within ScoreFile's time limit; split it into files of at most ${LIMIT} rows$`));
    // The limit was asked for the champion's size: an exact GP of its training rows.
    expect(sizes).toEqual([{ kind: 'gpc-exact', rows: expect.any(Number) }]);
    const [row] = (await fixture.bytesOf(result.quarantineKey!)).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(row).toMatchObject({ source: big, line: 0, reason: `the whole file: ${result.reason}` });
    expect(await fixture.keys('lake/scored/')).toEqual([]);
    expect(await fixture.keys('lake/predictions/')).toEqual([]);
    expect(await fixture.keys(LEDGER_PREFIX)).toHaveLength(1);

    const small = await fixture.landInference('small.csv', inferenceCsv(LIMIT, 8, 1001));
    await expect(scoreFile({ key: small, batchName: BATCH }, fixture.context)).resolves.toMatchObject({ status: 'scored', rowsScored: LIMIT });
  });
});
