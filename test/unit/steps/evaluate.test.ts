import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRows, labelsOf } from '../../../lambdas/core/contract/encode.ts';
import { decodeParquet } from '../../../lambdas/core/data/parquet.ts';
import { categoryColumnsOf } from '../../../lambdas/core/drift/categories.ts';
import { featureGroups, permutationImportance } from '../../../lambdas/core/ml/permutation-importance.ts';
import { promoteChampion } from '../../../lambdas/core/registry/champion.ts';
import { loadModel, readJson } from '../../../lambdas/core/registry/model-store.ts';
import type { Evaluation } from '../../../lambdas/core/report/model/report-data.ts';
import { pickCandidate } from '../../../lambdas/core/steps/challengers/pick-candidate.ts';
import { trainLogistic } from '../../../lambdas/core/steps/challengers/train-challenger.ts';
import { evaluateChallenger } from '../../../lambdas/core/steps/evaluate.ts';
import { IMPORTANCE_REPEATS, IMPORTANCE_SEED } from '../../../lambdas/core/steps/holdout-importance.ts';
import { splitRecordSchema } from '../../../lambdas/core/steps/split-and-scale.ts';
import type { TrainResult } from '../../../lambdas/core/steps/train.ts';
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
import { trainToEnd } from '../../support/train-rounds.ts';

describe('Evaluate', () => {
  let fx: PipelineFixture;
  let first: PreparedRun & { train: TrainResult };
  beforeEach(async () => {
    fx = await createPipelineFixture();
    await landAndIngest(fx, 'batch.csv', sampleCsv());
    const prepared = await prepareRun(fx, fx.runInput({ runName: 'run-1' }));
    first = { ...prepared, train: await trainToEnd(prepared, fx.context) };
  });
  afterEach(async () => {
    await fx.close();
  });

  /** The holdout rows as the model sees them, straight from the stored training set and split. */
  async function holdoutOf(run: PreparedRun) {
    const rows = await decodeParquet(await fx.bytesOf(run.trainingSet.key));
    const split = splitRecordSchema.parse(JSON.parse((await fx.bytesOf(run.split.key)).toString('utf8')));
    const holdoutRows = split.holdout.map((i) => rows[i]);
    return { x: encodeRows(fx.contract, holdoutRows), labels: Array.from(labelsOf(fx.contract, holdoutRows)) };
  }

  function recallAt(labels: readonly number[], probability: readonly number[], threshold: number): number {
    const positives = labels.filter((y) => y === 1).length;
    const found = labels.filter((y, i) => y === 1 && probability[i] >= threshold).length;
    return found / positives;
  }

  it('without a champion scores the challenger alone on the holdout', async () => {
    const result = await evaluateChallenger(first, fx.context);
    const version = first.train.version;
    expect(result.key).toBe(`models/${version}/evaluation.json`);
    expect(result.champion).toBeNull();
    expect(result.championNote).toBeNull();

    const evaluation = (await readJson(fx.store, result.key)) as Evaluation;
    const { x, labels } = await holdoutOf(first);
    expect(evaluation.labels).toEqual(labels);
    expect(evaluation.labels).toHaveLength(first.split.holdoutRows);
    expect(evaluation.labels.filter((y) => y === 1)).toHaveLength(first.split.holdoutPositives);
    expect(evaluation.champion).toBeNull();
    expect(evaluation.targetRecall).toBe(first.config.targetRecall);

    // The probabilities are the stored model's on exactly those rows, and the headline follows from them.
    const { model } = await loadModel(fx.store, version);
    expect(evaluation.challenger.probability).toEqual(Array.from(model.predict(x).probability));
    // The report's review section needs the latent means and the level the model applies.
    expect(evaluation.challenger.latentMean).toEqual(Array.from(model.predict(x).latentMean!));
    expect(evaluation.challenger.reviewLevel).toBe(first.config.reviewLevel);
    expect(result.challenger.threshold).toBe(model.threshold.value);
    expect(result.challenger.recall).toBe(recallAt(labels, evaluation.challenger.probability, model.threshold.value));
    expect(result.challenger).toMatchObject({
      version,
      recall: evaluation.challenger.metrics.recall,
      precision: evaluation.challenger.metrics.precision,
      averagePrecision: evaluation.challenger.metrics.averagePrecision,
      rocAuc: evaluation.challenger.metrics.rocAuc,
    });
    expect(evaluation.challenger.metrics.nPositive + evaluation.challenger.metrics.nNegative).toBe(labels.length);
    // A run without challengers still explains its GP, on the same rows it scored.
    expect(evaluation.importance).toHaveLength(1);
    const [gp] = evaluation.importance!;
    if (gp.status !== 'computed') expect.unreachable(`the GP was explained: ${JSON.stringify(gp)}`);
    expect(gp).toMatchObject({ version, kind: 'gpc-exact', holdoutRows: labels.length });
    expect(gp.importance.baseline).toBeCloseTo(evaluation.challenger.metrics.averagePrecision, 12);
    // One entry per input, the product type's three one-hot columns as one.
    expect(gp.importance.features.map((f) => f.feature)).toEqual([
      'air_temperature_k',
      'process_temperature_k',
      'rotational_speed_rpm',
      'torque_nm',
      'tool_wear_min',
      'product_type',
      'power_w',
      'temperature_difference_k',
      'strain_min_nm',
    ]);
    expect(gp.importance.features[5].columns).toEqual(['product_type_l', 'product_type_m', 'product_type_h']);
  });

  it('scores every model of the run on the same holdout: the GP, each trained challenger, and a failed one with its reason', async () => {
    const logistic = await trainLogistic(first, fx.context);
    const failed = { status: 'failed', kind: 'gradient-boosting', error: 'InvalidDataError', reason: JSON.stringify({ errorType: 'InvalidDataError', errorMessage: 'too few rows of class 1' }) };
    const result = await evaluateChallenger({ ...first, candidates: { logistic, boosting: failed } }, fx.context);

    expect(result.candidates?.map((c) => [c.kind, c.status])).toEqual([
      ['gpc-exact', 'trained'],
      ['logistic-regression', 'trained'],
      ['gradient-boosting', 'failed'],
    ]);
    const [gp, lr, gb] = result.candidates!;
    if (gp.status !== 'trained') expect.unreachable('the GP was trained');
    expect(gp).toMatchObject({ status: 'trained', kind: 'gpc-exact', fitSeconds: first.train.fitSeconds });
    expect(gp.holdout.version).toBe(first.train.version);
    expect(gb).toEqual({ status: 'failed', kind: 'gradient-boosting', reason: 'InvalidDataError: too few rows of class 1' });
    // The challenger's row is its own artifact on exactly the GP's holdout rows, at its own threshold.
    const { x, labels } = await holdoutOf(first);
    const { model } = await loadModel(fx.store, logistic.version);
    const probability = Array.from(model.predict(x).probability);
    if (lr.status !== 'trained') expect.unreachable('the logistic challenger was trained');
    expect(lr.holdout).toMatchObject({ version: logistic.version, threshold: logistic.threshold, recall: recallAt(labels, probability, logistic.threshold) });
    expect(lr.fitSeconds).toBe(logistic.fitSeconds);
    const stored = (await readJson(fx.store, result.key)) as Evaluation;
    expect(stored.candidates).toEqual(result.candidates);

    // The rule's pick is the run's challenger: its headline, its per-row scores, its folder.
    expect(result.pick).toEqual(pickCandidate(result.candidates!, first.config.targetRecall));
    expect(stored.pick).toEqual(result.pick);
    const picked = result.candidates!.find((c) => c.status === 'trained' && c.holdout.version === result.pick!.version);
    if (picked?.status !== 'trained') expect.unreachable('the pick is a trained row');
    expect(result.challenger).toEqual(picked.holdout);
    expect(result.key).toBe(`models/${result.pick!.version}/evaluation.json`);
    const pickedModel = (await loadModel(fx.store, result.pick!.version)).model;
    expect(stored.challenger.probability).toEqual(Array.from(pickedModel.predict(x).probability));


    // Permutation importance of each trained model (not of the failed one), on the whole small holdout.
    expect(stored.importance?.map((m) => [m.kind, m.status, m.version])).toEqual([
      ['gpc-exact', 'computed', first.train.version],
      ['logistic-regression', 'computed', logistic.version],
    ]);
    const lrImportance = stored.importance![1];
    if (lrImportance.status !== 'computed') expect.unreachable('the logistic challenger was explained');
    const names = model.featureNames;
    const expected = permutationImportance(model, x, labels, names, { repeats: IMPORTANCE_REPEATS, seed: IMPORTANCE_SEED, groups: featureGroups(names, categoryColumnsOf(fx.contract)) });
    expect(lrImportance.importance).toEqual(expected);
    expect(lrImportance.holdoutRows).toBe(labels.length);
    expect(lrImportance.importance.rows).toBe(labels.length);
    expect(lrImportance.importance.baseline).toBeCloseTo(lr.holdout.averagePrecision, 12);
  });

  it('with a champion scores both on the same holdout rows, each with its own artifact', async () => {
    const champion = first.train.version;
    await promoteChampion(fx.store, champion, 'run-1', undefined, fx.now);
    fx.advance(86_400_000);
    await landAndIngest(fx, 'more.csv', sampleCsv(150, 11, 501), { at: new Date('2026-03-02T02:00:00Z') });
    const prepared = await prepareRun(fx, fx.runInput({ runName: 'run-2', mode: 'refit' }));
    const second = { ...prepared, train: await trainToEnd(prepared, fx.context) };
    expect(second.split.holdoutRows).toBeGreaterThan(first.split.holdoutRows);

    const result = await evaluateChallenger(second, fx.context);
    expect(result.champion).not.toBeNull();
    expect(result.champion!.version).toBe(champion);
    expect(result.challenger.version).toBe(second.train.version);
    expect(result.championNote).toBeNull();

    const evaluation = (await readJson(fx.store, result.key)) as Evaluation;
    const { x, labels } = await holdoutOf(second);
    expect(evaluation.labels).toEqual(labels);
    expect(evaluation.challenger.probability).toHaveLength(labels.length);
    expect(evaluation.champion!.probability).toHaveLength(labels.length);
    const { model: championModel } = await loadModel(fx.store, champion);
    expect(evaluation.champion!.probability).toEqual(Array.from(championModel.predict(x).probability));
    expect(evaluation.champion!.threshold).toBe(championModel.threshold.value);
    expect(evaluation.champion!.metrics.nPositive).toBe(second.split.holdoutPositives);
    expect(result.champion!.recall).toBe(recallAt(labels, evaluation.champion!.probability, championModel.threshold.value));
    expect(result.champion!.averagePrecision).toBe(evaluation.champion!.metrics.averagePrecision);
  });

  it('notes, and does not score, a champion that takes other features', async () => {
    const other = testVersion(3);
    await saveTinyModel(fx.store, other, ['vibration_mm_s', 'current_a']);
    await promoteChampion(fx.store, other, 'elsewhere', undefined, fx.now);
    const result = await evaluateChallenger(first, fx.context);
    expect(result.champion).toBeNull();
    expect(result.championNote).toBe(`champion ${other} takes other features (vibration_mm_s, current_a), so it cannot be scored on this holdout`);
    expect(((await readJson(fx.store, result.key)) as Evaluation).champion).toBeNull();
  });
});
