/**
 * A throwaway workspace for the pipeline steps: a temporary folder as the object store
 * (FsObjectStore), DuckDB over its `lake/features/` (as the CLI wires them in
 * lambdas/cli/workspace.ts), the default AI4I contract, a clock the test sets, and a collector of
 * progress events. Training stays small (a few hundred rows) so that a full GP fit takes seconds.
 */
import { mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine } from '../../lambdas/adapters/local/duckdb-query-engine.ts';
import { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.ts';
import { type DataContract, DEFAULT_CONTRACT } from '../../lambdas/core/contract/contract.ts';
import { modelFeatureNames } from '../../lambdas/core/contract/encode.ts';
import { FEATURE_TABLE, featureTableColumns } from '../../lambdas/core/contract/table.ts';
import { AI4I_SOURCE_COLUMNS, type Ai4iSourceRecord, makeAi4iReadings, toAi4iSourceRecords } from '../../lambdas/core/data/ai4i.ts';
import { writeCsv } from '../../lambdas/core/data/csv.ts';
import { fromRows } from '../../lambdas/core/ml/dense.ts';
import { MaintenanceModel } from '../../lambdas/core/ml/maintenance-model.ts';
import { SeededRandom } from '../../lambdas/core/ml/random.ts';
import type { ObjectStore } from '../../lambdas/core/ports/object-store.ts';
import { saveModel } from '../../lambdas/core/registry/model-store.ts';
import type { StepContext, StepProgress } from '../../lambdas/core/steps/context.ts';
import { FEATURES_PREFIX, type IngestResult, LANDING_TRAINING_PREFIX, validateAndIngest } from '../../lambdas/core/steps/ingest.ts';
import type { PipelineConfig, RunInput } from '../../lambdas/core/steps/run-state.ts';
import { type SplitResult, splitAndScale } from '../../lambdas/core/steps/split-and-scale.ts';
import { buildTrainingSet, type TrainingSetResult } from '../../lambdas/core/steps/training-set.ts';
import { MAX_HOLDOUT_ROWS } from '../../lambdas/core/steps/step-limits.ts';
import { DEFAULT_REVIEW_LEVEL } from '../../lambdas/core/ml/review.ts';

/** The instant the fixture's clock starts at (the run's "now"). */
export const FIXED_NOW = new Date('2026-03-02T10:00:00.000Z');
/** The day runs are for; the training window ends on it. */
export const RUN_DATE = '2026-03-02';
/** When landed files were "uploaded" (their mtime, hence their `dt` partition) unless told otherwise. */
export const LANDED_AT = new Date('2026-03-01T08:30:00.000Z');

/** Pipeline settings sized for tests: a ≤ 300-row exact GP, and class minimums the sample data meets. */
export const SMALL_CONFIG: PipelineConfig = {
  targetRecall: 0.8,
  reviewLevel: DEFAULT_REVIEW_LEVEL,
  holdoutFraction: 0.3,
  maxHoldoutRows: MAX_HOLDOUT_ROWS,
  seed: 0,
  windowDays: 30,
  minRowsPerClass: 4,
  // The exact GP on a stratified sample (the split's ~350 training rows are over the cap).
  model: 'exact',
  maxTrainRows: 300,
  trainBudgetSeconds: 800,
  maxTrainRounds: 16,
  gateMargin: 0.02,
  kernel: 'rbf',
};

/** Rows and seed of the default sample file: 500 generated readings, 30 of them failures. */
export const SAMPLE_ROWS = 500;
export const SAMPLE_SEED = 7;

/** Generated AI4I readings as records of the published file (UDI from `firstUdi`). */
export function sampleRecords(rows: number, seed: number, firstUdi = 1): Ai4iSourceRecord[] {
  return toAi4iSourceRecords(makeAi4iReadings(rows, { seed }), firstUdi);
}

/** CSV text with the published AI4I header (what the default contract ingests). */
export function toCsv(records: readonly Ai4iSourceRecord[]): string {
  return writeCsv(records, AI4I_SOURCE_COLUMNS);
}

/** `rows` generated readings as CSV text. */
export function sampleCsv(rows = SAMPLE_ROWS, seed = SAMPLE_SEED, firstUdi = 1): string {
  return toCsv(sampleRecords(rows, seed, firstUdi));
}

export interface LandOptions {
  /** The file's upload time (its mtime: ingest partitions a contract without timestamps by it). @default LANDED_AT */
  readonly at?: Date;
}

export interface PipelineFixture {
  readonly root: string;
  readonly store: FsObjectStore;
  readonly queries: DuckDbQueryEngine;
  readonly contract: DataContract;
  readonly context: StepContext;
  /** Every progress event the steps reported, in order. */
  readonly progress: StepProgress[];
  /** What `context.now()` returns. */
  now: Date;
  /** Moves the clock on by `ms` milliseconds. */
  advance(ms: number): Date;
  /** Writes `body` to `landing/training/<name>` with mtime `at`, and returns its key. */
  land(name: string, body: string | Uint8Array, options?: LandOptions): Promise<string>;
  /** The file behind a key. */
  pathOf(key: string): string;
  /** The raw bytes stored under a key, read from disk (not through the store). */
  bytesOf(key: string): Promise<Buffer>;
  /** Keys under `prefix`, sorted. */
  keys(prefix: string): Promise<string[]>;
  /** The run input of one training run; `config` overrides are merged over SMALL_CONFIG. */
  runInput(overrides?: Partial<Omit<RunInput, 'config'>> & { config?: Partial<PipelineConfig> }): RunInput;
  close(): Promise<void>;
}

export async function createPipelineFixture(contract: DataContract = DEFAULT_CONTRACT): Promise<PipelineFixture> {
  const root = await mkdtemp(join(tmpdir(), 'prognos-'));
  const store = new FsObjectStore(root);
  const queries = await DuckDbQueryEngine.open({
    tables: [{ name: FEATURE_TABLE, root: join(root, ...FEATURES_PREFIX.split('/').filter(Boolean)), columns: featureTableColumns(contract), partitionColumn: 'dt' }],
  });
  const progress: StepProgress[] = [];
  const pathOf = (key: string): string => join(root, ...key.split('/'));
  const fixture: PipelineFixture = {
    root,
    store,
    queries,
    contract,
    progress,
    now: FIXED_NOW,
    context: {
      store,
      queries,
      contract,
      now: () => new Date(fixture.now.getTime()),
      progress: (event) => progress.push(event),
    },
    advance(ms) {
      fixture.now = new Date(fixture.now.getTime() + ms);
      return fixture.now;
    },
    async land(name, body, options = {}) {
      const key = `${LANDING_TRAINING_PREFIX}${name}`;
      await store.put(key, body);
      const at = options.at ?? LANDED_AT;
      await utimes(pathOf(key), at, at);
      return key;
    },
    pathOf,
    bytesOf: (key) => readFile(pathOf(key)),
    async keys(prefix) {
      return (await store.list(prefix)).map((object) => object.key);
    },
    runInput(overrides = {}) {
      const { config, ...rest } = overrides;
      return { runName: 'test-run', runDate: RUN_DATE, mode: 'full', files: [], ...rest, config: { ...SMALL_CONFIG, ...config } };
    },
    async close() {
      await queries.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Lands `csv` as `name` and ingests it; returns the key and the ingest result. */
export async function landAndIngest(fixture: PipelineFixture, name: string, csv: string, options?: LandOptions): Promise<{ key: string; result: IngestResult }> {
  const key = await fixture.land(name, csv, options);
  const result = await validateAndIngest({ key, runName: fixture.runInput().runName }, fixture.context);
  return { key, result };
}

/** The state after SplitAndScale, as the state machine would pass it to Train. */
export interface PreparedRun extends RunInput {
  readonly trainingSet: TrainingSetResult;
  readonly split: SplitResult;
}

/** BuildTrainingSet then SplitAndScale for `input`, over what is in the lake. */
export async function prepareRun(fixture: PipelineFixture, input: RunInput): Promise<PreparedRun> {
  const trainingSet = await buildTrainingSet(input, fixture.context);
  const withSet = { ...input, trainingSet };
  const split = await splitAndScale(withSet, fixture.context);
  return { ...withSet, split };
}

/** A model version as the registry writes them, e.g. `20260302T100000.000Z-0000000a` for n = 10. */
export function testVersion(n: number, at: Date = FIXED_NOW): string {
  return `${at.toISOString().replace(/[-:]/g, '')}-${n.toString(16).padStart(8, '0')}`;
}

/**
 * A small real model in milliseconds: 24 random rows, label = sign of the first column, kernel
 * hyperparameters fixed (no optimisation). For tests of the registry and of promotion, where what
 * matters is a complete, verifiable artifact rather than a good model.
 */
export function tinyModel(featureNames: readonly string[] = modelFeatureNames(DEFAULT_CONTRACT), seed = 1): MaintenanceModel {
  const rng = new SeededRandom(seed);
  const rows = Array.from({ length: 24 }, () => featureNames.map(() => rng.normal()));
  const y = rows.map((row, i) => (i < 2 ? i : Number(row[0] > 0)));
  return MaintenanceModel.train({ X: fromRows(rows), y, featureNames }, { gpc: { optimize: false } });
}

/** Saves a {@link tinyModel} as `version`; returns the model. */
export async function saveTinyModel(store: ObjectStore, version: string, featureNames?: readonly string[], seed = 1): Promise<MaintenanceModel> {
  const model = tinyModel(featureNames, seed);
  await saveModel(store, version, model, { createdAt: FIXED_NOW.toISOString() });
  return model;
}
