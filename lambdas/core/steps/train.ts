import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DataContract } from '../contract/contract.ts';
import { buildReference } from '../drift/reference.ts';
import { takeRows } from '../ml/dense.ts';
import type { GpcOptions } from '../ml/gpc.ts';
import type { KernelJson } from '../ml/kernel.ts';
import { DEFAULT_GPC_OPTIONS, MaintenanceModel } from '../ml/maintenance-model.ts';
import { StandardScaler } from '../ml/scaler.ts';
import { inspectChampion } from '../registry/champion-health.ts';
import { saveModel, versionKey, writeJson } from '../registry/model-store.ts';
import type { OptimizerStep, TrainingSummary } from '../report/report-data.ts';
import type { StepContext } from './context.ts';
import { parseStepInput, runInputSchema, type TrainingMode } from './run-state.ts';
import { loadTrainingSet, splitRecordSchema, splitResultSchema } from './split-and-scale.ts';
import { trainingSetResultSchema } from './training-set.ts';

/**
 * Train: the challenger, on the training split with the scaler SplitAndScale fitted.
 * `full` optimises the kernel hyperparameters (the daily run); `refit` keeps the champion's and
 * only recomputes the posterior on the new rows (an upload: seconds instead of minutes). Refit
 * falls back to full, and says why, when there is no champion or its features differ.
 */

export const trainResultSchema = z.object({
  version: z.string(),
  mode: z.enum(['full', 'refit']),
  /** Why the mode differs from the one asked for; null when it does not. */
  modeNote: z.string().nullable(),
  trainingKey: z.string(),
  fitSeconds: z.number(),
  logMarginalLikelihood: z.number(),
  kernel: z.string(),
});

export type TrainResult = z.infer<typeof trainResultSchema>;

/** What `models/<version>/training.json` holds. */
export interface TrainingRecord extends TrainingSummary {
  readonly version: string;
  readonly runName: string;
  readonly requestedMode: TrainingMode;
  readonly modeNote: string | null;
  readonly trainingSetKey: string;
  readonly splitKey: string;
  readonly trainRows: number;
  /** Model input columns, in order (after one-hot encoding). */
  readonly featureNames: readonly string[];
  readonly contract: DataContract;
}

/** `20261126T190501.123Z-<8 hex of the run name>`: sorts by time; the suffix ties it to its run. */
export function newModelVersion(createdAt: Date, runName: string): string {
  return `${createdAt.toISOString().replace(/[-:]/g, '')}-${createHash('sha256').update(runName).digest('hex').slice(0, 8)}`;
}

/** Natural-unit hyperparameters with names a person can read. */
export function namedHyperparameters(kernel: KernelJson, featureNames: readonly string[]): TrainingSummary['hyperparameters'] {
  const scales = kernel.lengthScales.length === 1
    ? [{ name: 'length scale (all features)', value: kernel.lengthScales[0]! }]
    : kernel.lengthScales.map((value, i) => ({ name: `length scale (${featureNames[i]})`, value }));
  return [{ name: 'signal variance (constant)', value: kernel.constant }, ...scales];
}

/** The champion's kernel for a refit, or why there is none to use. */
async function championKernel(context: StepContext, featureNames: readonly string[]): Promise<{ kernel: KernelJson; theta: number[]; version: string } | { note: string }> {
  const champion = await inspectChampion(context.store);
  if (champion.kind === 'none') return { note: 'refit asked, but there is no champion yet: trained in full mode' };
  if (champion.kind !== 'usable') return { note: `refit asked, but ${champion.problem}: trained in full mode` };
  const { manifest } = champion;
  if (manifest.featureNames.join(',') !== featureNames.join(',')) {
    return { note: `refit asked, but champion ${champion.pointer.version} has other features (${manifest.featureNames.join(', ')}): trained in full mode` };
  }
  return { kernel: manifest.kernel, theta: manifest.kernelTheta, version: champion.pointer.version };
}

export async function train(input: unknown, context: StepContext): Promise<TrainResult> {
  const run = parseStepInput(
    'Train',
    runInputSchema.extend({ trainingSet: trainingSetResultSchema, split: splitResultSchema }),
    input,
  );
  const { X, y, featureNames } = await loadTrainingSet(context, run.trainingSet.key);
  const split = splitRecordSchema.parse(JSON.parse(new TextDecoder().decode((await context.store.get(run.split.key)).body)));
  const trainingSet = { X: takeRows(X, split.train), y: Uint8Array.from(split.train, (i) => y[i]), featureNames };

  let mode: TrainingMode = run.mode;
  let modeNote: string | null = null;
  const trace: OptimizerStep[] = [];
  let gpc: GpcOptions = {
    ...DEFAULT_GPC_OPTIONS,
    seed: run.config.seed,
    onProgress: (event) => {
      if (event.stage === 'start') return;
      trace.push({ stage: event.stage, start: event.start, iteration: event.iteration, logMarginalLikelihood: event.logMarginalLikelihood });
      context.progress({ kind: 'optimizer', ...event });
    },
  };
  if (run.mode === 'refit') {
    const champion = await championKernel(context, featureNames);
    if ('note' in champion) {
      mode = 'full';
      modeNote = champion.note;
      context.progress({ kind: 'message', text: champion.note });
    } else {
      const { kernel, theta } = champion;
      gpc = {
        optimize: false,
        kernel: { isotropic: kernel.lengthScales.length === 1, theta, constantBounds: kernel.constantBounds, lengthScaleBounds: kernel.lengthScaleBounds },
      };
      context.progress({ kind: 'message', text: `refit with the hyperparameters of champion ${champion.version}` });
    }
  }

  const scaler = StandardScaler.load(split.scaler);
  const model = MaintenanceModel.train(trainingSet, { gpc, targetRecall: run.config.targetRecall, scaler });
  const createdAt = context.now();
  const version = newModelVersion(createdAt, run.runName);
  const summary = model.fitSummary;
  const kernelJson = model.classifier.kernel.toJSON();
  // What batches are compared with for drift: the raw training inputs, and the uncertainty the
  // model shows on rows it has not seen (leave-one-out), which is what a new reading gets.
  const trainingReference = buildReference(trainingSet.X, featureNames, model.leaveOneOut!.latentVariance);
  await saveModel(context.store, version, model, {
    createdAt: createdAt.toISOString(),
    extra: { runName: run.runName, mode, contract: context.contract, trainingSetKey: run.trainingSet.key, trainingReference },
  });
  const record: TrainingRecord = {
    version,
    runName: run.runName,
    mode,
    requestedMode: run.mode,
    modeNote,
    trainingSetKey: run.trainingSet.key,
    splitKey: run.split.key,
    trainRows: trainingSet.y.length,
    featureNames,
    fitSeconds: summary.fitSeconds,
    kernel: summary.kernel,
    hyperparameters: namedHyperparameters(kernelJson, featureNames),
    logMarginalLikelihood: summary.logMarginalLikelihood,
    trace,
    threshold: model.threshold,
    contract: context.contract,
  };
  const trainingKey = versionKey(version, 'training.json');
  await writeJson(context.store, trainingKey, record);
  return { version, mode, modeNote, trainingKey, fitSeconds: summary.fitSeconds, logMarginalLikelihood: summary.logMarginalLikelihood, kernel: summary.kernel };
}
