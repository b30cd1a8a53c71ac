import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelFeatureNames } from '../../../../lambdas/core/contract/encode.ts';
import { outOfFoldProbability } from '../../../../lambdas/core/ml/out-of-fold.ts';
import { LogisticRegression } from '../../../../lambdas/core/ml/logistic/logistic-regression.ts';
import { StandardScaler } from '../../../../lambdas/core/ml/scaler.ts';
import { chooseThreshold } from '../../../../lambdas/core/ml/threshold.ts';
import { takeRows } from '../../../../lambdas/core/ml/dense.ts';
import { listVersions, loadModel } from '../../../../lambdas/core/registry/model-store.ts';
import { CHALLENGER_FOLDS, challengerTrainedSchema, trainBoosting, trainLogistic } from '../../../../lambdas/core/steps/challengers/train-challenger.ts';
import { loadTrainingSet, splitRecordSchema } from '../../../../lambdas/core/steps/split-and-scale.ts';
import { newModelVersion } from '../../../../lambdas/core/steps/train.ts';
import { createPipelineFixture, FIXED_NOW, landAndIngest, type PipelineFixture, type PreparedRun, prepareRun, sampleCsv } from '../../../support/pipeline-fixture.ts';

describe('TrainLogistic and TrainBoosting', () => {
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

  it('TrainLogistic fits on every training row with the split’s scaler, threshold from out-of-fold scores, saved as its own version', async () => {
    const result = challengerTrainedSchema.parse(await trainLogistic(prepared, fx.context));
    const version = newModelVersion(FIXED_NOW, 'run-1/logistic-regression');
    expect(result).toMatchObject({ status: 'trained', kind: 'logistic-regression', version, trainRows: prepared.split.trainRows });
    expect(version).not.toBe(newModelVersion(FIXED_NOW, 'run-1'));
    expect(await listVersions(fx.store)).toEqual([version]);

    // The same rows, scaler and rule, recomputed here: the step added nothing of its own.
    const { X, y } = await loadTrainingSet(fx.context, prepared.trainingSet.key);
    const split = splitRecordSchema.parse(JSON.parse((await fx.bytesOf(prepared.split.key)).toString('utf8')));
    const scaler = StandardScaler.load(split.scaler);
    const xs = scaler.transform(takeRows(X, split.train));
    const labels = Uint8Array.from(split.train, (i) => y[i]);
    const oof = outOfFoldProbability(xs, labels, (x, t) => LogisticRegression.fit(x, t), { folds: CHALLENGER_FOLDS, seed: prepared.config.seed });
    const choice = chooseThreshold(labels, oof, { targetRecall: prepared.config.targetRecall });
    expect(result.threshold).toBe(choice.threshold);

    const { model, manifest } = await loadModel(fx.store, version);
    expect(manifest.kind).toBe('logistic-regression');
    expect(model.hasUncertainty).toBe(false);
    expect(model.featureNames).toEqual(modelFeatureNames(fx.contract));
    expect(manifest.scaler).toEqual(split.scaler);
    expect(model.threshold).toMatchObject({ value: choice.threshold, source: 'out-of-fold', targetRecall: prepared.config.targetRecall });
    expect(manifest.extra).toMatchObject({ runName: 'run-1', model: 'logistic-regression', trainRows: prepared.split.trainRows, contract: fx.contract });
    const expected = LogisticRegression.fit(xs, labels).predictProbability(scaler.transform(takeRows(X, split.holdout.slice(0, 5))));
    expect(Array.from(model.predict(takeRows(X, split.holdout.slice(0, 5))).probability)).toEqual(Array.from(expected));
  });

  it('TrainBoosting saves a gradient-boosting candidate; the same input gives the same model', async () => {
    const first = await trainBoosting(prepared, fx.context);
    expect(first).toMatchObject({ status: 'trained', kind: 'gradient-boosting', trainRows: prepared.split.trainRows });
    expect(first.outOfFoldRocAuc).toBeGreaterThan(0.5);
    const { manifest } = await loadModel(fx.store, first.version);
    expect(manifest.kind).toBe('gradient-boosting');
    const again = await trainBoosting(prepared, fx.context);
    expect(again.threshold).toBe(first.threshold);
  });

  it('refuses an input without the split, naming the step', async () => {
    const { split: _split, ...withoutSplit } = prepared;
    await expect(trainBoosting(withoutSplit, fx.context)).rejects.toThrow(/TrainBoosting/);
  });
});
