import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ArtifactError } from '../errors.ts';
import { GradientBoostingClassifier } from './boosting/gradient-boosting.ts';
import { ChallengerModel } from './challenger-model.ts';
import { denseMatrix } from './dense.ts';
import type { DeployedModel } from './deployed-model.ts';
import { type FitSummary, type FittedState, GaussianProcessClassifier } from './gpc.ts';
import { ConstantRbfKernel, type KernelJson } from './kernel.ts';
import { KERNEL_SHAPES } from './kernel-shape.ts';
import { LogisticRegression } from './logistic/logistic-regression.ts';
import { MaintenanceModel, type ThresholdRecord } from './maintenance-model.ts';
import type { ModelMetrics } from './metrics.ts';
import { STANDARD_SCALER_VERSION, StandardScaler, type StandardScalerJson } from './scaler.ts';
import { type SparseFitSummary, SparseGaussianProcessClassifier, type SparseState } from './sparse/svgp.ts';

/**
 * The versioned model artifact: everything needed to predict (scaler, GP posterior, feature
 * names, decision threshold) plus how it was made (fit summary, metrics, lineage), as one
 * directory of files:
 *
 *   manifest.json   JSON: format, version, kind, parameters, and one entry per payload with its sha256
 *
 * kind 'gpc-exact' (the exact GP with the Laplace approximation):
 *   x_train.f64     scaled training rows, n × p, row-major
 *   residual.f64    y − π at the posterior mode, n
 *   w_sqrt.f64      W½ at the mode, n
 *   chol_b.f64      lower Cholesky factor of B = I + W½KW½, packed: n(n+1)/2 values, row by row
 *
 * kind 'gpc-sparse' (the sparse variational GP; θ is kernelTheta in the manifest):
 *   inducing.f64    inducing inputs Z (scaled), m × p, row-major
 *   mean.f64        whitened variational mean μ, m
 *   chol_cov.f64    lower Cholesky factor L of the whitened variational covariance, packed: m(m+1)/2
 *
 * kinds 'logistic-regression' and 'gradient-boosting' (challengers, probability only): no payload;
 *   the manifest's `model` is the classifier's own toJSON() (coefficients, or trees), which JSON
 *   round-trips exactly, and the scaler and threshold sit beside it as for the GP kinds.
 *
 * Format version 2 added `kind`; a version-1 manifest (no kind) is an exact GP and still loads.
 * The challenger kinds came later within version 2: a build that predates them rejects such a
 * manifest with an "invalid kind" message, which is the right outcome (it cannot predict with it).
 *
 * Payloads are raw float64 little-endian, whatever the host, so numpy can read them with
 * `np.fromfile(f, '<f8').reshape(shape)`. Every float the predictions depend on is stored
 * exactly (binary payloads, JSON numbers, the kernel's log-hyperparameters θ themselves rather
 * than exp(θ)), so a loaded model predicts bitwise the same numbers as the one that was saved.
 */

/** Value of `format` in every manifest. */
export const ARTIFACT_FORMAT = 'prognos-model';
/** The manifest version this build writes; it reads this and every older one. */
export const ARTIFACT_FORMAT_VERSION = 2;
/** Versions this build reads: 1 (exact GP only, no `kind`) and 2. */
const READABLE_VERSIONS: readonly number[] = [1, 2];
/** Name of the manifest inside the artifact. */
export const MANIFEST_FILE = 'manifest.json';

/** What the caller adds to a model when saving it. */
export interface ArtifactInfo {
  /** Version label of the model, e.g. `2025-06-01T12-00-00Z` or a git-style id. */
  readonly modelVersion: string;
  /** ISO 8601 timestamp. @default now */
  readonly createdAt?: string;
  /** Metrics on the held-out test set. */
  readonly metrics?: ModelMetrics;
  /** Anything else worth keeping with the model (data summary, lineage); must be JSON-serialisable. */
  readonly extra?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Schemas. Each is typed against the interface of the module that owns the value, so the
// compiler flags any drift between what is written and what is read.

const finite = z.number();
const positiveFinite = z.number().positive();
const count = z.int().nonnegative();

const scalerJsonSchema: z.ZodType<StandardScalerJson> = z.object({
  kind: z.literal('StandardScaler'),
  version: z.literal(STANDARD_SCALER_VERSION),
  mean: z.array(finite).min(1),
  scale: z.array(positiveFinite).min(1),
});

const boundsSchema = z.tuple([positiveFinite, positiveFinite]);

const kernelJsonSchema: z.ZodType<KernelJson> = z.object({
  kind: z.literal('ConstantRbf'),
  /** Absent in artifacts written before the Matérn kernels: those are RBF. */
  shape: z.enum(KERNEL_SHAPES).default('rbf'),
  constant: positiveFinite,
  lengthScales: z.array(positiveFinite).min(1),
  constantBounds: boundsSchema,
  lengthScaleBounds: boundsSchema,
});

const thresholdRecordSchema: z.ZodType<ThresholdRecord> = z.object({
  value: finite,
  targetRecall: finite,
  recall: finite,
  precision: finite,
  source: z.enum(['leave-one-out', 'out-of-fold']),
  rocAuc: finite,
  /** Absent in artifacts from before the review level, and for models without uncertainty. */
  reviewLevel: z.number().gt(0).lt(0.5).optional(),
});

const stageSchema = z.enum(['subsample', 'full']);

const fitSummarySchema: z.ZodType<FitSummary> = z.object({
  nTrain: count,
  nPositive: count,
  theta: z.array(finite),
  kernel: z.string(),
  logMarginalLikelihood: finite,
  optimizer: z.object({
    starts: z.array(
      z.object({
        theta0: z.array(finite),
        theta: z.array(finite),
        logMarginalLikelihood: finite,
        iterations: count,
        reason: z.string(),
        stage: stageSchema,
      }),
    ),
    trace: z.array(finite),
    evaluations: count,
    newtonIterations: count,
  }),
  fitSeconds: z.number().nonnegative(),
});

const sparseFitSummarySchema: z.ZodType<SparseFitSummary> = z.object({
  nTrain: count,
  nPositive: count,
  nInducing: z.int().positive(),
  theta: z.array(finite),
  kernel: z.string(),
  elbo: finite,
  logMarginalLikelihood: finite,
  relevances: z.array(positiveFinite),
  optimizer: z.object({
    stages: z.array(
      z.object({
        stage: z.enum(['isotropic', 'ard', 'refine', 'minibatch', 'variational']),
        rows: count,
        iterations: count,
        evaluations: count,
        elbo: finite,
        reason: z.string(),
      }),
    ),
    trace: z.array(finite),
    variationalIterations: count,
  }),
  fitSeconds: z.number().nonnegative(),
});

const modelMetricsSchema: z.ZodType<ModelMetrics> = z.object({
  threshold: finite,
  confusion: z.object({ tp: count, fp: count, tn: count, fn: count }),
  accuracy: finite,
  precision: finite,
  recall: finite,
  specificity: finite,
  f1: finite,
  f2: finite,
  balancedAccuracy: finite,
  rocAuc: finite,
  averagePrecision: finite,
  brier: finite,
  logLoss: finite,
  nPositive: count,
  nNegative: count,
});

/** How a payload's values are laid out; `lower-packed` is the lower triangle, row by row. */
const layoutSchema = z.enum(['row-major', 'lower-packed']);
export type PayloadLayout = z.infer<typeof layoutSchema>;

const payloadEntrySchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a payload name is lower-case letters, digits and _'),
  // A bare file name: the reader joins it to the artifact directory, so no path may escape it.
  file: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/, 'a payload file is a bare file name inside the artifact'),
  dtype: z.literal('float64'),
  layout: layoutSchema,
  shape: z.array(count),
  byteLength: count,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 is 64 lower-case hex digits'),
});
/** One binary payload as the manifest describes it. */
export type PayloadEntry = z.infer<typeof payloadEntrySchema>;

const manifestHeaderSchema = z.object({ format: z.string(), formatVersion: z.number() });

const baseManifestShape = {
  format: z.literal(ARTIFACT_FORMAT),
  formatVersion: z.union([z.literal(1), z.literal(2)]),
  modelVersion: z.string().min(1),
  createdAt: z.iso.datetime({ offset: true }),
  featureNames: z.array(z.string().min(1)).min(1),
  scaler: scalerJsonSchema,
  threshold: thresholdRecordSchema,
  nTrain: z.int().positive(),
  nFeatures: z.int().positive(),
  metrics: modelMetricsSchema.optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
  payloads: z.array(payloadEntrySchema),
};

const commonManifestShape = {
  ...baseManifestShape,
  kernel: kernelJsonSchema,
  /** θ = [log c, log l…] exactly; `kernel` holds exp(θ) for readers, which may not invert bitwise. */
  kernelTheta: z.array(finite).min(2),
  threshold: thresholdRecordSchema,
  /** Exact: the Laplace log marginal likelihood. Sparse: the ELBO, a lower bound on it. */
  logMarginalLikelihood: finite,
};

const exactManifestSchema = z.object({ ...commonManifestShape, kind: z.literal('gpc-exact'), fitSummary: fitSummarySchema });
const sparseManifestSchema = z.object({
  ...commonManifestShape,
  kind: z.literal('gpc-sparse'),
  nInducing: z.int().positive(),
  fitSummary: sparseFitSummarySchema,
  /** An additive kernel's one-dimensional terms, [log a_1..p, log λ_1..p] exactly (ml/sparse/elbo.ts); absent for the others. */
  additiveTheta: z.array(finite).optional(),
  /** The input warp's [b⁺_1..p, b⁻_1..p] exactly (ml/sparse/input-warp.ts), each ≥ 0; absent: no warp. */
  inputWarp: z.array(finite.min(0)).optional(),
});
// The classifier's own schema checks `model` (in checkConsistency, through its load): one owner of that format.
const challengerModelSchema = z.record(z.string(), z.unknown());
const logisticManifestSchema = z.object({ ...baseManifestShape, kind: z.literal('logistic-regression'), model: challengerModelSchema });
const boostingManifestSchema = z.object({ ...baseManifestShape, kind: z.literal('gradient-boosting'), model: challengerModelSchema });
const artifactManifestSchema = z.discriminatedUnion('kind', [exactManifestSchema, sparseManifestSchema, logisticManifestSchema, boostingManifestSchema]);
/** The parsed, validated `manifest.json`. */
export type ArtifactManifest = z.infer<typeof artifactManifestSchema>;
export type ExactArtifactManifest = z.infer<typeof exactManifestSchema>;
export type SparseArtifactManifest = z.infer<typeof sparseManifestSchema>;
/** A GP's manifest: kernel, θ and log marginal likelihood are there. */
export type GpArtifactManifest = ExactArtifactManifest | SparseArtifactManifest;
/** A challenger's manifest: the classifier is `model`, and there is no payload. */
export type ChallengerArtifactManifest = z.infer<typeof logisticManifestSchema> | z.infer<typeof boostingManifestSchema>;

/** True for the kinds that carry a kernel (the GPs). */
export function isGpManifest(m: ArtifactManifest): m is GpArtifactManifest {
  return m.kind === 'gpc-exact' || m.kind === 'gpc-sparse';
}

// ---------------------------------------------------------------------------------------------
// Payload layout: one table, used by both the writer and the reader.

/** The sizes a payload's shape depends on: training rows n, features p, inducing points m (sparse). */
interface Dimensions {
  readonly n: number;
  readonly p: number;
  readonly m: number;
}

interface PayloadSpec<State> {
  readonly name: string;
  readonly layout: PayloadLayout;
  readonly shape: (dims: Dimensions) => number[];
  readonly extract: (state: State) => Float64Array;
}

const EXACT_PAYLOADS: readonly PayloadSpec<FittedState>[] = [
  { name: 'x_train', layout: 'row-major', shape: ({ n, p }) => [n, p], extract: (s) => s.xTrain.data },
  { name: 'residual', layout: 'row-major', shape: ({ n }) => [n], extract: (s) => s.residual },
  { name: 'w_sqrt', layout: 'row-major', shape: ({ n }) => [n], extract: (s) => s.wSqrt },
  // The strict upper triangle of L is zero: storing it would double the largest file for nothing.
  { name: 'chol_b', layout: 'lower-packed', shape: ({ n }) => [packedLength(n)], extract: (s) => packLower(s.cholB, s.xTrain.rows) },
];

const SPARSE_PAYLOADS: readonly PayloadSpec<SparseState>[] = [
  { name: 'inducing', layout: 'row-major', shape: ({ m, p }) => [m, p], extract: (s) => s.inducing },
  { name: 'mean', layout: 'row-major', shape: ({ m }) => [m], extract: (s) => s.mean },
  { name: 'chol_cov', layout: 'lower-packed', shape: ({ m }) => [packedLength(m)], extract: (s) => packLower(s.cholCov, s.mean.length) },
];

function payloadsOf(kind: ArtifactManifest['kind']): readonly PayloadSpec<never>[] {
  if (kind === 'logistic-regression' || kind === 'gradient-boosting') return [];
  return kind === 'gpc-sparse' ? SPARSE_PAYLOADS : EXACT_PAYLOADS;
}

function dimensionsOf(m: ArtifactManifest): Dimensions {
  if (!isGpManifest(m)) return { n: m.nTrain, p: m.nFeatures, m: 0 };
  return { n: m.nTrain, p: m.nFeatures, m: m.kind === 'gpc-sparse' ? m.nInducing : 0 };
}

const BYTES_PER_VALUE = Float64Array.BYTES_PER_ELEMENT;

function payloadFile(name: string): string {
  return `${name}.f64`;
}

/** Number of entries in the lower triangle (diagonal included) of an n×n matrix. */
export function packedLength(n: number): number {
  return (n * (n + 1)) / 2;
}

/** The lower triangle of the n×n row-major matrix `full`, row by row: L00, L10, L11, L20, … */
export function packLower(full: Float64Array, n: number): Float64Array {
  const packed = new Float64Array(packedLength(n));
  for (let i = 0, k = 0; i < n; i++) {
    packed.set(full.subarray(i * n, i * n + i + 1), k);
    k += i + 1;
  }
  return packed;
}

/** Inverse of {@link packLower}: the full n×n row-major matrix with a zero strict upper triangle. */
export function unpackLower(packed: Float64Array, n: number): Float64Array {
  if (packed.length !== packedLength(n)) {
    throw new ArtifactError(`packed triangle of a ${n}×${n} matrix needs ${packedLength(n)} values, got ${packed.length}`);
  }
  const full = new Float64Array(n * n);
  for (let i = 0, k = 0; i < n; i++) {
    full.set(packed.subarray(k, k + i + 1), i * n);
    k += i + 1;
  }
  return full;
}

/** float64 little-endian bytes, written through DataView so the result does not depend on the host. */
export function encodeFloat64(values: Float64Array): Uint8Array {
  const bytes = new Uint8Array(values.length * BYTES_PER_VALUE);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * BYTES_PER_VALUE, values[i], true);
  return bytes;
}

/** Inverse of {@link encodeFloat64}; `bytes` may sit at any offset (Node Buffers often do). */
export function decodeFloat64(bytes: Uint8Array): Float64Array {
  if (bytes.byteLength % BYTES_PER_VALUE !== 0) {
    throw new ArtifactError(`float64 payload of ${bytes.byteLength} bytes is not a multiple of ${BYTES_PER_VALUE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float64Array(bytes.byteLength / BYTES_PER_VALUE);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat64(i * BYTES_PER_VALUE, true);
  return values;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Index of the first NaN/±Infinity, or -1. */
function firstNonFinite(values: Float64Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

function assertFinitePayload(file: string, values: Float64Array): void {
  const i = firstNonFinite(values);
  if (i >= 0) {
    throw new ArtifactError(`payload ${file} has a non-finite value at index ${i} (${values[i]}); every value must be a finite number`);
  }
}

// ---------------------------------------------------------------------------------------------
// Manifest

/**
 * Validates a parsed `manifest.json`: format and version first (so a newer artifact gets a
 * version message, not a list of schema errors), then the schema, then agreement between parts.
 * @throws ArtifactError saying what is wrong and what was expected
 */
export function parseManifest(json: unknown): ArtifactManifest {
  const header = manifestHeaderSchema.safeParse(json);
  if (!header.success) {
    throw new ArtifactError(`not a model artifact manifest (needs "format" and "formatVersion"):\n${z.prettifyError(header.error)}`);
  }
  const { format, formatVersion } = header.data;
  if (format !== ARTIFACT_FORMAT) {
    throw new ArtifactError(`unknown artifact format ${JSON.stringify(format)}; expected ${JSON.stringify(ARTIFACT_FORMAT)}`);
  }
  if (!READABLE_VERSIONS.includes(formatVersion)) {
    throw new ArtifactError(`unsupported artifact format version ${formatVersion}; this build reads versions ${READABLE_VERSIONS.join(' and ')}`);
  }
  const record = json as Record<string, unknown>;
  if (formatVersion === 1 && 'kind' in record) {
    throw new ArtifactError('a version-1 manifest has no "kind" (only exact GPs were stored in version 1); this one has one');
  }
  if (formatVersion !== 1 && !('kind' in record)) {
    throw new ArtifactError(`invalid artifact manifest: version ${formatVersion} needs "kind" ('gpc-exact', 'gpc-sparse', 'logistic-regression' or 'gradient-boosting')`);
  }
  // Version 1 predates kinds: every version-1 artifact is an exact GP.
  const parsed = artifactManifestSchema.safeParse(formatVersion === 1 ? { ...record, kind: 'gpc-exact' } : json);
  if (!parsed.success) {
    throw new ArtifactError(`invalid artifact manifest:\n${z.prettifyError(parsed.error)}`);
  }
  checkConsistency(parsed.data);
  return parsed.data;
}

/** Cross-field checks the schema cannot express: counts that must agree, the payload set. */
function checkConsistency(m: ArtifactManifest): void {
  const p = m.featureNames.length;
  if (m.scaler.mean.length !== p || m.scaler.scale.length !== p) {
    throw new ArtifactError(
      `manifest has ${p} feature names but the scaler has ${m.scaler.mean.length} means and ${m.scaler.scale.length} scales; expected ${p} of each`,
    );
  }
  if (!isGpManifest(m)) {
    checkChallengerConsistency(m);
    return;
  }
  const nScales = m.kernel.lengthScales.length;
  if (nScales !== 1 && nScales !== p) {
    throw new ArtifactError(`manifest has ${p} feature names but the kernel has ${nScales} length scales; expected 1 (isotropic) or ${p}`);
  }
  if (m.nFeatures !== p) {
    throw new ArtifactError(`manifest has ${p} feature names but nFeatures is ${m.nFeatures}; they must match`);
  }
  const duplicate = m.featureNames.find((name, i) => m.featureNames.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new ArtifactError(`manifest names feature ${JSON.stringify(duplicate)} twice; feature names must be unique`);
  }
  if (m.kernelTheta.length !== 1 + nScales) {
    throw new ArtifactError(`kernelTheta has ${m.kernelTheta.length} entries; expected ${1 + nScales} (log constant and ${nScales} log length scale(s))`);
  }
  // A hand-edited kernel.constant would otherwise be silently ignored in favour of θ.
  [m.kernel.constant, ...m.kernel.lengthScales].forEach((value, i) => {
    const fromTheta = Math.exp(m.kernelTheta[i]);
    if (!(Math.abs(fromTheta - value) <= 1e-12 * Math.abs(value))) {
      throw new ArtifactError(`kernel hyperparameter ${i} is ${value} but exp(kernelTheta[${i}]) is ${fromTheta}; they must agree`);
    }
  });
  if (m.fitSummary.nTrain !== m.nTrain) {
    throw new ArtifactError(`fitSummary.nTrain is ${m.fitSummary.nTrain} but nTrain is ${m.nTrain}; they must match`);
  }
  if (m.kind === 'gpc-sparse' && m.additiveTheta !== undefined && (nScales !== p || m.additiveTheta.length !== 2 * p)) {
    throw new ArtifactError(`additiveTheta has ${m.additiveTheta.length} entries with ${nScales} length scale(s); an additive kernel needs ${p} length scales and ${2 * p} entries (log variance and log length scale per feature)`);
  }
  if (m.kind === 'gpc-sparse' && m.inputWarp !== undefined && m.inputWarp.length !== 2 * p) {
    throw new ArtifactError(`inputWarp has ${m.inputWarp.length} entries; a warp of ${p} features needs ${2 * p} (b+ and b- per feature)`);
  }
  if (m.kind === 'gpc-sparse' && m.fitSummary.nInducing !== m.nInducing) {
    throw new ArtifactError(`fitSummary.nInducing is ${m.fitSummary.nInducing} but nInducing is ${m.nInducing}; they must match`);
  }
  checkPayloadEntries(m.payloads, payloadsOf(m.kind), dimensionsOf(m));
}

/** The challenger's `model` must load, and agree with the manifest on rows and features. */
function checkChallengerConsistency(m: ChallengerArtifactManifest): void {
  if (m.formatVersion !== 2) throw new ArtifactError(`kind ${m.kind} needs format version 2, got ${m.formatVersion}`);
  const { summary } = loadChallenger(m);
  if (summary.nTrain !== m.nTrain) {
    throw new ArtifactError(`model.summary.nTrain is ${summary.nTrain} but nTrain is ${m.nTrain}; they must match`);
  }
  if (summary.nFeatures !== m.nFeatures) {
    throw new ArtifactError(`model.summary.nFeatures is ${summary.nFeatures} but nFeatures is ${m.nFeatures}; they must match`);
  }
  checkPayloadEntries(m.payloads, [], dimensionsOf(m));
}

/** The classifier a challenger manifest holds; its own load checks the format (errors are ArtifactErrors). */
function loadChallenger(m: ChallengerArtifactManifest): LogisticRegression | GradientBoostingClassifier {
  if (m.kind !== m.model.kind) {
    throw new ArtifactError(`manifest kind is ${m.kind} but its model says ${JSON.stringify(m.model.kind)}; they must match`);
  }
  return wrapErrors(`invalid ${m.kind} model`, () => (m.kind === 'logistic-regression' ? LogisticRegression.load(m.model) : GradientBoostingClassifier.load(m.model)));
}

function checkPayloadEntries(entries: readonly PayloadEntry[], specs: readonly PayloadSpec<never>[], dims: Dimensions): void {
  const expectedNames = specs.map((s) => s.name);
  for (const entry of entries) {
    if (!expectedNames.includes(entry.name)) {
      throw new ArtifactError(`manifest lists unknown payload ${JSON.stringify(entry.name)}; expected ${expectedNames.join(', ')}`);
    }
  }
  for (const spec of specs) {
    const matching = entries.filter((e) => e.name === spec.name);
    if (matching.length !== 1) {
      throw new ArtifactError(`manifest lists payload ${spec.name} ${matching.length} times; expected exactly once`);
    }
    const entry = matching[0];
    const shape = spec.shape(dims);
    const file = payloadFile(spec.name);
    if (entry.file !== file) {
      throw new ArtifactError(`payload ${spec.name} is in file ${entry.file}; expected ${file}`);
    }
    if (entry.layout !== spec.layout) {
      throw new ArtifactError(`payload ${file} has layout ${entry.layout}; expected ${spec.layout}`);
    }
    if (formatShape(entry.shape) !== formatShape(shape)) {
      const sizes = dims.m > 0 ? `${dims.m} inducing points and ${dims.p} features` : `${dims.n} training rows and ${dims.p} features`;
      throw new ArtifactError(`payload ${file} has shape ${formatShape(entry.shape)}; expected ${formatShape(shape)} for ${sizes}`);
    }
    const byteLength = product(shape) * BYTES_PER_VALUE;
    if (entry.byteLength !== byteLength) {
      throw new ArtifactError(`payload ${file} declares ${entry.byteLength} bytes; shape ${formatShape(shape)} of float64 needs ${byteLength}`);
    }
  }
}

function decodeManifest(bytes: Uint8Array | undefined): ArtifactManifest {
  if (bytes === undefined) throw new ArtifactError(`artifact has no ${MANIFEST_FILE}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ArtifactError(`${MANIFEST_FILE} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseManifest(json);
}

// ---------------------------------------------------------------------------------------------
// Serialise / deserialise in memory

/** Encodes the payloads of `specs` from `state` into `files`; returns their manifest entries. */
function writePayloads<State>(specs: readonly PayloadSpec<State>[], state: State, dims: Dimensions, files: Map<string, Uint8Array>): PayloadEntry[] {
  return specs.map((spec) => {
    const file = payloadFile(spec.name);
    const values = spec.extract(state);
    // Refuse to write what the reader would reject: fail at training time, not at deploy time.
    assertFinitePayload(file, values);
    const bytes = encodeFloat64(values);
    files.set(file, bytes);
    return { name: spec.name, file, dtype: 'float64', layout: spec.layout, shape: spec.shape(dims), byteLength: bytes.byteLength, sha256: sha256Hex(bytes) };
  });
}

function serialize(model: DeployedModel, info: ArtifactInfo): { files: Map<string, Uint8Array>; manifest: ArtifactManifest } {
  const p = model.featureNames.length;
  const files = new Map<string, Uint8Array>();
  const base: Omit<ChallengerArtifactManifest, 'kind' | 'model' | 'nTrain' | 'payloads'> = {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    modelVersion: info.modelVersion,
    createdAt: info.createdAt ?? new Date().toISOString(),
    featureNames: [...model.featureNames],
    scaler: model.scaler.toJSON(),
    threshold: model.threshold,
    nFeatures: p,
    ...(info.metrics !== undefined && { metrics: info.metrics }),
    ...(info.extra !== undefined && { extra: info.extra }),
  };
  let draft: ArtifactManifest;
  if (!model.hasUncertainty) {
    const json = model.classifier.toJSON();
    const nTrain = model.classifier.summary.nTrain;
    draft = json.kind === 'logistic-regression' ? { ...base, kind: json.kind, model: json, nTrain, payloads: [] } : { ...base, kind: json.kind, model: json, nTrain, payloads: [] };
    return writeManifest(draft, files);
  }
  const { classifier } = model;
  const kernel = classifier.kernel;
  const common: Omit<ExactArtifactManifest, 'kind' | 'fitSummary' | 'logMarginalLikelihood' | 'nTrain' | 'payloads'> = {
    ...base,
    kernel: kernel.toJSON(),
    kernelTheta: Array.from(kernel.theta),
  };
  if (classifier instanceof SparseGaussianProcessClassifier) {
    const state = classifier.state;
    const n = classifier.summary.nTrain;
    const m = classifier.nInducing;
    const payloads = writePayloads(SPARSE_PAYLOADS, state, { n, p, m }, files);
    const additive = classifier.additiveTheta;
    draft = {
      ...common,
      kind: 'gpc-sparse',
      nInducing: m,
      fitSummary: classifier.summary,
      logMarginalLikelihood: classifier.summary.elbo,
      nTrain: n,
      payloads,
      ...(additive && { additiveTheta: Array.from(additive) }),
      ...(state.warp && { inputWarp: Array.from(state.warp) }),
    };
  } else {
    const state = classifier.state;
    const n = state.xTrain.rows;
    const payloads = writePayloads(EXACT_PAYLOADS, state, { n, p, m: 0 }, files);
    draft = { ...common, kind: 'gpc-exact', fitSummary: classifier.summary, logMarginalLikelihood: state.logMarginalLikelihood, nTrain: n, payloads };
  }
  return writeManifest(draft, files);
}

/** Adds `manifest.json` last, once the manifest reads back. */
function writeManifest(draft: ArtifactManifest, files: Map<string, Uint8Array>): { files: Map<string, Uint8Array>; manifest: ArtifactManifest } {
  const text = `${JSON.stringify(draft, null, 2)}\n`;
  let manifest: ArtifactManifest;
  try {
    // Read back what was just written, so a model this build cannot load is never saved.
    manifest = parseManifest(JSON.parse(text));
  } catch (error) {
    throw new ArtifactError(`refusing to write a model artifact this build could not read: ${(error as Error).message}`, { cause: error });
  }
  files.set(MANIFEST_FILE, new TextEncoder().encode(text));
  return { files, manifest };
}

/**
 * The artifact as files in memory: file name → bytes, payloads first and `manifest.json` last
 * (iteration order is a safe write order).
 * @throws ArtifactError when the model holds a value the artifact cannot represent (NaN, ±Infinity)
 * @throws NotFittedError when the classifier was never fitted
 */
export function serializeModel(model: DeployedModel, info: ArtifactInfo): Map<string, Uint8Array> {
  return serialize(model, info).files;
}

/** Checks one payload (present, length, checksum, finite) and decodes it. */
function readPayload(entry: PayloadEntry, bytes: Uint8Array | undefined): Float64Array {
  const { file } = entry;
  if (bytes === undefined) {
    throw new ArtifactError(`payload ${file} is missing: the manifest lists it but the artifact has no such file`);
  }
  if (bytes.byteLength !== entry.byteLength) {
    throw new ArtifactError(
      `payload ${file} has ${bytes.byteLength} bytes; expected ${entry.byteLength} (float64 ${formatShape(entry.shape)}), so it is truncated or from another artifact`,
    );
  }
  const digest = sha256Hex(bytes);
  if (digest !== entry.sha256) {
    throw new ArtifactError(`payload ${file} is corrupt: sha256 ${digest} expected ${entry.sha256}`);
  }
  const values = decodeFloat64(bytes);
  assertFinitePayload(file, values);
  return values;
}

/** Rebuilds the model from a validated manifest and a way to fetch payload bytes by file name. */
function restoreModel(manifest: ArtifactManifest, fetch: (file: string) => Uint8Array | undefined): DeployedModel {
  if (!isGpManifest(manifest)) {
    return wrapErrors('cannot rebuild the model', () => new ChallengerModel(manifest.featureNames, StandardScaler.load(manifest.scaler), loadChallenger(manifest), manifest.threshold));
  }
  const values = new Map<string, Float64Array>();
  for (const entry of manifest.payloads) values.set(entry.name, readPayload(entry, fetch(entry.file)));
  const get = (name: string): Float64Array => values.get(name)!; // parseManifest guarantees every name
  if (manifest.kind === 'gpc-sparse') return restoreSparseModel(manifest, get);

  const n = manifest.nTrain;
  const p = manifest.nFeatures;
  const cholB = unpackLower(get('chol_b'), n);
  for (let i = 0; i < n; i++) {
    // A zero or negative pivot would turn every prediction into NaN or garbage.
    if (!(cholB[i * n + i] > 0)) {
      throw new ArtifactError(`payload chol_b.f64: diagonal entry ${i} is ${cholB[i * n + i]}; a Cholesky factor needs a positive diagonal`);
    }
  }
  const state: FittedState = {
    xTrain: denseMatrix(n, p, get('x_train')),
    residual: get('residual'),
    wSqrt: get('w_sqrt'),
    cholB,
    logMarginalLikelihood: manifest.logMarginalLikelihood,
  };
  return wrapErrors('cannot rebuild the model', () => {
    const scaler = StandardScaler.load(manifest.scaler);
    const kernel = ConstantRbfKernel.load(manifest.kernel, p);
    kernel.theta = manifest.kernelTheta; // exact θ: exp/log would not round-trip bitwise
    const classifier = GaussianProcessClassifier.fromState(kernel, state, manifest.fitSummary);
    return new MaintenanceModel(manifest.featureNames, scaler, classifier, manifest.threshold);
  });
}

function restoreSparseModel(manifest: SparseArtifactManifest, get: (name: string) => Float64Array): MaintenanceModel {
  const m = manifest.nInducing;
  const cholCov = unpackLower(get('chol_cov'), m);
  for (let i = 0; i < m; i++) {
    if (!(cholCov[i * m + i] > 0)) {
      throw new ArtifactError(`payload chol_cov.f64: diagonal entry ${i} is ${cholCov[i * m + i]}; a Cholesky factor needs a positive diagonal`);
    }
  }
  return wrapErrors('cannot rebuild the model', () => {
    const scaler = StandardScaler.load(manifest.scaler);
    const state: SparseState = {
      theta: Float64Array.from([...manifest.kernelTheta, ...(manifest.additiveTheta ?? [])]), // exact θ: exp/log would not round-trip bitwise
      inducing: get('inducing'),
      mean: get('mean'),
      cholCov,
      nFeatures: manifest.nFeatures,
      constantBounds: manifest.kernel.constantBounds,
      lengthScaleBounds: manifest.kernel.lengthScaleBounds,
      kernel: manifest.kernel.shape,
      ...(manifest.inputWarp && { warp: Float64Array.from(manifest.inputWarp) }),
    };
    const classifier = SparseGaussianProcessClassifier.fromState(state, manifest.fitSummary);
    return new MaintenanceModel(manifest.featureNames, scaler, classifier, manifest.threshold);
  });
}

/** Runs `build`, turning any error other than ArtifactError into one that says `what` failed. */
function wrapErrors<T>(what: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ArtifactError) throw error;
    throw new ArtifactError(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Rebuilds a model from the files of {@link serializeModel}, verifying every payload.
 * @throws ArtifactError for an unknown format or version, invalid manifest, missing, truncated,
 *   corrupt (sha256) or non-finite payload, or parts that disagree (feature names vs scaler/kernel)
 */
export function deserializeModel(files: ReadonlyMap<string, Uint8Array>): { model: DeployedModel; manifest: ArtifactManifest } {
  const manifest = decodeManifest(files.get(MANIFEST_FILE));
  return { model: restoreModel(manifest, (file) => files.get(file)), manifest };
}
