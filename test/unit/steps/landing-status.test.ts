import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateAndIngest } from '../../../lambdas/core/steps/ingest.ts';
import { landingStatus } from '../../../lambdas/core/steps/landing-status.ts';
import { createPipelineFixture, type PipelineFixture, sampleCsv } from '../../support/pipeline-fixture.ts';
import { LANDING_TRAINING_PREFIX } from '../../../lambdas/core/storage-keys.ts';

describe('landingStatus', () => {
  let fx: PipelineFixture;
  beforeEach(async () => {
    fx = await createPipelineFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  const ingest = (key: string) => validateAndIngest({ key, runName: 'status-run' }, fx.context);

  it('tells ingested, quarantined, edited and pending files apart from the records alone', async () => {
    const ingested = await fx.land('a-ingested.csv', sampleCsv(12, 1));
    const poison = await fx.land('b-poison.csv', 'hostname\n');
    const edited = await fx.land('c-edited.csv', sampleCsv(8, 2));
    await fx.land('d-pending.csv', sampleCsv(5, 3));
    for (const key of [ingested, poison, edited]) await ingest(key);
    await fx.store.put(edited, sampleCsv(9, 2));

    const status = await landingStatus(fx.store, LANDING_TRAINING_PREFIX);
    expect(status.map((file) => [file.key.slice(LANDING_TRAINING_PREFIX.length), file.status.state])).toEqual([
      ['a-ingested.csv', 'ingested'],
      ['b-poison.csv', 'quarantined'],
      ['c-edited.csv', 'edited'],
      ['d-pending.csv', 'pending'],
    ]);
    expect(status[0].status).toEqual({ state: 'ingested', rowsValid: 12, rowsQuarantined: 0, at: '2026-03-02T10:00:00.000Z' });
    expect(status[1].status).toMatchObject({ state: 'quarantined', reason: expect.stringMatching(/b-poison\.csv: the header does not match/) });
    expect(status[2].status).toMatchObject({ state: 'edited', reason: expect.stringContaining('the next run sets it aside (its 8 earlier rows stay in the lake)') });

    // The next run sets the edited file aside; then it is listed as quarantined, with why.
    await ingest(edited);
    const after = await landingStatus(fx.store, LANDING_TRAINING_PREFIX);
    expect(after[2].status).toMatchObject({ state: 'quarantined', reason: expect.stringContaining('changed after it was ingested') });
  });
});
