import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactError } from '../../../lambdas/core/errors.ts';
import { PreconditionFailedError } from '../../../lambdas/core/ports/object-store.ts';
import { type ObjectStore } from '../../../lambdas/core/ports/object-store.ts';
import { inspectChampion } from '../../../lambdas/core/registry/champion-health.ts';
import { promoteChampion, readChampion, repairChampionFromHistory } from '../../../lambdas/core/registry/champion.ts';
import type { EvaluationResult } from '../../../lambdas/core/steps/evaluate.ts';
import { promote } from '../../../lambdas/core/steps/promote.ts';
import { createPipelineFixture, FIXED_NOW, type PipelineFixture, saveTinyModel, testVersion } from '../../support/pipeline-fixture.ts';
import { CHAMPION_HISTORY_PREFIX, CHAMPION_KEY } from '../../../lambdas/core/storage-keys.ts';

const V1 = testVersion(1);
const V2 = testVersion(2);
const V3 = testVersion(3);

describe('Promote', () => {
  let fx: PipelineFixture;
  beforeEach(async () => {
    fx = await createPipelineFixture();
    for (const [i, version] of [V1, V2, V3].entries()) await saveTinyModel(fx.store, version, undefined, i + 1);
  });
  afterEach(async () => {
    await fx.close();
  });

  /** The state Promote receives after a gate that passed `version`, having compared it with `comparedWith`. */
  function promoteInput(
    version: string,
    comparedWith: string | null,
    options: { championNote?: string; promote?: boolean; runName?: string; judged?: EvaluationResult['judged'] } = {},
  ) {
    const metrics = (v: string) => ({ version: v, recall: 0.95, precision: 0.5, averagePrecision: 0.6, rocAuc: 0.9, threshold: 0.3 });
    const evaluation: EvaluationResult = {
      key: `models/${version}/evaluation.json`,
      challenger: metrics(version),
      champion: comparedWith === null ? null : metrics(comparedWith),
      championNote: options.championNote ?? null,
      judged: options.judged ?? (comparedWith === null ? { pointer: 'none' } : { pointer: 'champion', version: comparedWith }),
    };
    return {
      ...fx.runInput({ runName: options.runName ?? `run-${version.slice(-1)}` }),
      train: { version, mode: 'full', modeNote: null, trainingKey: `models/${version}/training.json`, fitSeconds: 1, logMarginalLikelihood: -1, kernel: 'k' },
      evaluation,
      gate: { promote: options.promote ?? true, summary: 'ok', key: `models/${version}/decision.json` },
    };
  }

  const championBytes = async () => (await fx.bytesOf(CHAMPION_KEY)).toString('utf8');

  it('the first promotion creates champion.json', async () => {
    expect(await readChampion(fx.store)).toBeUndefined();
    const result = await promote(promoteInput(V1, null), fx.context);
    expect(result).toEqual({ champion: V1, previous: null });
    expect(JSON.parse(await championBytes())).toEqual({ version: V1, since: FIXED_NOW.toISOString(), promotedBy: 'run-1', previous: [], sequence: 1 });
  });

  it('promotes the model the gate judged, not the run’s GP, when the rule picked a challenger', async () => {
    // The run's GP is V3; the gate judged V2 (the pick): V2 serves.
    const input = promoteInput(V2, null);
    const result = await promote({ ...input, train: { ...input.train, version: V3 } }, fx.context);
    expect(result).toEqual({ champion: V2, previous: null });
    expect((await readChampion(fx.store))?.pointer.version).toBe(V2);
  });

  it('a second promotion keeps the first as the rollback target', async () => {
    await promote(promoteInput(V1, null), fx.context);
    fx.advance(1000);
    const result = await promote(promoteInput(V2, V1), fx.context);
    expect(result).toEqual({ champion: V2, previous: V1 });
    expect((await readChampion(fx.store))!.pointer).toEqual({ version: V2, since: fx.now.toISOString(), promotedBy: 'run-2', previous: [V1], sequence: 2 });
  });

  it('a retried Promote whose swap already happened (killed before its result was recorded) succeeds with the same answer', async () => {
    await promote(promoteInput(V1, null), fx.context);
    const input = promoteInput(V2, V1);
    const first = await promote(input, fx.context);
    const pointer = await championBytes();
    const again = await promote(input, fx.context);
    expect(again).toEqual(first);
    expect(await championBytes()).toBe(pointer);
    // Another run that judged the same old champion still loses.
    await expect(promote(promoteInput(V3, V1, { runName: 'run-other' }), fx.context)).rejects.toThrow(PreconditionFailedError);
  });

  it('fails, changing nothing, when the champion changed since the gate compared with it', async () => {
    await promote(promoteInput(V1, null), fx.context);
    // Another run promoted V3 while this one was being evaluated against V1.
    await promoteChampion(fx.store, V3, 'other-run', await readChampion(fx.store), fx.now);
    const before = await championBytes();

    const error = await promote(promoteInput(V2, V1), fx.context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as Error).message).toContain(`the gate compared ${V2} with champion ${V1}, but the champion is now ${V3} (other-run)`);
    expect(await championBytes()).toBe(before);
  });

  it('fails when a champion appeared after a gate that saw none', async () => {
    await promoteChampion(fx.store, V3, 'other-run', undefined, fx.now);
    const before = await championBytes();
    await expect(promote(promoteInput(V2, null), fx.context)).rejects.toThrow(/compared .* with no champion, but the champion is now/);
    expect(await championBytes()).toBe(before);
  });

  it('fails when there is no champion at all any more, though the gate compared with one', async () => {
    await expect(promote(promoteInput(V2, V1), fx.context)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await fx.keys(CHAMPION_KEY)).toEqual([]);
  });

  it('never promotes a corrupt artifact', async () => {
    await promote(promoteInput(V1, null), fx.context);
    const before = await championBytes();
    const payload = `models/${V2}/model/x_train.f64`;
    const bytes = new Uint8Array(await fx.bytesOf(payload));
    bytes[17] ^= 0x01;
    await fx.store.put(payload, bytes);

    const error = await promote(promoteInput(V2, V1), fx.context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactError);
    expect((error as Error).message).toContain(`model ${V2}`);
    expect(await championBytes()).toBe(before);
  });

  it('never promotes a version whose artifact is missing', async () => {
    const missing = testVersion(9);
    await expect(promote(promoteInput(missing, null), fx.context)).rejects.toThrow(ArtifactError);
    expect(await fx.keys(CHAMPION_KEY)).toEqual([]);
  });

  it('refuses a version the gate rejected', async () => {
    await expect(promote(promoteInput(V1, null, { promote: false }), fx.context)).rejects.toThrow(`the gate rejected ${V1}`);
    expect(await fx.keys(CHAMPION_KEY)).toEqual([]);
  });

  it('replaces an incomparable champion the gate judged by its note', async () => {
    await promoteChampion(fx.store, V1, 'old-contract', undefined, fx.now);
    const result = await promote(promoteInput(V2, null, { championNote: `champion ${V1} takes other features`, judged: { pointer: 'champion', version: V1 } }), fx.context);
    expect(result).toEqual({ champion: V2, previous: V1 });
  });

  it('a history entry that cannot be written is reported, and the promotion stands', async () => {
    const failingHistory: ObjectStore = {
      get: (key) => fx.store.get(key),
      getStream: (key) => fx.store.getStream(key),
      head: (key) => fx.store.head(key),
      list: (prefix) => fx.store.list(prefix),
      put: (key, body, options) => (key.startsWith(CHAMPION_HISTORY_PREFIX) ? Promise.reject(new Error('AccessDenied')) : fx.store.put(key, body, options)),
    };
    const result = await promote(promoteInput(V1, null), { ...fx.context, store: failingHistory });
    expect(result).toEqual({ champion: V1, previous: null });
    expect(fx.progress).toContainEqual({ kind: 'message', text: `the champion is now ${V1}, but its champion history entry could not be written: AccessDenied (npx prognos doctor --repair records it)` });
    expect(await inspectChampion(fx.store)).toMatchObject({ kind: 'usable', recorded: false });
    expect(await repairChampionFromHistory(fx.store)).toMatchObject({ repaired: true });
    expect(await inspectChampion(fx.store)).toMatchObject({ kind: 'usable', recorded: true });
  });
});
