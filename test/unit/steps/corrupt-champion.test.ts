/**
 * A corrupt champion never blocks training (issue 10, item 5): for each of the eight hand
 * corruptions of `models/champion.json` or of the champion's artifact, the steps Train (asked to
 * refit) → Evaluate → Gate → WriteReport → Promote run through: Train falls back to full mode,
 * Evaluate scores the challenger alone, the decision record and the report say why, and Promote
 * replaces the broken champion with one compare-and-swap.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../../lambdas/core/ports/object-store.ts';
import { PreconditionFailedError } from '../../../lambdas/core/ports/object-store.ts';
import { inspectChampion } from '../../../lambdas/core/registry/champion-health.ts';
import { readChampionHistory } from '../../../lambdas/core/registry/champion-history.ts';
import { promoteChampion, readChampion, readChampionState } from '../../../lambdas/core/registry/champion.ts';
import type { DecisionRecord } from '../../../lambdas/core/registry/decision-record.ts';
import { readJson } from '../../../lambdas/core/registry/model-store.ts';
import { evaluateChallenger } from '../../../lambdas/core/steps/evaluate.ts';
import { gate } from '../../../lambdas/core/steps/gate.ts';
import { promote } from '../../../lambdas/core/steps/promote.ts';
import { train } from '../../../lambdas/core/steps/train.ts';
import { writeReport } from '../../../lambdas/core/steps/write-report.ts';
import {
  createPipelineFixture,
  landAndIngest,
  type PipelineFixture,
  type PreparedRun,
  prepareRun,
  sampleCsv,
  saveTinyModel,
  testVersion,
} from '../../support/pipeline-fixture.ts';
import { CHAMPION_HISTORY_PREFIX, CHAMPION_KEY, MODELS_PREFIX } from '../../../lambdas/core/storage-keys.ts';

const OLD = testVersion(1);
const MISSING = testVersion(99);

interface Corruption {
  readonly name: string;
  /** Breaks the champion (OLD, promoted and recorded in the history before this runs). */
  readonly apply: (fx: PipelineFixture) => Promise<void>;
  readonly verdict: 'unreadable-pointer' | 'unloadable-model';
  /** Words the note must contain. */
  readonly why: RegExp;
}

async function flipByte(fx: PipelineFixture, key: string, at: number): Promise<void> {
  const bytes = new Uint8Array(await fx.bytesOf(key));
  bytes[at] ^= 0x01;
  await fx.store.put(key, bytes);
}

const CORRUPTIONS: readonly Corruption[] = [
  {
    name: 'a truncated pointer',
    apply: async (fx) => void (await fx.store.put(CHAMPION_KEY, (await fx.bytesOf(CHAMPION_KEY)).subarray(0, 40))),
    verdict: 'unreadable-pointer',
    why: /champion\.json is unreadable: it is not JSON/,
  },
  {
    name: 'a garbage pointer',
    apply: async (fx) => void (await fx.store.put(CHAMPION_KEY, Uint8Array.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x80, 0x0a]))),
    verdict: 'unreadable-pointer',
    why: /champion\.json is unreadable: it is not JSON/,
  },
  { name: 'an empty pointer', apply: async (fx) => void (await fx.store.put(CHAMPION_KEY, '')), verdict: 'unreadable-pointer', why: /champion\.json is unreadable: it is empty/ },
  {
    name: 'valid JSON of the wrong shape',
    apply: async (fx) => void (await fx.store.put(CHAMPION_KEY, JSON.stringify({ champion: OLD, previous: 'none' }))),
    verdict: 'unreadable-pointer',
    why: /champion\.json is unreadable: it is not a champion pointer: .*version/,
  },
  {
    name: 'a pointer at a missing version',
    apply: async (fx) => void (await promoteChampion(fx.store, MISSING, 'by-hand', await readChampion(fx.store), fx.now)),
    verdict: 'unloadable-model',
    why: new RegExp(`champion ${MISSING} cannot be loaded \\(model ${MISSING}: .*manifest\\.json does not exist\\)`),
  },
  {
    name: 'a champion whose manifest is corrupt',
    apply: async (fx) => void (await fx.store.put(`${MODELS_PREFIX}${OLD}/model/manifest.json`, '{"format": "prognos-model", "formatVer')),
    verdict: 'unloadable-model',
    why: new RegExp(`champion ${OLD} cannot be loaded \\(model ${OLD}: manifest is not JSON`),
  },
  {
    name: 'a champion whose payload checksum fails',
    apply: (fx) => flipByte(fx, `${MODELS_PREFIX}${OLD}/model/x_train.f64`, 17),
    verdict: 'unloadable-model',
    why: new RegExp(`champion ${OLD} cannot be loaded \\(model ${OLD}: payload x_train\\.f64 is corrupt: sha256`),
  },
  {
    name: 'a version string like ../lake',
    apply: async (fx) => {
      const pointer = JSON.parse((await fx.bytesOf(CHAMPION_KEY)).toString('utf8')) as Record<string, unknown>;
      await fx.store.put(CHAMPION_KEY, JSON.stringify({ ...pointer, version: '../lake' }));
    },
    verdict: 'unreadable-pointer',
    why: /champion\.json is unreadable: it is not a champion pointer: .*"\.\.\/lake" is not a model version/,
  },
];

describe('a corrupt champion never blocks training', () => {
  let fx: PipelineFixture;
  let prepared: PreparedRun;

  beforeAll(async () => {
    fx = await createPipelineFixture();
    await landAndIngest(fx, 'batch.csv', sampleCsv());
    prepared = await prepareRun(fx, fx.runInput({ runName: 'prepare' }));
  });
  afterAll(async () => {
    await fx.close();
  });

  /** OLD is a healthy champion, recorded in the history; nothing else is in models/. */
  beforeEach(async () => {
    await rm(fx.pathOf(MODELS_PREFIX.slice(0, -1)), { recursive: true, force: true });
    await saveTinyModel(fx.store, OLD);
    await promoteChampion(fx.store, OLD, 'first-run', undefined, fx.now);
  });

  it.each(CORRUPTIONS.map((c) => [c.name, c] as const))('%s: the run goes on without a comparison, says why, and Promote replaces it', async (_name, corruption) => {
    await corruption.apply(fx);
    const verdict = await inspectChampion(fx.store);
    expect(verdict.kind).toBe(corruption.verdict);
    const before = await readChampionState(fx.store);

    const runName = `run-${corruption.name.replace(/\W+/g, '-')}`;
    const run = { ...prepared, runName, mode: 'refit' as const, config: { ...prepared.config, gateMinRecall: 0.01 } };
    const trained = await train(run, fx.context);
    if (!trained.done) throw new Error('Train needs more than one round here');
    expect(trained.mode).toBe('full');
    expect(trained.modeNote).toMatch(corruption.why);
    expect(trained.modeNote).toMatch(/^refit asked, but .*: trained in full mode$/);

    const evaluation = await evaluateChallenger({ ...run, train: trained }, fx.context);
    expect(evaluation.champion).toBeNull();
    expect(evaluation.championNote).toMatch(/^no champion comparison: /);
    expect(evaluation.championNote).toMatch(corruption.why);
    expect(evaluation.judged).toEqual(before.kind === 'readable' ? { pointer: 'champion', version: before.current.pointer.version } : { pointer: 'unreadable' });

    const gated = await gate({ ...run, train: trained, evaluation }, fx.context);
    expect(gated.promote).toBe(true);
    const decision = (await readJson(fx.store, gated.key)) as DecisionRecord;
    expect(decision.championNote).toBe(evaluation.championNote);
    expect(decision.checks).toContainEqual({ name: 'champion', passed: true, detail: evaluation.championNote });

    const report = await writeReport({ ...run, train: trained, evaluation, gate: gated }, fx.context);
    expect((await fx.bytesOf(report.key)).toString('utf8')).toContain('no champion comparison: ');

    const promoted = await promote({ ...run, train: trained, evaluation, gate: gated }, fx.context);
    expect(promoted.champion).toBe(trained.version);
    const { pointer } = (await readChampion(fx.store))!;
    // The broken champion (or, for an unreadable pointer, the last recorded one) is the rollback target.
    const replaced = before.kind === 'readable' ? [before.current.pointer.version, ...before.current.pointer.previous] : [OLD];
    expect(pointer).toMatchObject({ version: trained.version, promotedBy: runName, previous: replaced });
    const history = await readChampionHistory(fx.store);
    expect(history.entries.at(-1)).toEqual(pointer);
    expect(history.unreadable).toEqual([]);
  });

  it('Promote replaces an unreadable pointer only on the etag it read: a change in between makes it fail', async () => {
    await fx.store.put(CHAMPION_KEY, 'garbage');
    const run = { ...prepared, runName: 'run-race', config: { ...prepared.config, gateMinRecall: 0.01 } };
    const trained = await train(run, fx.context);
    if (!trained.done) throw new Error('Train needs more than one round here');
    const evaluation = await evaluateChallenger({ ...run, train: trained }, fx.context);
    const gated = await gate({ ...run, train: trained, evaluation }, fx.context);

    // Someone writes other garbage between Promote's read and its swap.
    let interfered = false;
    const racing: ObjectStore = {
      get: (key) => fx.store.get(key),
      getStream: (key) => fx.store.getStream(key),
      head: (key) => fx.store.head(key),
      list: (prefix) => fx.store.list(prefix),
      async put(key, body, options) {
        if (key === CHAMPION_KEY && !interfered) {
          interfered = true;
          await fx.store.put(CHAMPION_KEY, 'other garbage');
        }
        return fx.store.put(key, body, options);
      },
    };
    const error = await promote({ ...run, train: trained, evaluation, gate: gated }, { ...fx.context, store: racing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as Error).message).toMatch(/lost to another change of the champion: models\/champion\.json is now unreadable \(it is not JSON/);
    expect((await fx.bytesOf(CHAMPION_KEY)).toString('utf8')).toBe('other garbage');
    expect((await fx.keys(CHAMPION_HISTORY_PREFIX)).length).toBe(1);
  });
});
