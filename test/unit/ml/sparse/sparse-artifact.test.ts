import { describe, expect, it } from 'vitest';
import { makeMoons } from '../../../../lambdas/cli/sample-data/moons.ts';
import { ArtifactError, InvalidDataError, NotFittedError } from '../../../../lambdas/core/errors.ts';
import { ARTIFACT_FORMAT_VERSION, deserializeModel, isGpManifest, serializeModel } from '../../../../lambdas/core/ml/artifact.ts';
import { fromRows } from '../../../../lambdas/core/ml/dense.ts';
import { classifierKind, MaintenanceModel } from '../../../../lambdas/core/ml/maintenance-model.ts';
import { StandardScaler } from '../../../../lambdas/core/ml/scaler.ts';
import { fitSparse } from '../../../../lambdas/core/ml/sparse/sparse-fit.ts';
import { SparseGaussianProcessClassifier } from '../../../../lambdas/core/ml/sparse/svgp.ts';
import { asGp } from '../../../support/deployed.ts';

const train = { ...makeMoons(150, { seed: 1, noise: 0.25 }), featureNames: ['x0', 'x1'] };
const probe = fromRows([...Array.from({ length: 40 }, (_, i) => [-1.5 + i * 0.1, 0.5 - 0.02 * i]), [6, 6], [-5, 1]]);

function editManifest(files: ReadonlyMap<string, Uint8Array>, edit: (m: Record<string, unknown>) => void): Map<string, Uint8Array> {
  const copy = new Map(files);
  const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as Record<string, unknown>;
  edit(manifest);
  copy.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
  return copy;
}

describe('a sparse model in MaintenanceModel and the artifact', () => {
  const model = MaintenanceModel.trainSparse(train, { sparse: { inducingPoints: 16, maxIterations: 10 }, targetRecall: 0.9 });
  const files = serializeModel(model, { modelVersion: 'sparse-1', createdAt: '2026-12-06T00:00:00.000Z' });

  it('is a gpc-sparse model whose threshold comes from the cavity scores of its training rows', () => {
    expect(model.kind).toBe('gpc-sparse');
    expect(model.threshold.recall).toBeGreaterThanOrEqual(0.9);
    expect(model.leaveOneOut!.probability).toHaveLength(150);
  });

  it('stores Z, μ and L as float64 payloads with kind and format version in the manifest', () => {
    const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as Record<string, unknown>;
    expect(manifest.kind).toBe('gpc-sparse');
    expect(manifest.formatVersion).toBe(ARTIFACT_FORMAT_VERSION);
    expect(manifest.nInducing).toBe(16);
    expect([...files.keys()].sort()).toEqual(['chol_cov.f64', 'inducing.f64', 'manifest.json', 'mean.f64']);
    expect(files.get('chol_cov.f64')!.byteLength).toBe(((16 * 17) / 2) * 8);
    expect(files.get('inducing.f64')!.byteLength).toBe(16 * 2 * 8);
  });

  it('loads to bitwise the same predictions, threshold and summary', () => {
    const { model: deployed, manifest } = deserializeModel(files);
    const loaded = asGp(deployed);
    expect(manifest.kind).toBe('gpc-sparse');
    expect(loaded.classifier).toBeInstanceOf(SparseGaussianProcessClassifier);
    expect(classifierKind(loaded.classifier)).toBe('gpc-sparse');
    expect(loaded.threshold).toEqual(model.threshold);
    expect(loaded.fitSummary).toEqual(model.fitSummary);
    const [a, b] = [loaded.predict(probe), model.predict(probe)];
    for (const key of ['probability', 'latentMean', 'latentStd'] as const) {
      expect(a[key].every((v, i) => Object.is(v, b[key][i])), key).toBe(true);
    }
    // Cavity scores need the training rows, which the artifact does not keep.
    expect(() => loaded.classifier.leaveOneOut()).toThrow(NotFittedError);
  });

  it('rejects a damaged sparse artifact', () => {
    const corrupt = new Map(files);
    const bytes = files.get('mean.f64')!.slice();
    bytes[3] ^= 1;
    corrupt.set('mean.f64', bytes);
    expect(() => deserializeModel(corrupt)).toThrow(/payload mean\.f64 is corrupt/);
    expect(() => deserializeModel(editManifest(files, (m) => (m.nInducing = 15)))).toThrow(ArtifactError);
    expect(() => deserializeModel(editManifest(files, (m) => delete m.kind))).toThrow(/needs "kind"/);
  });

  it('reads a version-1 manifest, which has no kind, as an exact GP', () => {
    const exact = MaintenanceModel.train(train, { gpc: { optimize: false, kernel: { constant: 4, lengthScale: 0.7 } } });
    const v2 = serializeModel(exact, { modelVersion: 'exact-1', createdAt: '2026-12-06T00:00:00.000Z' });
    const v1 = editManifest(v2, (m) => {
      m.formatVersion = 1;
      delete m.kind;
    });
    const { model: loaded, manifest } = deserializeModel(v1);
    expect(manifest.kind).toBe('gpc-exact');
    expect(loaded.kind).toBe('gpc-exact');
    expect(Array.from(loaded.predict(probe).probability)).toEqual(Array.from(exact.predict(probe).probability));
    expect(() => deserializeModel(editManifest(v2, (m) => (m.formatVersion = 1)))).toThrow(/version-1 manifest has no "kind"/);
  });

  it('keeps a Matérn kernel through the artifact, and reads a manifest without a kernel shape as RBF', () => {
    const matern = MaintenanceModel.trainSparse(train, { sparse: { inducingPoints: 16, maxIterations: 10, kernel: 'matern32' }, targetRecall: 0.9 });
    const saved = serializeModel(matern, { modelVersion: 'sparse-m32', createdAt: '2026-12-06T00:00:00.000Z' });
    const { model: loaded, manifest } = deserializeModel(saved);
    if (!isGpManifest(manifest)) expect.unreachable('a sparse GP artifact has a kernel');
    expect(manifest.kernel.shape).toBe('matern32');
    expect(Array.from(loaded.predict(probe).probability)).toEqual(Array.from(matern.predict(probe).probability));
    // Written before kernels had shapes: the same numbers read as an RBF model, which is what `model` is.
    const old = editManifest(files, (m) => delete (m.kernel as Record<string, unknown>).shape);
    const fromOld = deserializeModel(old);
    if (!isGpManifest(fromOld.manifest)) expect.unreachable('a sparse GP artifact has a kernel');
    expect(fromOld.manifest.kernel.shape).toBe('rbf');
    expect(Array.from(fromOld.model.predict(probe).probability)).toEqual(Array.from(model.predict(probe).probability));
    expect(() => deserializeModel(editManifest(saved, (m) => ((m.kernel as Record<string, unknown>).shape = 'matern12')))).toThrow(ArtifactError);
  });

  it('keeps an additive kernel through the artifact bitwise, and rejects one-dimensional terms of the wrong length', () => {
    const additive = MaintenanceModel.trainSparse(train, { sparse: { inducingPoints: 16, maxIterations: 10, additive: true }, targetRecall: 0.9 });
    const saved = serializeModel(additive, { modelVersion: 'sparse-additive', createdAt: '2026-12-06T00:00:00.000Z' });
    const { model: loaded, manifest } = deserializeModel(saved);
    if (manifest.kind !== 'gpc-sparse') expect.unreachable('a sparse GP artifact');
    expect(manifest.additiveTheta).toHaveLength(4);
    expect(manifest.kernelTheta).toHaveLength(3);
    expect(Array.from(loaded.predict(probe).probability)).toEqual(Array.from(additive.predict(probe).probability));
    expect(() => deserializeModel(editManifest(saved, (m) => (m.additiveTheta = [0, 0, 0])))).toThrow(/additiveTheta has 3 entries/);
  });

  it('keeps a learnt input warp through the artifact bitwise, and rejects a warp of the wrong length or sign', () => {
    const warped = MaintenanceModel.trainSparse(train, { sparse: { inducingPoints: 16, maxIterations: 10, additive: true, warp: true }, targetRecall: 0.9 });
    const saved = serializeModel(warped, { modelVersion: 'sparse-warped', createdAt: '2026-12-06T00:00:00.000Z' });
    const { model: loaded, manifest } = deserializeModel(saved);
    if (manifest.kind !== 'gpc-sparse') expect.unreachable('a sparse GP artifact');
    expect(manifest.inputWarp).toHaveLength(2 * manifest.nFeatures);
    expect(Array.from(loaded.predict(probe).probability)).toEqual(Array.from(warped.predict(probe).probability));
    expect(() => deserializeModel(editManifest(saved, (m) => (m.inputWarp = [0, 0, 0])))).toThrow(/inputWarp has 3 entries/);
    expect(() => deserializeModel(editManifest(saved, (m) => (m.inputWarp = (m.inputWarp as number[]).map(() => -1))))).toThrow(ArtifactError);
  });

  it('wraps an already fitted classifier, as Train does after a resumable fit', () => {
    const scaler = new StandardScaler().fit(train.X);
    const classifier = fitSparse(scaler.transform(train.X), train.y, { inducingPoints: 10, maxIterations: 3 });
    const wrapped = MaintenanceModel.fromClassifier(train, scaler, classifier, { targetRecall: 0.8 });
    expect(wrapped.threshold.targetRecall).toBe(0.8);
    const fewer = { ...train, X: fromRows([[0, 0], [1, 1]]), y: [0, 1] };
    expect(() => MaintenanceModel.fromClassifier(fewer, scaler, classifier)).toThrow(InvalidDataError);
  });
});
