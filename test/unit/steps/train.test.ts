import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelFeatureNames } from '../../../lambdas/core/contract/encode.ts';
import { promoteChampion } from '../../../lambdas/core/registry/champion.ts';
import { listVersions, loadManifest, loadModel, readJson } from '../../../lambdas/core/registry/model-store.ts';
import { trainLogistic } from '../../../lambdas/core/steps/challengers/train-challenger.ts';
import { evaluateChallenger } from '../../../lambdas/core/steps/evaluate.ts';
import { gate } from '../../../lambdas/core/steps/gate.ts';
import { splitRecordSchema } from '../../../lambdas/core/steps/split-and-scale.ts';
import { newModelVersion, train, type TrainingRecord } from '../../../lambdas/core/steps/train.ts';
import {
  createPipelineFixture,
  FIXED_NOW,
  landAndIngest,
  type PipelineFixture,
  type PreparedRun,
  prepareRun,
  sampleCsv,
  saveTinyModel,
  testVersion,
} from '../../support/pipeline-fixture.ts';
import { trainToEnd } from '../../support/train-rounds.ts';
import { gpManifest } from '../../support/deployed.ts';

describe('newModelVersion', () => {
  it('sorts by time and ends with 8 hex digits of the run name', () => {
    expect(newModelVersion(new Date('2026-11-26T19:05:01.123Z'), 'daily-2026-11-26')).toMatch(/^20261126T190501\.123Z-[0-9a-f]{8}$/);
    const a = newModelVersion(FIXED_NOW, 'run-a');
    expect(newModelVersion(FIXED_NOW, 'run-a')).toBe(a);
    expect(newModelVersion(FIXED_NOW, 'run-b')).not.toBe(a);
    expect(newModelVersion(new Date(FIXED_NOW.getTime() + 1), 'run-a') > a).toBe(true);
  });
});

describe('Train', () => {
  let fx: PipelineFixture;
  let prepared: PreparedRun;
  beforeEach(async () => {
    fx = await createPipelineFixture();
    await landAndIngest(fx, 'batch.csv', sampleCsv());
    prepared = await prepareRun(fx, fx.runInput({ runName: 'run-1' }));
  });
  afterEach(async () => {
    await fx.close();
  });

  const readTraining = async (key: string) => (await readJson(fx.store, key)) as TrainingRecord;

  it('full mode: writes a verifiable artifact with the split’s scaler, and a training record with the optimiser trace', async () => {
    const result = await train(prepared, fx.context);
    if (!result.done) throw new Error('the exact GP fits in one round');
    const version = newModelVersion(FIXED_NOW, 'run-1');
    expect(result).toMatchObject({ version, mode: 'full', modeNote: null, trainingKey: `models/${version}/training.json` });
    // The split's training rows are over config.maxTrainRows (300): the exact GP trains on a sample and says so.
    expect(prepared.split.trainRows).toBeGreaterThan(300);
    expect(result).toMatchObject({ done: true, round: 1, maxRounds: 16, model: 'gpc-exact', trainRows: 300, trainRowsAvailable: prepared.split.trainRows });
    expect(result.modelReason).toBe(
      `exact GP on a stratified sample of 300 of ${prepared.split.trainRows} training rows: config.maxTrainRows caps the exact GP, whose cost grows as n³ (config.model = exact)`,
    );
    expect(await listVersions(fx.store)).toEqual([version]);

    const { model, manifest: loadedManifest } = await loadModel(fx.store, version);
    const manifest = gpManifest(loadedManifest);
    expect(manifest.modelVersion).toBe(version);
    expect(manifest.nTrain).toBe(300);
    expect(model.featureNames).toEqual(modelFeatureNames(fx.contract));
    expect(manifest.extra).toMatchObject({ runName: 'run-1', mode: 'full', trainingSetKey: prepared.trainingSet.key });
    // The artifact carries exactly the scaler SplitAndScale fitted on the training split.
    const split = splitRecordSchema.parse(JSON.parse((await fx.bytesOf(prepared.split.key)).toString('utf8')));
    expect(manifest.scaler).toEqual(split.scaler);
    expect(manifest.logMarginalLikelihood).toBe(result.logMarginalLikelihood);
    // The review level travels with the threshold, so every scorer applies the run's rule.
    expect(manifest.threshold.reviewLevel).toBe(prepared.config.reviewLevel);

    const record = await readTraining(result.trainingKey);
    expect(record).toMatchObject({ version, runName: 'run-1', mode: 'full', requestedMode: 'full', modeNote: null, trainRows: 300, splitKey: prepared.split.key });
    expect(record).toMatchObject({ model: 'gpc-exact', trainRowsAvailable: prepared.split.trainRows, modelReason: result.modelReason, rounds: 1 });
    expect(manifest.extra).toMatchObject({ model: 'gpc-exact', trainRows: 300, trainRowsAvailable: prepared.split.trainRows });
    expect(record.trace.length).toBeGreaterThan(0);
    for (const step of record.trace) {
      expect(['subsample', 'full']).toContain(step.stage);
      expect(Number.isFinite(step.logMarginalLikelihood)).toBe(true);
    }
    // The optimiser's progress reached the live view, one event per trace step.
    expect(fx.progress.filter((e) => e.kind === 'optimizer')).toHaveLength(record.trace.length);
    expect(record.hyperparameters.map((h) => h.name)).toEqual(['signal variance (constant)', 'length scale (all features)']);
    expect(record.hyperparameters[0].value).toBeCloseTo(Math.exp(manifest.kernelTheta[0]), 10);
  });

  it('refit with no champion falls back to full mode and says why', async () => {
    const result = await trainToEnd({ ...prepared, mode: 'refit' }, fx.context);
    expect(result.mode).toBe('full');
    expect(result.modeNote).toBe('refit asked, but there is no champion yet: trained in full mode');
    const record = await readTraining(result.trainingKey);
    expect(record).toMatchObject({ mode: 'full', requestedMode: 'refit', modeNote: result.modeNote });
    expect(record.trace.length).toBeGreaterThan(0);
    expect(fx.progress).toContainEqual({ kind: 'message', text: result.modeNote });
  });

  it('refit with a champion keeps exactly its kernel hyperparameters and does not optimise', async () => {
    const champion = await trainToEnd(prepared, fx.context);
    await promoteChampion(fx.store, champion.version, 'run-1', undefined, fx.now);
    const championManifest = gpManifest(await loadManifest(fx.store, champion.version));

    // New readings arrive: on them a full fit would move θ; a refit must not.
    fx.advance(86_400_000);
    await landAndIngest(fx, 'upload.csv', sampleCsv(200, 21, 501), { at: new Date('2026-03-02T03:00:00Z') });
    fx.progress.length = 0;
    const again = await prepareRun(fx, fx.runInput({ runName: 'run-2', mode: 'refit' }));
    expect(again.trainingSet.rows).toBe(700);
    const result = await trainToEnd(again, fx.context);
    expect(result.version).not.toBe(champion.version);
    expect(result).toMatchObject({ mode: 'refit', modeNote: null });

    const manifest = gpManifest(await loadManifest(fx.store, result.version));
    expect(manifest.kernelTheta).toEqual(championManifest.kernelTheta);
    // Fitted on the new training split, without a single optimiser step.
    expect(manifest.nTrain).toBe(Math.min(300, again.split.trainRows));
    if (manifest.kind !== 'gpc-exact') expect.unreachable('a refit of an exact champion is exact');
    expect(manifest.fitSummary.optimizer.starts).toEqual([]);
    expect(manifest.fitSummary.optimizer.evaluations).toBe(0);
    expect(manifest.logMarginalLikelihood).not.toBe(championManifest.logMarginalLikelihood);
    expect(manifest.kernel.constant).toBe(championManifest.kernel.constant);
    expect(manifest.kernel.lengthScales).toEqual(championManifest.kernel.lengthScales);
    const record = await readTraining(result.trainingKey);
    expect(record.trace).toEqual([]);
    expect(record).toMatchObject({ mode: 'refit', requestedMode: 'refit', modeNote: null });
    expect(fx.progress.filter((e) => e.kind === 'optimizer')).toEqual([]);
    expect(fx.progress).toContainEqual({ kind: 'message', text: `refit with the hyperparameters of champion ${champion.version}` });
  });

  it('refit over a challenger champion keeps the kernel of the GP trained beside it in its run', async () => {
    const gp = await trainToEnd(prepared, fx.context);
    const logistic = await trainLogistic(prepared, fx.context);
    const evaluation = await evaluateChallenger({ ...prepared, train: gp, candidates: { logistic, boosting: { status: 'failed', kind: 'gradient-boosting', error: 'E', reason: 'r' } } }, fx.context);
    // Whatever the rule picked on this data, the decision record lists the run's models; make the logistic model the champion.
    await gate({ ...prepared, train: gp, evaluation: { ...evaluation, challenger: { ...evaluation.challenger, version: logistic.version } } }, fx.context);
    await promoteChampion(fx.store, logistic.version, 'run-1', undefined, fx.now);

    fx.progress.length = 0;
    const again = await prepareRun(fx, fx.runInput({ runName: 'run-2', mode: 'refit' }));
    const result = await trainToEnd(again, fx.context);
    expect(result).toMatchObject({ mode: 'refit', modeNote: null });
    expect(gpManifest(await loadManifest(fx.store, result.version)).kernelTheta).toEqual(gpManifest(await loadManifest(fx.store, gp.version)).kernelTheta);
    expect(fx.progress).toContainEqual({ kind: 'message', text: `refit with the hyperparameters of GP ${gp.version}, trained beside champion ${logistic.version}` });
  });

  it('refit over a challenger champion whose run recorded no GP trains in full mode and says why', async () => {
    const logistic = await trainLogistic(prepared, fx.context);
    await promoteChampion(fx.store, logistic.version, 'run-1', undefined, fx.now);
    const result = await trainToEnd({ ...prepared, mode: 'refit' }, fx.context);
    expect(result.modeNote).toBe(`refit asked, but champion ${logistic.version} is a logistic-regression, which has no kernel to keep, and its run recorded no GP: trained in full mode`);
  });

  it('refit over a champion trained on readings this run no longer has (replaced by others of the same ids) trains in full mode and says so', async () => {
    const champion = await trainToEnd(prepared, fx.context);
    await promoteChampion(fx.store, champion.version, 'run-1', undefined, fx.now);
    // Other readings of the same ids (as real data replacing demo data with colliding UDIs).
    fx.advance(86_400_000);
    await landAndIngest(fx, 'replacement.csv', sampleCsv(500, 22, 1), { at: new Date('2026-03-02T03:00:00Z') });
    fx.progress.length = 0;
    const again = await prepareRun(fx, fx.runInput({ runName: 'run-3', mode: 'refit' }));
    const result = await trainToEnd(again, fx.context);
    expect(result.mode).toBe('full');
    expect(result.modeNote).toMatch(new RegExp(`^refit asked, but champion ${champion.version} was trained on other data: 500 of the 500 readings it was trained on are not in this run's training set \\(replaced or out of the window\\); trained in full mode$`));
    expect(fx.progress).toContainEqual({ kind: 'message', text: result.modeNote });
  });

  it('refit over a champion with other features falls back to full mode and names them', async () => {
    const other = testVersion(1);
    await saveTinyModel(fx.store, other, ['vibration_mm_s', 'current_a']);
    await promoteChampion(fx.store, other, 'elsewhere', undefined, fx.now);
    const result = await trainToEnd({ ...prepared, mode: 'refit' }, fx.context);
    expect(result.mode).toBe('full');
    expect(result.modeNote).toBe(`refit asked, but champion ${other} has other features (vibration_mm_s, current_a): trained in full mode`);
  });
});
