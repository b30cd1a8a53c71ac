import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeMoons } from '../../../lambdas/cli/sample-data/moons.ts';
import { ArtifactError } from '../../../lambdas/core/errors.ts';
import {
  ARTIFACT_FORMAT,
  ARTIFACT_FORMAT_VERSION,
  decodeFloat64,
  deserializeModel,
  encodeFloat64,
  packedLength,
  packLower,
  parseManifest,
  serializeModel,
  unpackLower,
} from '../../../lambdas/core/ml/artifact.ts';
import { denseMatrix, fromRows, type DenseMatrix } from '../../../lambdas/core/ml/dense.ts';
import { GaussianProcessClassifier } from '../../../lambdas/core/ml/gpc.ts';
import { MaintenanceModel, type MaintenancePrediction } from '../../../lambdas/core/ml/maintenance-model.ts';
import { evaluate } from '../../../lambdas/core/ml/metrics.ts';
import { asGp } from '../../support/deployed.ts';

const FIXED_KERNEL = { optimize: false, kernel: { constant: 4, lengthScale: 0.7 } } as const;

/** Rows to predict: fresh moons, plus points far outside the training range. */
function probeRows(): DenseMatrix {
  const moons = makeMoons(60, { seed: 2 }).X;
  const far = fromRows([
    [5, 5],
    [-4, 0.5],
    [0.5, 0.25],
  ]);
  const data = new Float64Array(moons.data.length + far.data.length);
  data.set(moons.data);
  data.set(far.data, moons.data.length);
  return denseMatrix(moons.rows + far.rows, 2, data);
}

/** Counts entries that differ under Object.is (so -0 vs 0 and NaN are caught too). */
function bitwiseMismatches(actual: Float64Array, expected: Float64Array): number[] {
  expect(actual.length).toBe(expected.length);
  const bad: number[] = [];
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) bad.push(i);
  return bad;
}

function expectSamePredictions(actual: MaintenancePrediction, expected: MaintenancePrediction): void {
  expect(expected.probability.length).toBeGreaterThan(0);
  expect(bitwiseMismatches(actual.probability, expected.probability), 'probability').toEqual([]);
  expect(bitwiseMismatches(actual.latentMean, expected.latentMean), 'latentMean').toEqual([]);
  expect(bitwiseMismatches(actual.latentStd, expected.latentStd), 'latentStd').toEqual([]);
  expect(Array.from(actual.label)).toEqual(Array.from(expected.label));
}

function expectSameModel(loaded: MaintenanceModel, original: MaintenanceModel): void {
  expect(loaded.featureNames).toEqual(original.featureNames);
  expect(loaded.threshold).toEqual(original.threshold);
  expect(loaded.fitSummary).toEqual(original.fitSummary);
  expect(bitwiseMismatches(loaded.classifier.kernel.theta, original.classifier.kernel.theta)).toEqual([]);
  const probe = probeRows();
  expectSamePredictions(loaded.predict(probe), original.predict(probe));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A copy of the files with the manifest replaced by `edit` applied to its JSON. */
function withManifest(files: ReadonlyMap<string, Uint8Array>, edit: (manifest: Record<string, unknown>) => void): Map<string, Uint8Array> {
  const copy = new Map(files);
  const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as Record<string, unknown>;
  edit(manifest);
  copy.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
  return copy;
}

/** Payload entries of a raw manifest, for tests that tamper with them. */
function payloadEntries(manifest: Record<string, unknown>): Array<Record<string, unknown>> {
  return manifest.payloads as Array<Record<string, unknown>>;
}

function expectArtifactError(run: () => unknown, message: RegExp): void {
  expect(run).toThrow(ArtifactError);
  expect(run).toThrow(message);
}

describe('model artifact', () => {
  const train = makeMoons(120, { seed: 1 });
  let model: MaintenanceModel<GaussianProcessClassifier>;
  let files: Map<string, Uint8Array>;

  beforeAll(() => {
    model = MaintenanceModel.train(train, { gpc: FIXED_KERNEL });
    files = serializeModel(model, { modelVersion: 'test-1', createdAt: '2025-01-02T03:04:05.000Z' });
  });

  describe('round trip', () => {
    it('in memory gives bitwise-identical predictions, threshold, feature names and summary', () => {
      const { model: loaded, manifest } = deserializeModel(files);
      expectSameModel(asGp(loaded), model);
      expect(manifest.format).toBe(ARTIFACT_FORMAT);
      expect(manifest.formatVersion).toBe(ARTIFACT_FORMAT_VERSION);
      expect(manifest.modelVersion).toBe('test-1');
      expect(manifest.createdAt).toBe('2025-01-02T03:04:05.000Z');
      expect(manifest.nTrain).toBe(120);
      expect(manifest.nFeatures).toBe(2);
    });

    it('restores the fitted state exactly, including the zero upper triangle of the Cholesky factor', () => {
      const original = model.classifier.state;
      const loaded = deserializeModel(files).model.classifier;
      if (!(loaded instanceof GaussianProcessClassifier)) throw new Error('an exact model must load as the exact classifier');
      const restored = loaded.state;
      expect(bitwiseMismatches(restored.xTrain.data, original.xTrain.data)).toEqual([]);
      expect(bitwiseMismatches(restored.residual, original.residual)).toEqual([]);
      expect(bitwiseMismatches(restored.wSqrt, original.wSqrt)).toEqual([]);
      expect(bitwiseMismatches(restored.cholB, original.cholB)).toEqual([]);
      expect(restored.logMarginalLikelihood).toBe(original.logMarginalLikelihood);
    });

    it('keeps metrics and extra information', () => {
      const test = makeMoons(60, { seed: 3 });
      const metrics = evaluate(test.y, model.predict(test.X).probability, model.threshold.value);
      const extra = { data: { rows: 120, source: 'moons' }, lineage: ['seed 1'] };
      const { manifest } = deserializeModel(serializeModel(model, { modelVersion: 'm', metrics, extra }));
      expect(manifest.metrics).toEqual(metrics);
      expect(manifest.extra).toEqual(extra);
    });

    it('keeps the review level with the threshold; an artifact from before the level loads without one (the default applies)', () => {
      const { model: withLevel, manifest } = deserializeModel(serializeModel(model.withReviewLevel(0.3), { modelVersion: 'r' }));
      expect(withLevel.threshold).toEqual({ ...model.threshold, reviewLevel: 0.3 });
      expect(manifest.threshold.reviewLevel).toBe(0.3);
      // The fixture's model was trained without a level: what every artifact before it looks like.
      expect(deserializeModel(files).model.threshold).not.toHaveProperty('reviewLevel');
      expect(() => model.withReviewLevel(0.5)).toThrow(RangeError);
    });

    it('rejects a review level outside (0, ½)', () => {
      const json = JSON.parse(new TextDecoder().decode(serializeModel(model.withReviewLevel(0.3), { modelVersion: 'r' }).get('manifest.json'))) as { threshold: { reviewLevel: number } };
      json.threshold.reviewLevel = 0.7;
      expectArtifactError(() => parseManifest(json), /reviewLevel/);
    });

    it('is exact for a model with optimised hyperparameters', () => {
      const optimised = MaintenanceModel.train(train, { gpc: { kernel: { constant: 4, lengthScale: 0.7 } } });
      // The optimiser moved θ away from its start, so θ really went through the artifact.
      expect(optimised.classifier.kernel.theta[0]).not.toBe(Math.log(4));
      expect(optimised.fitSummary.optimizer.evaluations).toBeGreaterThan(1);
      const { model: loaded } = deserializeModel(serializeModel(optimised, { modelVersion: 'opt' }));
      expectSameModel(asGp(loaded), optimised);
    });
  });

  describe('payloads', () => {
    it('stores the Cholesky factor packed: n(n+1)/2 float64 values', () => {
      const { manifest } = deserializeModel(files);
      const n = 120;
      const entry = manifest.payloads.find((p) => p.name === 'chol_b')!;
      expect(entry.shape).toEqual([(n * (n + 1)) / 2]);
      expect(entry.layout).toBe('lower-packed');
      expect(files.get('chol_b.f64')!.byteLength).toBe(8 * 7260);
      expect(entry.byteLength).toBe(8 * 7260);
    });

    it('lists every payload with shape, byte length and the sha256 of its bytes', () => {
      const { manifest } = deserializeModel(files);
      expect(manifest.payloads.map((p) => [p.name, p.file, p.shape])).toEqual([
        ['x_train', 'x_train.f64', [120, 2]],
        ['residual', 'residual.f64', [120]],
        ['w_sqrt', 'w_sqrt.f64', [120]],
        ['chol_b', 'chol_b.f64', [7260]],
      ]);
      for (const p of manifest.payloads) {
        expect(p.dtype).toBe('float64');
        expect(p.byteLength).toBe(files.get(p.file)!.byteLength);
        expect(p.sha256).toBe(sha256(files.get(p.file)!));
      }
    });

    it('writes float64 little-endian whatever the host', () => {
      const bytes = files.get('residual.f64')!;
      const expected = Buffer.alloc(8);
      expected.writeDoubleLE(model.classifier.state.residual[0]);
      expect(Buffer.from(bytes.subarray(0, 8))).toEqual(expected);
      expect(Array.from(encodeFloat64(Float64Array.of(1)))).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    });

    it('decodes bytes at an unaligned offset', () => {
      const values = Float64Array.of(1.5, -0, Math.PI);
      const shifted = new Uint8Array(25);
      shifted.set(encodeFloat64(values), 1);
      expect(bitwiseMismatches(decodeFloat64(shifted.subarray(1)), values)).toEqual([]);
    });

    it('packs the lower triangle row by row and unpacks it with a zero upper part', () => {
      const full = Float64Array.of(1, 0, 0, 2, 3, 0, 4, 5, 6);
      const packed = packLower(full, 3);
      expect(Array.from(packed)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(packedLength(3)).toBe(6);
      expect(Array.from(unpackLower(packed, 3))).toEqual(Array.from(full));
    });
  });

  describe('loading rejects a damaged artifact with ArtifactError', () => {
    it('a flipped byte in a payload: checksum mismatch', () => {
      const bytes = files.get('chol_b.f64')!.slice();
      bytes[1234] ^= 0x01;
      const damaged = new Map(files).set('chol_b.f64', bytes);
      expectArtifactError(() => deserializeModel(damaged), /payload chol_b\.f64 is corrupt: sha256 [0-9a-f]{64} expected [0-9a-f]{64}/);
    });

    it('a truncated payload', () => {
      const damaged = new Map(files).set('x_train.f64', files.get('x_train.f64')!.subarray(0, 1000));
      expectArtifactError(() => deserializeModel(damaged), /payload x_train\.f64 has 1000 bytes; expected 1920 \(float64 \[120, 2\]\)/);
    });

    it('a missing payload', () => {
      const damaged = new Map(files);
      damaged.delete('w_sqrt.f64');
      expectArtifactError(() => deserializeModel(damaged), /payload w_sqrt\.f64 is missing/);
    });

    it('a newer format version', () => {
      const damaged = withManifest(files, (m) => {
        m.formatVersion = ARTIFACT_FORMAT_VERSION + 1;
      });
      expectArtifactError(() => deserializeModel(damaged), /unsupported artifact format version 3; this build reads versions 1 and 2/);
    });

    it('another format', () => {
      const damaged = withManifest(files, (m) => {
        m.format = 'other-model';
      });
      expectArtifactError(() => deserializeModel(damaged), /unknown artifact format "other-model"; expected "prognos-model"/);
    });

    it('a manifest that is not JSON', () => {
      const damaged = new Map(files).set('manifest.json', new TextEncoder().encode('{"format": "prognos-model", garbage'));
      expectArtifactError(() => deserializeModel(damaged), /manifest\.json is not valid JSON/);
    });

    it('no manifest at all', () => {
      const damaged = new Map(files);
      damaged.delete('manifest.json');
      expectArtifactError(() => deserializeModel(damaged), /artifact has no manifest\.json/);
    });

    it('a non-finite value, even with a matching checksum', () => {
      const values = decodeFloat64(files.get('residual.f64')!);
      values[3] = Number.NaN;
      const bytes = encodeFloat64(values);
      const damaged = withManifest(files, (m) => {
        payloadEntries(m).find((p) => p.name === 'residual')!.sha256 = sha256(bytes);
      }).set('residual.f64', bytes);
      expectArtifactError(() => deserializeModel(damaged), /payload residual\.f64 has a non-finite value at index 3 \(NaN\)/);
    });

    it('a shape that does not match the number of training rows', () => {
      const damaged = withManifest(files, (m) => {
        payloadEntries(m).find((p) => p.name === 'residual')!.shape = [119];
      });
      expectArtifactError(() => deserializeModel(damaged), /payload residual\.f64 has shape \[119\]; expected \[120\]/);
    });

    it('a byte length that does not match the shape', () => {
      const damaged = withManifest(files, (m) => {
        payloadEntries(m).find((p) => p.name === 'w_sqrt')!.byteLength = 100;
      });
      expectArtifactError(() => deserializeModel(damaged), /payload w_sqrt\.f64 declares 100 bytes; shape \[120\] of float64 needs 960/);
    });

    it('feature names that do not match the scaler', () => {
      const damaged = withManifest(files, (m) => {
        m.featureNames = ['x0', 'x1', 'x2'];
      });
      expectArtifactError(() => deserializeModel(damaged), /manifest has 3 feature names but the scaler has 2 means and 2 scales; expected 3 of each/);
    });

    it('feature names that do not match an ARD kernel', () => {
      const damaged = withManifest(files, (m) => {
        const kernel = m.kernel as { lengthScales: number[] };
        const theta = m.kernelTheta as number[];
        kernel.lengthScales = [0.7, 0.7, 0.7];
        m.kernelTheta = [theta[0], theta[1], theta[1], theta[1]];
      });
      expectArtifactError(() => deserializeModel(damaged), /manifest has 2 feature names but the kernel has 3 length scales; expected 1 \(isotropic\) or 2/);
    });

    it('a payload file name that would leave the artifact directory', () => {
      const damaged = withManifest(files, (m) => {
        payloadEntries(m)[0].file = '../x_train.f64';
      });
      expectArtifactError(() => deserializeModel(damaged), /invalid artifact manifest[\s\S]*bare file name/);
    });
  });

  describe('parseManifest', () => {
    it('accepts the manifest the writer produced', () => {
      const json: unknown = JSON.parse(new TextDecoder().decode(files.get('manifest.json')));
      expect(parseManifest(json).modelVersion).toBe('test-1');
    });

    it('rejects a value that is not a manifest at all', () => {
      expectArtifactError(() => parseManifest(42), /not a model artifact manifest/);
      expectArtifactError(() => parseManifest({ format: ARTIFACT_FORMAT, formatVersion: 1 }), /invalid artifact manifest/);
    });
  });

  describe('writing', () => {
    it('refuses a model holding a non-finite value, instead of saving what cannot be loaded', () => {
      const { classifier } = model;
      const residual = classifier.state.residual.slice();
      residual[5] = Number.POSITIVE_INFINITY;
      const broken = new MaintenanceModel(
        model.featureNames,
        model.scaler,
        GaussianProcessClassifier.fromState(classifier.kernel, { ...classifier.state, residual }, classifier.summary),
        model.threshold,
      );
      expectArtifactError(() => serializeModel(broken, { modelVersion: 'broken' }), /payload residual\.f64 has a non-finite value at index 5 \(Infinity\)/);
    });

    it('refuses an invalid createdAt or an empty model version', () => {
      expectArtifactError(() => serializeModel(model, { modelVersion: 'x', createdAt: 'yesterday' }), /refusing to write[\s\S]*createdAt/);
      expectArtifactError(() => serializeModel(model, { modelVersion: '' }), /refusing to write[\s\S]*modelVersion/);
    });
  });
});
