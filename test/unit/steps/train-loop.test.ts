/**
 * Train's rounds: a fit that spans several invocations stores its checkpoint, the next round
 * resumes it, and the model at the end is bit for bit the one a single round gives. The fit is
 * the logistic stand-in (test/support/logistic-fit.ts) in the sparse GP's slot.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listVersions, readJson } from '../../../lambdas/core/registry/model-store.ts';
import type { StepProgress } from '../../../lambdas/core/steps/context.ts';
import type { PipelineConfig } from '../../../lambdas/core/steps/run-state.ts';
import { LAMBDA_MARGIN_SECONDS, roundBudgetSeconds, train, type TrainingRecord, trainStep } from '../../../lambdas/core/steps/train.ts';
import { trainCheckpointSchema } from '../../../lambdas/core/steps/train/checkpoint.ts';
import { exactFitter } from '../../../lambdas/core/steps/train/exact-fit.ts';
import { LOGISTIC_FIT, logisticFitter } from '../../support/logistic-fit.ts';
import { modelBytes } from '../../support/model-bytes.ts';
import { createPipelineFixture, landAndIngest, type PipelineFixture, type PreparedRun, prepareRun, sampleCsv } from '../../support/pipeline-fixture.ts';
import { trainRounds } from '../../support/train-rounds.ts';
import { trainCheckpointKey } from '../../../lambdas/core/storage-keys.ts';

const RUN = 'loop-run';
const TINY_BUDGET: Partial<PipelineConfig> = { model: 'sparse', trainBudgetSeconds: 1e-9 };
const ONE_ROUND: Partial<PipelineConfig> = { model: 'sparse', trainBudgetSeconds: 600 };

async function prepared(fx: PipelineFixture, config: Partial<PipelineConfig>): Promise<PreparedRun> {
  await landAndIngest(fx, 'batch.csv', sampleCsv());
  return prepareRun(fx, fx.runInput({ runName: RUN, config }));
}

const stepWith = (fitter: ReturnType<typeof logisticFitter>) => trainStep({ 'gpc-exact': exactFitter, 'gpc-sparse': fitter });

describe('Train in rounds', () => {
  let fx: PipelineFixture;
  let other: PipelineFixture | undefined;
  beforeEach(async () => {
    fx = await createPipelineFixture();
  });
  afterEach(async () => {
    await fx.close();
    await other?.close();
    other = undefined;
  });

  it('checkpoints each round that runs out of budget, resumes it in the next, and saves the model once done', async () => {
    const input = await prepared(fx, TINY_BUDGET);
    const fitter = logisticFitter();
    const { rounds, result } = await trainRounds(input, fx.context, stepWith(fitter));

    // At least one iteration per round: with no budget to speak of, one iteration per round.
    expect(rounds).toHaveLength(LOGISTIC_FIT.iterations);
    expect(fitter).toMatchObject({ starts: 1, resumes: LOGISTIC_FIT.iterations - 1 });
    const key = trainCheckpointKey(RUN);
    rounds.slice(0, -1).forEach((round, i) => {
      expect(round).toMatchObject({ done: false, round: i + 1, maxRounds: 16, model: 'gpc-sparse', checkpointKey: key, iteration: i + 1 });
      expect(JSON.stringify(round).length).toBeLessThan(1000); // Step Functions state stays small
    });
    expect(result).toMatchObject({ done: true, round: LOGISTIC_FIT.iterations, model: 'gpc-sparse', trainRows: input.split.trainRows, trainRowsAvailable: input.split.trainRows });
    expect(result.modelReason).toBe(`sparse GP on all ${input.split.trainRows} training rows (config.model = sparse)`);
    expect(await listVersions(fx.store)).toEqual([result.version]);
    const record = (await readJson(fx.store, result.trainingKey)) as TrainingRecord;
    expect(record).toMatchObject({ model: 'gpc-sparse', rounds: LOGISTIC_FIT.iterations, trainRows: input.split.trainRows });

    // The finished fit leaves a 'done' record, which a later Train does not resume.
    const stored = trainCheckpointSchema.parse(await readJson(fx.store, key));
    expect(stored).toMatchObject({ status: 'done', version: result.version, fit: null, rounds: LOGISTIC_FIT.iterations });

    // One progress line per round, numbered, with the fit's own estimate of the time left.
    const fits = fx.progress.filter((e): e is Extract<StepProgress, { kind: 'fit' }> => e.kind === 'fit');
    expect(fits.map((e) => [e.round, e.iteration])).toEqual(rounds.map((_, i) => [i + 1, i + 1]));
    expect(fits.at(-1)?.remainingSeconds).toBe(0);
    expect(fx.progress).toContainEqual({ kind: 'message', text: `round 2 of at most 16: resuming from ${key}` });
  });

  it('ends with the same model, bit for bit, as one uninterrupted round', async () => {
    const many = await trainRounds(await prepared(fx, TINY_BUDGET), fx.context, stepWith(logisticFitter()));
    other = await createPipelineFixture();
    const one = await trainRounds(await prepared(other, ONE_ROUND), other.context, stepWith(logisticFitter()));

    expect(many.rounds.length).toBeGreaterThan(1);
    expect(one.rounds).toHaveLength(1);
    expect(one.result.version).toBe(many.result.version);
    expect(await modelBytes(fx.store, many.result.version)).toEqual(await modelBytes(other.store, one.result.version));
  });

  it('resumes from a checkpoint another process left (a Train killed after its last checkpoint)', async () => {
    const input = await prepared(fx, TINY_BUDGET);
    for (let i = 0; i < 5; i++) await stepWith(logisticFitter())({ ...input }, fx.context);
    // The retried Train is a new process: a new fitter, a generous budget.
    const retried = logisticFitter();
    const result = await stepWith(retried)({ ...input, config: { ...input.config, trainBudgetSeconds: 600 } }, fx.context);
    expect(retried).toMatchObject({ starts: 0, resumes: 1 });
    expect(result).toMatchObject({ done: true, round: 6 });

    other = await createPipelineFixture();
    const one = await trainRounds(await prepared(other, ONE_ROUND), other.context, stepWith(logisticFitter()));
    if (!result.done) throw new Error('unreachable');
    expect(await modelBytes(fx.store, result.version)).toEqual(await modelBytes(other.store, one.result.version));
  });

  it('starts over, and says why, from a checkpoint it cannot use', async () => {
    const input = await prepared(fx, TINY_BUDGET);
    const key = trainCheckpointKey(RUN);
    await stepWith(logisticFitter())(input, fx.context);

    // Of another configuration (here: another seed).
    const reseeded = logisticFitter();
    const outcome = await stepWith(reseeded)({ ...input, config: { ...input.config, seed: 5 } }, fx.context);
    expect(reseeded).toMatchObject({ starts: 1, resumes: 0 });
    expect(outcome).toMatchObject({ done: false, round: 1 });
    expect(fx.progress).toContainEqual({ kind: 'message', text: `${key} is of another training set, split or configuration: the fit starts over` });

    // Not JSON (a torn write of an older store, a hand edit).
    await fx.store.put(key, '{"formatVersion": 1, "trunc');
    const fresh = logisticFitter();
    await stepWith(fresh)(input, fx.context);
    expect(fresh).toMatchObject({ starts: 1, resumes: 0 });
    expect(fx.progress).toContainEqual({ kind: 'message', text: `${key} is not JSON: the fit starts over` });

    // Written by a model kind that does not match (its fitter refuses it).
    const stored = trainCheckpointSchema.parse(await readJson(fx.store, key));
    await fx.store.put(key, JSON.stringify({ ...stored, fit: { ...stored.fit, formatVersion: 99 } }));
    const refused = logisticFitter();
    const again = await stepWith(refused)(input, fx.context);
    expect(refused).toMatchObject({ starts: 1, resumes: 0 });
    expect(again).toMatchObject({ round: 1 });
  });

  it('trains again after a finished fit of the same run instead of resuming it', async () => {
    const input = await prepared(fx, ONE_ROUND);
    await trainRounds(input, fx.context, stepWith(logisticFitter()));
    const second = logisticFitter();
    const result = await stepWith(second)(input, fx.context);
    expect(second).toMatchObject({ starts: 1, resumes: 0 });
    expect(result).toMatchObject({ done: true, round: 1 });
  });

  it('trains the real sparse GP in rounds: a tiny budget ends with the model one round gives, bit for bit', async () => {
    const sparse: Partial<PipelineConfig> = { model: 'sparse', inducingPoints: 8, maxTrainRounds: 1000 };
    const many = await trainRounds(await prepared(fx, { ...sparse, trainBudgetSeconds: 1e-9 }), fx.context, train, 1000);
    other = await createPipelineFixture();
    const one = await trainRounds(await prepared(other, { ...sparse, trainBudgetSeconds: 600 }), other.context, train);

    expect(many.rounds.length).toBeGreaterThan(1);
    expect(one.rounds).toHaveLength(1);
    expect(many.result).toMatchObject({ done: true, model: 'gpc-sparse' });
    expect(await modelBytes(fx.store, many.result.version)).toEqual(await modelBytes(other.store, one.result.version));
  });
});

describe('roundBudgetSeconds', () => {
  it('is the configured budget locally, and in a Lambda at most its remaining time less the margin', () => {
    expect(roundBudgetSeconds(800, {})).toBe(800);
    expect(roundBudgetSeconds(900, { remainingTimeMs: () => 890_000 })).toBe(890 - LAMBDA_MARGIN_SECONDS);
    expect(roundBudgetSeconds(800, { remainingTimeMs: () => 890_000 })).toBe(800);
    expect(roundBudgetSeconds(800, { remainingTimeMs: () => 30_000 })).toBe(0);
  });
});
