import { describe, expect, it } from 'vitest';
import { makeMoons } from '../../../lambdas/cli/sample-data/moons.ts';
import { ArtifactError, InvalidDataError } from '../../../lambdas/core/errors.ts';
import { ARTIFACT_FORMAT_VERSION, deserializeModel, serializeModel } from '../../../lambdas/core/ml/artifact.ts';
import { GradientBoostingClassifier } from '../../../lambdas/core/ml/boosting/gradient-boosting.ts';
import { type ChallengerClassifier, ChallengerModel } from '../../../lambdas/core/ml/challenger-model.ts';
import { type DenseMatrix, fromRows } from '../../../lambdas/core/ml/dense.ts';
import { LogisticRegression } from '../../../lambdas/core/ml/logistic/logistic-regression.ts';
import { rocAuc } from '../../../lambdas/core/ml/metrics.ts';
import { outOfFoldProbability } from '../../../lambdas/core/ml/out-of-fold.ts';
import { StandardScaler } from '../../../lambdas/core/ml/scaler.ts';
import { chooseThreshold } from '../../../lambdas/core/ml/threshold.ts';

const train = { ...makeMoons(200, { seed: 3, noise: 0.3 }), featureNames: ['x0', 'x1'] };
const probe = fromRows([...Array.from({ length: 30 }, (_, i) => [-1.5 + i * 0.12, 0.6 - 0.03 * i]), [6, 6], [-5, 1]]);
const scaler = new StandardScaler().fit(train.X);

const FITS: Record<ChallengerClassifier['kind'], (x: DenseMatrix, y: Uint8Array) => ChallengerClassifier> = {
  'logistic-regression': (x, y) => LogisticRegression.fit(x, y),
  'gradient-boosting': (x, y) => GradientBoostingClassifier.fit(x, y, { maxIterations: 40, earlyStopping: false }),
};

function editManifest(files: ReadonlyMap<string, Uint8Array>, edit: (m: Record<string, unknown>) => void): Map<string, Uint8Array> {
  const copy = new Map(files);
  const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as Record<string, unknown>;
  edit(manifest);
  copy.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
  return copy;
}

describe.each(Object.keys(FITS) as ChallengerClassifier['kind'][])('a %s challenger in the artifact', (kind) => {
  const model = ChallengerModel.train(train, scaler, FITS[kind], { targetRecall: 0.9, folds: 5, seed: 2 });
  const files = serializeModel(model, { modelVersion: `${kind}-1`, createdAt: '2026-12-06T00:00:00.000Z' });

  it('chooses its threshold on stratified out-of-fold scores of the training rows, as the GP does on leave-one-out', () => {
    const xs = scaler.transform(train.X);
    const y = Uint8Array.from(train.y);
    const oof = outOfFoldProbability(xs, y, FITS[kind], { folds: 5, seed: 2 });
    const choice = chooseThreshold(y, oof, { targetRecall: 0.9 });
    expect(model.threshold).toEqual({ value: choice.threshold, targetRecall: 0.9, recall: choice.recall, precision: choice.precision, source: 'out-of-fold', rocAuc: rocAuc(y, oof) });
    expect(model.threshold.recall).toBeGreaterThanOrEqual(0.9);
    expect(model.kind).toBe(kind);
    expect(model.hasUncertainty).toBe(false);
  });

  it('predicts a probability and a label, and no latent mean, sd (so no review)', () => {
    const p = model.predict(probe);
    expect(p.latentMean).toBeNull();
    expect(p.latentStd).toBeNull();
    expect(Array.from(p.label)).toEqual(Array.from(p.probability, (v) => (v >= model.threshold.value ? 1 : 0)));
    expect(p.probability.every((v) => v > 0 && v < 1)).toBe(true);
  });

  it('is one manifest with the kind, the scaler, the threshold and the model, and no payload file', () => {
    expect([...files.keys()]).toEqual(['manifest.json']);
    const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as Record<string, unknown>;
    expect(manifest).toMatchObject({ kind, formatVersion: ARTIFACT_FORMAT_VERSION, nTrain: 200, nFeatures: 2, payloads: [], threshold: model.threshold, scaler: scaler.toJSON() });
    expect(manifest.model).toEqual(JSON.parse(JSON.stringify(model.classifier.toJSON())));
    expect(manifest).not.toHaveProperty('kernel');
  });

  it('round-trips to bitwise the same predictions, threshold and summary', () => {
    const { model: loaded, manifest } = deserializeModel(files);
    expect(manifest.kind).toBe(kind);
    if (loaded.hasUncertainty) expect.unreachable('a challenger loads as a ChallengerModel');
    expect(loaded.kind).toBe(kind);
    expect(loaded.threshold).toEqual(model.threshold);
    expect(loaded.featureNames).toEqual(model.featureNames);
    expect(loaded.classifier.summary).toEqual(model.classifier.summary);
    const [a, b] = [loaded.predict(probe).probability, model.predict(probe).probability];
    expect(a.every((v, i) => Object.is(v, b[i]))).toBe(true);
  });

  it('refuses a manifest whose model disagrees with it, naming what is wrong', () => {
    expect(() => deserializeModel(editManifest(files, (m) => (m.nTrain = 199)))).toThrow(/model\.summary\.nTrain is 200 but nTrain is 199/);
    expect(() => deserializeModel(editManifest(files, (m) => ((m.model as Record<string, unknown>).formatVersion = 9)))).toThrow(new RegExp(`unsupported ${kind} format version 9`));
    const other = kind === 'logistic-regression' ? 'gradient-boosting' : 'logistic-regression';
    expect(() => deserializeModel(editManifest(files, (m) => (m.kind = other)))).toThrow(ArtifactError);
    expect(() => deserializeModel(editManifest(files, (m) => delete m.model))).toThrow(/invalid artifact manifest/);
    expect(() => deserializeModel(editManifest(files, (m) => (m.threshold = { ...(m.threshold as object), source: 'guess' })))).toThrow(/invalid artifact manifest/);
  });
});

describe('ChallengerModel', () => {
  it('refuses a classifier fitted on another number of inputs than the scaler', () => {
    const wide = LogisticRegression.fit(fromRows([[0, 1, 2], [1, 0, 0], [2, 2, 1], [0, 0, 1]]), [0, 1, 1, 0]);
    expect(() => new ChallengerModel(['x0', 'x1'], scaler, wide, { value: 0.5, targetRecall: 0.9, recall: 1, precision: 1, source: 'out-of-fold', rocAuc: 1 })).toThrow(InvalidDataError);
  });

  it('refuses prediction rows with the wrong number of columns', () => {
    const model = ChallengerModel.train(train, scaler, FITS['logistic-regression']);
    expect(() => model.predict(fromRows([[1, 2, 3]]))).toThrow(/expected 2 feature columns \(x0, x1\), got 3/);
  });
});
