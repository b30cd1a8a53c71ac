/**
 * ScoreFile explains at most MAX_EXPLAINED_ROWS_PER_FILE flagged rows of a file, the most likely
 * first: the rest are listed without reasons. The real cap is 1,000; it is lowered to 2 here.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readFileOutcomes } from '../../../../lambdas/core/steps/batch/file-outcomes.ts';
import { scoreFile } from '../../../../lambdas/core/steps/batch/score-file.ts';
import type * as StepLimits from '../../../../lambdas/core/steps/step-limits.ts';
import { type BatchFixture, createBatchFixture, inferenceCsv } from '../../../support/batch-fixture.ts';

vi.mock('../../../../lambdas/core/steps/step-limits.ts', async (original) => ({ ...(await original<typeof StepLimits>()), MAX_EXPLAINED_ROWS_PER_FILE: 2 }));

let fixture: BatchFixture;
beforeEach(async () => {
  fixture = await createBatchFixture();
});
afterEach(async () => {
  await fixture.close();
});

describe('the explained rows of one file', () => {
  it('are the most likely flagged rows, up to the cap; the others are listed without reasons', async () => {
    await fixture.promoteChampion();
    const key = await fixture.landInference('a.csv', inferenceCsv(200, 21, 1));
    const result = await scoreFile({ key, batchName: 'infer-0123456789abcdef0123cccc' }, fixture.context);
    expect(result.rowsFlagged).toBeGreaterThan(2);
    const outcomes = await readFileOutcomes(fixture.store, result.outcomesKey!);
    expect(outcomes.flagged).toHaveLength(result.rowsFlagged);
    expect(outcomes.flagged.slice(0, 2).every((row) => row.reasons !== null)).toBe(true);
    expect(outcomes.flagged.slice(2).every((row) => row.reasons === null)).toBe(true);
  });
});
