/**
 * The Train loop of the real `statemachines/training.asl.json`, through the local engine with the
 * real steps over a throwaway store: a tiny Train budget makes the fit span rounds (the logistic
 * stand-in in the sparse GP's slot, test/support/logistic-fit.ts), and the model at the end is bit
 * for bit the one of a single round; the round limit fails the run through the failure path, and
 * a retry of that run resumes from the checkpoint it left.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { causeMessage, runStateMachine } from '../../lambdas/adapters/local/state-machine-runner.ts';
import { trainingHandlers } from '../../lambdas/cli/training-workflow.ts';
import { listVersions, loadManifest, readJson } from '../../lambdas/core/registry/model-store.ts';
import type { PipelineConfig } from '../../lambdas/core/steps/run-state.ts';
import { trainStep, type TrainFinished } from '../../lambdas/core/steps/train.ts';
import { trainCheckpointSchema } from '../../lambdas/core/steps/train/checkpoint.ts';
import { exactFitter } from '../../lambdas/core/steps/train/exact-fit.ts';
import { LOGISTIC_FIT, logisticFitter } from '../support/logistic-fit.ts';
import { modelBytes } from '../support/model-bytes.ts';
import { createPipelineFixture, type PipelineFixture, sampleCsv } from '../support/pipeline-fixture.ts';
import { trainCheckpointKey } from '../../lambdas/core/storage-keys.ts';

const DEFINITION = fileURLToPath(new URL('../../statemachines/training.asl.json', import.meta.url));
const RUN = 'train-loop-run';

let runsDir: string;
const fixtures: PipelineFixture[] = [];
beforeEach(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'prognos-loop-'));
});
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((fx) => fx.close()));
  await rm(runsDir, { recursive: true, force: true });
});

/** A fresh store with one landed file, and a runner of the training workflow over it. */
async function workspace() {
  const fx = await createPipelineFixture();
  fixtures.push(fx);
  const key = await fx.land('batch.csv', sampleCsv());
  const fitter = logisticFitter();
  const runs = join(runsDir, String(fixtures.length));
  const handlers = { ...trainingHandlers(fx.context, ''), Train: (payload: unknown) => trainStep({ 'gpc-exact': exactFitter, 'gpc-sparse': fitter })(payload, fx.context) };
  const run = (config: Partial<PipelineConfig>, options: { replace?: boolean } = {}) =>
    runStateMachine({
      definition: DEFINITION,
      handlers,
      input: fx.runInput({ runName: RUN, files: [key], config: { model: 'sparse', targetRecall: 0.5, gateMinRecall: 0.1, ...config } }),
      executionName: RUN,
      runsDir: runs,
      retryIntervalOverrides: 0,
      ...(options.replace ? { replace: true } : {}),
    });
  return { fx, fitter, run };
}

describe('training.asl.json, the Train loop through the local engine', () => {
  it('runs Train in several rounds on a tiny budget and ends with the model of one uninterrupted round, bit for bit', async () => {
    const looped = await workspace();
    const many = await looped.run({ trainBudgetSeconds: 1e-9 });
    const straight = await workspace();
    const one = await straight.run({ trainBudgetSeconds: 600 });

    expect(many.record.status, many.record.cause).toBe('SUCCEEDED');
    expect(one.record.status, one.record.cause).toBe('SUCCEEDED');
    const trains = (record: typeof many.record) => record.states.filter((s) => s.name === 'Train');
    expect(trains(many.record)).toHaveLength(LOGISTIC_FIT.iterations);
    expect(trains(one.record)).toHaveLength(1);
    expect(looped.fitter).toMatchObject({ starts: 1, resumes: LOGISTIC_FIT.iterations - 1 });

    const a = (many.record.output as { train: TrainFinished }).train;
    const b = (one.record.output as { train: TrainFinished }).train;
    expect(a).toMatchObject({ done: true, round: LOGISTIC_FIT.iterations, model: 'gpc-sparse' });
    expect(a.version).toBe(b.version);
    // The real challenger steps ran beside the loop, on the same split: each saved a candidate of its kind.
    const candidates = (many.record.output as { candidates: Record<string, { status: string; kind?: string; version?: string }> }).candidates;
    expect(candidates.logistic).toMatchObject({ status: 'trained', kind: 'logistic-regression' });
    expect(candidates.boosting).toMatchObject({ status: 'trained', kind: 'gradient-boosting' });
    expect((await loadManifest(looped.fx.store, candidates.boosting.version!)).kind).toBe('gradient-boosting');
    expect(await modelBytes(looped.fx.store, a.version)).toEqual(await modelBytes(straight.fx.store, b.version));
    // Evaluate, Gate and WriteReport ran on it: the report says how the model was trained.
    const report = (await looped.fx.bytesOf(`models/${a.version}/report.html`)).toString('utf8');
    expect(report).toContain(`in ${LOGISTIC_FIT.iterations} Train rounds: sparse GP on all`);
  });

  it('fails the run through the failure path after maxTrainRounds rounds, and a retry resumes from the checkpoint left', async () => {
    const { fx, fitter, run } = await workspace();
    const failed = await run({ trainBudgetSeconds: 1e-9, maxTrainRounds: 3 });

    expect(failed.record).toMatchObject({ status: 'FAILED', error: 'TrainRoundLimitError' });
    const key = trainCheckpointKey(RUN);
    expect(causeMessage(failed.record.cause)).toMatch(new RegExp(`^Train did not finish in 3 rounds \\(config.maxTrainRounds\\); its checkpoint ${key} is kept`));
    expect(failed.record.states.filter((s) => s.name === 'Train')).toHaveLength(3);
    const names = failed.record.states.map((s) => s.name);
    expect(names.slice(-2)).toEqual(['RecordFailure', 'Failed']);
    expect(names.filter((n) => ['TrainDone', 'TrainRoundsExhausted', 'TrainRoundsFailed'].includes(n)).slice(-3)).toEqual(['TrainDone', 'TrainRoundsExhausted', 'TrainRoundsFailed']);
    expect(await readJson(fx.store, `lake/runs/${RUN}/failure.json`)).toMatchObject({ error: 'TrainRoundLimitError' });
    // No GP version; the challengers beside it may have saved theirs (candidates that no gate ever saw, never a champion).
    for (const version of await listVersions(fx.store)) expect(['logistic-regression', 'gradient-boosting']).toContain((await loadManifest(fx.store, version)).kind);
    expect(trainCheckpointSchema.parse(await readJson(fx.store, trainCheckpointKey(RUN)))).toMatchObject({ status: 'fitting', rounds: 3 });

    // The retry (same input and data, more rounds allowed) goes on from round 4.
    const retried = await run({ trainBudgetSeconds: 1e-9, maxTrainRounds: 16 }, { replace: true });
    expect(retried.record.status, retried.record.cause).toBe('SUCCEEDED');
    expect(retried.record.states.filter((s) => s.name === 'Train')).toHaveLength(LOGISTIC_FIT.iterations - 3);
    expect(fitter).toMatchObject({ starts: 1, resumes: LOGISTIC_FIT.iterations - 1 });
    const train = (retried.record.output as { train: TrainFinished }).train;
    expect(train).toMatchObject({ done: true, round: LOGISTIC_FIT.iterations });

    const straight = await workspace();
    const one = await straight.run({ trainBudgetSeconds: 600 });
    expect(await modelBytes(fx.store, train.version)).toEqual(await modelBytes(straight.fx.store, (one.record.output as { train: TrainFinished }).train.version));
  });
});
