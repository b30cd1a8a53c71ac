import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../../lambdas/adapters/local/fs-object-store.ts';
import { claimRetrain, type LastRetrain } from '../../../../lambdas/core/steps/batch/retrain-cooldown.ts';
import { LAST_RETRAIN_KEY } from '../../../../lambdas/core/storage-keys.ts';

let root: string;
let store: FsObjectStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'prognos-cooldown-'));
  store = new FsObjectStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const request = (batch: string, at: string): LastRetrain => ({ batchName: batch, executionName: `drift-${batch}`, requestedAt: at, modelVersion: 'v1' });

async function lastRetrain(): Promise<unknown> {
  return JSON.parse(new TextDecoder().decode((await store.get(LAST_RETRAIN_KEY)).body));
}

describe('claimRetrain', () => {
  it('claims the first retrain, refuses others within the cooldown, and claims again after it', async () => {
    expect(await claimRetrain(store, request('b1', '2026-03-02T10:00:00.000Z'), 24)).toEqual({ claimed: true, record: request('b1', '2026-03-02T10:00:00.000Z') });
    expect(await lastRetrain()).toEqual(request('b1', '2026-03-02T10:00:00.000Z'));

    expect(await claimRetrain(store, request('b2', '2026-03-03T09:59:59.999Z'), 24)).toEqual({
      claimed: false,
      previous: request('b1', '2026-03-02T10:00:00.000Z'),
      until: '2026-03-03T10:00:00.000Z',
    });
    expect(await lastRetrain()).toEqual(request('b1', '2026-03-02T10:00:00.000Z'));

    expect(await claimRetrain(store, request('b3', '2026-03-03T10:00:00.000Z'), 24)).toMatchObject({ claimed: true });
    expect(await lastRetrain()).toEqual(request('b3', '2026-03-03T10:00:00.000Z'));
  });

  it('gives the same batch its own claim again (a retried step), even within the cooldown', async () => {
    await claimRetrain(store, request('b1', '2026-03-02T10:00:00.000Z'), 24);
    expect(await claimRetrain(store, request('b1', '2026-03-02T10:05:00.000Z'), 24)).toEqual({ claimed: true, record: request('b1', '2026-03-02T10:00:00.000Z') });
  });

  it('a cooldown of 0 hours claims every time', async () => {
    await claimRetrain(store, request('b1', '2026-03-02T10:00:00.000Z'), 0);
    expect(await claimRetrain(store, request('b2', '2026-03-02T10:00:00.000Z'), 0)).toMatchObject({ claimed: true });
  });

  it('lets exactly one of several batches claim at the same moment (conditional put)', async () => {
    const at = '2026-03-02T10:00:00.000Z';
    const decisions = await Promise.all(['b1', 'b2', 'b3', 'b4', 'b5'].map((batch) => claimRetrain(store, request(batch, at), 24)));
    const winners = decisions.filter((d) => d.claimed);
    expect(winners).toHaveLength(1);
    const winner = (winners[0] as { record: LastRetrain }).record;
    expect(await lastRetrain()).toEqual(winner);
    for (const decision of decisions.filter((d) => !d.claimed)) expect(decision).toMatchObject({ previous: winner });
  });
});
