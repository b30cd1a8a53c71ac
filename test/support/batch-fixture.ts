/**
 * A throwaway workspace for batch inference: the pipeline fixture's temporary FsObjectStore, a
 * small real champion (300 generated readings, fixed kernel hyperparameters: trained in well
 * under a second) with the training reference that drift compares batches with, files landed
 * under `landing/inference/`, an orchestrator that records the retrains it is asked to start,
 * and the real `statemachines/batch-inference.asl.json` run by the local runner with the real steps.
 */
import { fileURLToPath } from 'node:url';
import { objectStoreItemReader } from '../../lambdas/adapters/local/distributed-map.ts';
import { type RunEvent, type RunOutcome, runStateMachine } from '../../lambdas/adapters/local/state-machine-runner.ts';
import { DEFAULT_CONTRACT } from '../../lambdas/core/contract/contract.ts';
import { encodeRows, labelsOf, modelFeatureNames } from '../../lambdas/core/contract/encode.ts';
import { type Ai4iSourceRecord } from '../../lambdas/cli/sample-data/ai4i.ts';
import { buildReference } from '../../lambdas/core/drift/reference.ts';
import { GradientBoostingClassifier } from '../../lambdas/core/ml/boosting/gradient-boosting.ts';
import { type ChallengerClassifier, type ChallengerKind, ChallengerModel } from '../../lambdas/core/ml/challenger-model.ts';
import type { DenseMatrix } from '../../lambdas/core/ml/dense.ts';
import type { DeployedModel } from '../../lambdas/core/ml/deployed-model.ts';
import { LogisticRegression } from '../../lambdas/core/ml/logistic/logistic-regression.ts';
import { MaintenanceModel } from '../../lambdas/core/ml/maintenance-model.ts';
import { StandardScaler } from '../../lambdas/core/ml/scaler.ts';
import type { ObjectStore } from '../../lambdas/core/ports/object-store.ts';
import type { Orchestrator } from '../../lambdas/core/ports/orchestrator.ts';
import { promoteChampion, readChampion } from '../../lambdas/core/registry/champion.ts';
import { saveModel } from '../../lambdas/core/registry/model-store.ts';
import { type BatchConfig, batchConfigSchema, type BatchStepContext } from '../../lambdas/core/steps/batch/batch-state.ts';
import { BATCH_STEPS } from '../../lambdas/core/steps/batch/index.ts';
import { readReadingsCsv } from '../../lambdas/core/steps/readings-csv.ts';
import { createPipelineFixture, FIXED_NOW, type PipelineFixture, sampleRecords, testVersion, toCsv } from './pipeline-fixture.ts';
import { LANDING_INFERENCE_PREFIX } from '../../lambdas/core/storage-keys.ts';

export const BATCH_DEFINITION = fileURLToPath(new URL('../../statemachines/batch-inference.asl.json', import.meta.url));

/** Rows and seed of the champion's training data. */
export const CHAMPION_ROWS = 300;
export const CHAMPION_SEED = 3;

/** What the recording orchestrator was asked to start. */
export interface StartRequest {
  readonly name: string;
  readonly input: unknown;
}

/** Records each start; a name it has seen starts nothing (as Step Functions' ExecutionAlreadyExists). */
export class RecordingOrchestrator implements Orchestrator {
  readonly requests: StartRequest[] = [];

  async start(name: string, input: unknown): Promise<{ started: boolean; executionId: string }> {
    const started = !this.requests.some((request) => request.name === name);
    this.requests.push({ name, input });
    return { started, executionId: `arn:aws:states:us-east-1:123456789012:execution:training:${name}` };
  }
}

export interface RunBatchOptions {
  /** Collects the live view's events. */
  readonly events?: RunEvent[];
  /** Runs again under a name that has a record (as `prognos infer` does after a failed attempt). */
  readonly replace?: boolean;
  /** The store the steps use instead of the fixture's (to make one file fail, say); the listing still reads the fixture's. */
  readonly store?: ObjectStore;
}

export interface BatchFixture extends PipelineFixture {
  readonly retrain: RecordingOrchestrator;
  readonly batchContext: BatchStepContext;
  readonly runsDir: string;
  /** Writes `body` to `landing/inference/<name>` and returns its key. */
  landInference(name: string, body: string | Uint8Array): Promise<string>;
  /**
   * Trains and promotes a small champion; `reference: false` leaves out the training reference (a
   * model from before drift monitoring). `challenger`: a model of that kind instead of the GP
   * (no latent variance, so no reference, as Train stores none for it).
   */
  promoteChampion(options?: { readonly reference?: boolean; readonly n?: number; readonly challenger?: ChallengerKind; readonly reviewLevel?: number }): Promise<string>;
  /** Runs the batch inference state machine over `landing/inference/` as `executionName`. */
  runBatch(executionName: string, config?: Partial<BatchConfig>, options?: RunBatchOptions): Promise<RunOutcome>;
}

/** Readings to score: generated AI4I rows (UDI from `firstUdi`), optionally changed (to make drift). */
export function inferenceCsv(rows: number, seed: number, firstUdi: number, change?: (record: Ai4iSourceRecord) => Ai4iSourceRecord): string {
  const records = sampleRecords(rows, seed, firstUdi);
  return toCsv(change ? records.map(change) : records);
}

/** Air 8 K warmer than in training (its sd is about 2 K): every batch drawn like this drifts. */
export function warmer(record: Ai4iSourceRecord): Ai4iSourceRecord {
  return { ...record, 'Air temperature [K]': Math.round((Number(record['Air temperature [K]']) + 8) * 10) / 10 };
}

export async function createBatchFixture(): Promise<BatchFixture> {
  const base = await createPipelineFixture(DEFAULT_CONTRACT);
  const retrain = new RecordingOrchestrator();
  const fixture = base as BatchFixture;
  const runsDir = `${base.root}/runs`;
  Object.assign(fixture, {
    retrain,
    runsDir,
    batchContext: { ...base.context, retrain },
    async landInference(name: string, body: string | Uint8Array) {
      const key = `${LANDING_INFERENCE_PREFIX}${name}`;
      await base.store.put(key, body);
      return key;
    },
    async promoteChampion(options: { reference?: boolean; n?: number; challenger?: ChallengerKind; reviewLevel?: number } = {}) {
      const { valid } = await readReadingsCsv('training.csv', new TextEncoder().encode(toCsv(sampleRecords(CHAMPION_ROWS, CHAMPION_SEED))), DEFAULT_CONTRACT, { requireLabel: true });
      const readings = valid.map((row) => row.reading);
      const featureNames = modelFeatureNames(DEFAULT_CONTRACT);
      const X = encodeRows(DEFAULT_CONTRACT, readings);
      const trainingSet = { X, y: labelsOf(DEFAULT_CONTRACT, readings), featureNames };
      const extra: Record<string, unknown> = { runName: 'fixture', mode: 'full', contract: DEFAULT_CONTRACT };
      let model: DeployedModel;
      if (options.challenger === undefined) {
        const gp = MaintenanceModel.train(trainingSet, { gpc: { optimize: false }, targetRecall: 0.8 });
        if (options.reference !== false) extra.trainingReference = buildReference(X, featureNames, gp.leaveOneOut!.latentVariance);
        model = options.reviewLevel === undefined ? gp : gp.withReviewLevel(options.reviewLevel);
      } else {
        const kind = options.challenger;
        const fit = (x: DenseMatrix, y: Uint8Array): ChallengerClassifier =>
          kind === 'logistic-regression' ? LogisticRegression.fit(x, y) : GradientBoostingClassifier.fit(x, y, { maxIterations: 60, earlyStopping: false });
        model = ChallengerModel.train(trainingSet, new StandardScaler().fit(X), fit, { targetRecall: 0.8 });
        // As TrainLogistic/TrainBoosting store it: the features alone, no latent variance.
        if (options.reference !== false) extra.trainingReference = buildReference(X, featureNames, null);
      }
      const version = testVersion(options.n ?? 1);
      await saveModel(base.store, version, model, { createdAt: FIXED_NOW.toISOString(), extra });
      await promoteChampion(base.store, version, 'fixture', await readChampion(base.store), FIXED_NOW);
      return version;
    },
    async runBatch(executionName: string, config: Partial<BatchConfig> = {}, { events, replace, store }: RunBatchOptions = {}) {
      const context = store === undefined ? fixture.batchContext : { ...fixture.batchContext, store };
      const handlers = Object.fromEntries(Object.entries(BATCH_STEPS).map(([state, step]) => [state, (payload: unknown) => step(payload, context)]));
      return runStateMachine({
        definition: BATCH_DEFINITION,
        handlers,
        input: { batchName: executionName, config: batchConfigSchema.parse(config) },
        executionName,
        runsDir,
        retryIntervalOverrides: 0,
        itemReaders: objectStoreItemReader(base.store),
        replace,
        ...(events ? { onEvent: (event: RunEvent) => events.push(event) } : {}),
      });
    },
  });
  return fixture;
}
