import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DataContract } from '../contract/contract.ts';
import { decodeParquet } from '../data/parquet.ts';
import { buildReference } from '../drift/reference.ts';
import { takeRows } from '../ml/dense.ts';
import { type ArtifactManifest, type GpArtifactManifest, isGpManifest } from '../ml/artifact.ts';
import type { KernelJson } from '../ml/kernel.ts';
import type { MaintenanceModel } from '../ml/maintenance-model.ts';
import { inputRelevances } from '../ml/relevance.ts';
import { MODEL_KINDS, type ModelKind, type ResumableFit } from '../ml/resumable-fit.ts';
import { StandardScaler } from '../ml/scaler.ts';
import { ObjectNotFoundError } from '../ports/object-store.ts';
import { inspectChampion } from '../registry/champion-health.ts';
import { candidateRowSchema, decisionKey } from '../registry/decision-record.ts';
import { loadManifest, readJson, saveModel, versionKey, writeJson } from '../registry/model-store.ts';
import type { OptimizerStep, TrainingSummary } from '../report/model/report-data.ts';
import type { StepContext } from './context.ts';
import { parseStepInput, type RunInput, runInputSchema, type TrainingMode } from './run-state.ts';
import { loadTrainingSet, splitRecordSchema, splitResultSchema } from './split-and-scale.ts';
import { LAMBDA_MARGIN_SECONDS } from './step-limits.ts';
import {
  fitInputDigest,
  readTrainCheckpoint,
  type TrainCheckpoint,
  writeTrainCheckpoint,
} from './train/checkpoint.ts';
import { TrainCheckpointError } from './train/errors.ts';
import { FITTERS } from './train/fitter-table.ts';
import type { FitOptions, Fitters } from './train/fitters.ts';
import { chooseModel, type ModelChoice } from './train/model-choice.ts';
import { additiveKernelOf, DEFAULT_INPUT_WARP, DEFAULT_MINIBATCH_EPOCHS } from './train/sparse-fitter.ts';
import { capTrainingRows } from './train/row-cap.ts';
import { trainingSetResultSchema } from './training-set.ts';
import { trainCheckpointKey } from '../storage-keys.ts';

/**
 * Train: the challenger, on the training split with the scaler SplitAndScale fitted.
 * `full` optimises the kernel hyperparameters (the daily run); `refit` keeps the champion's and
 * only recomputes the posterior on the new rows (an upload: seconds instead of minutes). Refit
 * falls back to full, and says why, when there is no champion or its features differ.
 *
 * Train works to a time budget (docs/workflow.md, "The Train loop"): each invocation is one round
 * that starts the fit, or resumes it from the run's checkpoint, and advances it until the
 * round's deadline. Not done by then, it stores the checkpoint and returns `{ done: false }`, and
 * the state machine calls Train again; done, it saves the model and returns `done: true`.
 */

export { LAMBDA_MARGIN_SECONDS };

/** How often a round reports where its fit stands (ResumableFit.status()). */
const STATUS_INTERVAL_MS = 10_000;

/** What the steps after Train read of its result. */
export const trainResultSchema = z.object({
  version: z.string(),
  mode: z.enum(['full', 'refit']),
  /** Why the mode differs from the one asked for; null when it does not. */
  modeNote: z.string().nullable(),
  trainingKey: z.string(),
  /** Seconds spent fitting, summed over the rounds. */
  fitSeconds: z.number(),
  logMarginalLikelihood: z.number(),
  kernel: z.string(),
});

export type TrainResult = z.infer<typeof trainResultSchema>;

/** Fields of every round's result: the state machine's Choice reads `done`, `round` and `maxRounds`. */
const roundFields = {
  round: z.int().positive(),
  /** config.maxTrainRounds: the state machine fails the run when a round this number is not done. */
  maxRounds: z.int().positive(),
  model: z.enum(MODEL_KINDS),
};

/** The last round: the model is saved. */
export const trainFinishedSchema = trainResultSchema.extend({
  done: z.literal(true),
  ...roundFields,
  /** Rows the model trained on, of the training split's `trainRowsAvailable`, and why. */
  trainRows: z.int(),
  trainRowsAvailable: z.int(),
  modelReason: z.string(),
});

/** A round that ran out of budget: the checkpoint is stored, Train runs again. */
export const trainRoundSchema = z.object({
  done: z.literal(false),
  ...roundFields,
  checkpointKey: z.string(),
  iteration: z.int(),
  objective: z.number().nullable(),
  elapsedSeconds: z.number(),
  remainingSeconds: z.number().nullable(),
});

export const trainOutcomeSchema = z.discriminatedUnion('done', [trainFinishedSchema, trainRoundSchema]);
export type TrainFinished = z.infer<typeof trainFinishedSchema>;
export type TrainRound = z.infer<typeof trainRoundSchema>;
export type TrainOutcome = z.infer<typeof trainOutcomeSchema>;

/** What `models/<version>/training.json` holds. */
export interface TrainingRecord extends TrainingSummary {
  readonly version: string;
  readonly runName: string;
  readonly requestedMode: TrainingMode;
  readonly modeNote: string | null;
  readonly trainingSetKey: string;
  readonly splitKey: string;
  /** Rows the model trained on. */
  readonly trainRows: number;
  /** Rows of the training split (more than trainRows when config.maxTrainRows capped the exact GP). */
  readonly trainRowsAvailable: number;
  readonly model: ModelKind;
  /** Why this model, on these rows (the summary and the report show it). */
  readonly modelReason: string;
  /** Train rounds (invocations) the fit took. */
  readonly rounds: number;
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

/** Seconds this round may work: the configured budget, and in a Lambda its remaining time less the margin. */
export function roundBudgetSeconds(configured: number, context: Pick<StepContext, 'remainingTimeMs'>): number {
  if (context.remainingTimeMs === undefined) return configured;
  return Math.max(0, Math.min(configured, context.remainingTimeMs() / 1000 - LAMBDA_MARGIN_SECONDS));
}

type FixedKernel = NonNullable<TrainCheckpoint['fixedKernel']>;

/**
 * Why the champion's hyperparameters do not fit this run's data, if they do not: some of the
 * readings it was trained on are not in this run's training set (replaced by other readings of
 * the same ids, or out of the window), so its kernel was fitted on data this run does not have.
 * Compared by the readings' source file and line (training sets keep them); a training set from
 * before they were kept cannot be compared, and the refit goes ahead as it always did.
 */
async function championDataMissing(context: StepContext, championSetKey: unknown, runRows: readonly Record<string, unknown>[]): Promise<string | undefined> {
  if (typeof championSetKey !== 'string') return undefined;
  const reading = (row: Record<string, unknown>): string | undefined => (row.source_key === undefined || row.source_line === undefined ? undefined : `${String(row.source_key)}\u0000${String(row.source_line)}`);
  let championRows: Record<string, unknown>[];
  try {
    championRows = await decodeParquet((await context.store.get(championSetKey)).body);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return `its training set ${championSetKey} is gone`;
    throw error;
  }
  const championReadings = championRows.map(reading);
  if (championReadings.some((r) => r === undefined)) return undefined;
  const present = new Set(runRows.map(reading));
  const missing = championReadings.filter((r) => !present.has(r)).length;
  return missing === 0 ? undefined : `${missing} of the ${championRows.length} readings it was trained on are not in this run's training set (replaced or out of the window)`;
}

/** The champion's kernel for a refit, or why there is none to use. */
async function championKernel(context: StepContext, featureNames: readonly string[], trainingSetRows: readonly Record<string, unknown>[]): Promise<{ kernel: FixedKernel; source: string } | { note: string }> {
  const champion = await inspectChampion(context.store);
  if (champion.kind === 'none') return { note: 'refit asked, but there is no champion yet: trained in full mode' };
  if (champion.kind !== 'usable') return { note: `refit asked, but ${champion.problem}: trained in full mode` };
  if (champion.manifest.featureNames.join(',') !== featureNames.join(',')) {
    return { note: `refit asked, but champion ${champion.pointer.version} has other features (${champion.manifest.featureNames.join(', ')}): trained in full mode` };
  }
  const source = await kernelSource(context, champion.pointer.version, champion.manifest);
  if ('note' in source) return source;
  const { manifest, version } = source;
  const missing = await championDataMissing(context, manifest.extra?.trainingSetKey, trainingSetRows);
  if (missing !== undefined) return { note: `refit asked, but champion ${champion.pointer.version} was trained on other data: ${missing}; trained in full mode` };
  const { kernel } = manifest;
  return {
    kernel: { isotropic: kernel.lengthScales.length === 1, theta: manifest.kernelTheta, constantBounds: kernel.constantBounds, lengthScaleBounds: kernel.lengthScaleBounds },
    source: version === champion.pointer.version ? `champion ${version}` : `GP ${version}, trained beside champion ${champion.pointer.version}`,
  };
}

/**
 * The GP whose kernel a refit keeps: the champion itself, or for a challenger champion (which has
 * no kernel) the GP trained beside it in its run, found in its decision record's table of models.
 */
async function kernelSource(context: StepContext, version: string, manifest: ArtifactManifest): Promise<{ version: string; manifest: GpArtifactManifest } | { note: string }> {
  if (isGpManifest(manifest)) return { version, manifest };
  const noKernel = `refit asked, but champion ${version} is a ${manifest.kind}, which has no kernel to keep`;
  const decision = z.object({ candidates: z.array(candidateRowSchema) }).safeParse(await readJson(context.store, decisionKey(version)).catch(() => undefined));
  const gp = decision.success ? decision.data.candidates.find((row) => row.status === 'trained' && row.kind.startsWith('gpc-')) : undefined;
  if (gp?.status !== 'trained') return { note: `${noKernel}, and its run recorded no GP: trained in full mode` };
  const sibling = await loadManifest(context.store, gp.holdout.version).catch(() => undefined);
  if (sibling === undefined || !isGpManifest(sibling)) return { note: `${noKernel}, and its run's GP ${gp.holdout.version} cannot be read: trained in full mode` };
  return { version: gp.holdout.version, manifest: sibling };
}

/** What the first round decides and every later round keeps: the mode, the champion's kernel for a refit, the model. */
interface TrainPlan {
  readonly mode: TrainingMode;
  readonly modeNote: string | null;
  readonly fixedKernel: FixedKernel | null;
  readonly choice: ModelChoice;
}

async function planTraining(run: RunInput, trainingSetRows: readonly Record<string, unknown>[], context: StepContext, featureNames: readonly string[], rowsAvailable: number, budgetSeconds: number): Promise<TrainPlan> {
  const { config } = run;
  const choice = chooseModel({
    requested: config.model,
    rowsAvailable,
    maxTrainRows: config.maxTrainRows,
    budgetSeconds,
    ...(config.inducingPoints === undefined ? {} : { inducingPoints: config.inducingPoints }),
    additiveKernel: additiveKernelOf(config),
    ...(config.sparseInference === undefined ? {} : { sparseInference: config.sparseInference }),
  });
  context.progress({ kind: 'message', text: choice.reason });
  if (run.mode === 'full') return { mode: 'full', modeNote: null, fixedKernel: null, choice };
  if (choice.kind === 'gpc-sparse') {
    // The sparse GP has no fixed-θ fit: its hyperparameters and inducing points are fitted together.
    const note = 'refit asked, but the sparse GP fits its hyperparameters with its inducing points: trained in full mode';
    context.progress({ kind: 'message', text: note });
    return { mode: 'full', modeNote: note, fixedKernel: null, choice };
  }
  const champion = await championKernel(context, featureNames, trainingSetRows);
  if ('note' in champion) {
    context.progress({ kind: 'message', text: champion.note });
    return { mode: 'full', modeNote: champion.note, fixedKernel: null, choice };
  }
  context.progress({ kind: 'message', text: `refit with the hyperparameters of ${champion.source}` });
  return { mode: 'refit', modeNote: null, fixedKernel: champion.kernel, choice };
}

/** The stored checkpoint of this run when it can be resumed; otherwise undefined, after saying why not. */
async function resumableCheckpoint(context: StepContext, key: string, digest: string): Promise<TrainCheckpoint | undefined> {
  const saved = await readTrainCheckpoint(context.store, key);
  if (saved === undefined) return undefined;
  let why: string | undefined;
  if ('unusable' in saved) why = saved.unusable;
  else if (saved.inputDigest !== digest) why = `${key} is of another training set, split or configuration`;
  else if (saved.status === 'done') why = `the last fit of this run finished (${saved.version ?? 'no version'})`;
  if (why === undefined) return saved as TrainCheckpoint;
  context.progress({ kind: 'message', text: `${why}: the fit starts over` });
  return undefined;
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** The Train step with these fitters (tests give their own; the pipeline uses {@link FITTERS}). */
export function trainStep(fitters: Fitters = FITTERS): (input: unknown, context: StepContext) => Promise<TrainOutcome> {
  return async (input, context) => {
    const roundStarted = performance.now();
    const run = parseStepInput('Train', runInputSchema.extend({ trainingSet: trainingSetResultSchema, split: splitResultSchema }), input);
    const { config } = run;
    const budgetSeconds = roundBudgetSeconds(config.trainBudgetSeconds, context);
    const deadline = roundStarted + budgetSeconds * 1000;

    // The same data every round: the training set and the split are reloaded from the store.
    const { rows: trainingSetRows, X, y, featureNames } = await loadTrainingSet(context, run.trainingSet.key);
    const split = splitRecordSchema.parse(JSON.parse(new TextDecoder().decode((await context.store.get(run.split.key)).body)));
    const key = trainCheckpointKey(run.runName);
    const digest = fitInputDigest({
      trainingSet: run.trainingSet,
      split: run.split,
      mode: run.mode,
      model: config.model,
      seed: config.seed,
      targetRecall: config.targetRecall,
      maxTrainRows: config.maxTrainRows,
      inducingPoints: config.inducingPoints ?? null,
      kernel: config.kernel,
      additiveKernel: additiveKernelOf(config),
      inputWarp: config.inputWarp ?? DEFAULT_INPUT_WARP,
      ...(config.minibatchEpochs !== undefined && { minibatchEpochs: config.minibatchEpochs }),
      ...(config.sparseInference !== undefined && { sparseInference: config.sparseInference }),
    });
    let saved = await resumableCheckpoint(context, key, digest);
    const plan: TrainPlan = saved ?? (await planTraining(run, trainingSetRows, context, featureNames, split.train.length, budgetSeconds));
    const { choice } = plan;
    const rows = capTrainingRows(y, split.train, choice.rows, config.seed);
    const trainingSet = { X: takeRows(X, rows), y: Uint8Array.from(rows, (i) => y[i]), featureNames };
    const data = { trainingSet, scaler: StandardScaler.load(split.scaler) };

    const trace: OptimizerStep[] = [...(saved?.trace ?? [])];
    const options: FitOptions = {
      seed: config.seed,
      targetRecall: config.targetRecall,
      ...(plan.fixedKernel === null ? {} : { fixedKernel: plan.fixedKernel }),
      ...(config.inducingPoints === undefined ? {} : { inducingPoints: config.inducingPoints }),
      kernel: config.kernel,
      additiveKernel: additiveKernelOf(config),
      inputWarp: config.inputWarp ?? DEFAULT_INPUT_WARP,
      minibatchEpochs: config.minibatchEpochs ?? DEFAULT_MINIBATCH_EPOCHS,
      ...(config.sparseInference === undefined ? {} : { sparseInference: config.sparseInference }),
      onOptimizerStep: (event) => {
        if (event.stage === 'start') return;
        trace.push({ stage: event.stage, start: event.start, iteration: event.iteration, logMarginalLikelihood: event.logMarginalLikelihood });
        context.progress({ kind: 'optimizer', ...event });
      },
      onTraceStep: (step) => trace.push(step),
    };
    const fitter = fitters[choice.kind];
    let fit: ResumableFit<MaintenanceModel> | undefined;
    if (saved?.fit != null) {
      try {
        fit = fitter.resume(data, saved.fit, options);
      } catch (error) {
        if (!(error instanceof TrainCheckpointError)) throw error;
        context.progress({ kind: 'message', text: `${error.message}: the fit starts over` });
        saved = undefined;
        trace.length = 0;
      }
    }
    const round = (saved?.rounds ?? 0) + 1;
    if (fit === undefined) fit = fitter.start(data, options);
    else context.progress({ kind: 'message', text: `round ${round} of at most ${config.maxTrainRounds}: resuming from ${key}` });

    const fitStarted = performance.now();
    let done: boolean;
    for (;;) {
      done = fit.advance(Math.min(deadline, performance.now() + STATUS_INTERVAL_MS));
      const status = fit.status();
      context.progress({
        kind: 'fit',
        model: choice.kind,
        round,
        iteration: status.iteration,
        objective: status.objective,
        ...(status.objectiveName === undefined ? {} : { objectiveName: status.objectiveName }),
        elapsedSeconds: status.elapsedSeconds,
        ...(status.remainingSeconds === undefined ? {} : { remainingSeconds: status.remainingSeconds }),
      });
      if (done || performance.now() >= deadline) break;
    }
    const fitSeconds = (saved?.fitSeconds ?? 0) + (performance.now() - fitStarted) / 1000;
    const checkpoint: TrainCheckpoint = {
      formatVersion: 1,
      runName: run.runName,
      inputDigest: digest,
      status: 'fitting',
      mode: plan.mode,
      modeNote: plan.modeNote,
      fixedKernel: plan.fixedKernel,
      choice,
      rounds: round,
      fitSeconds,
      trace,
      fit: null,
      version: null,
    };
    const common = { round, maxRounds: config.maxTrainRounds, model: choice.kind };

    if (!done) {
      await writeTrainCheckpoint(context.store, key, { ...checkpoint, fit: fit.checkpoint() });
      const status = fit.status();
      context.progress({ kind: 'message', text: `round ${round} ran out of its ${Math.round(budgetSeconds)} s budget: checkpoint ${key}` });
      return {
        done: false,
        ...common,
        checkpointKey: key,
        iteration: status.iteration,
        objective: finite(status.objective),
        elapsedSeconds: status.elapsedSeconds,
        remainingSeconds: status.remainingSeconds ?? null,
      };
    }

    // The review level travels with the threshold: serving and batch scoring read it from the artifact.
    const model = fit.result().withReviewLevel(config.reviewLevel);
    const createdAt = context.now();
    const version = newModelVersion(createdAt, run.runName);
    const summary = model.fitSummary;
    const kernelJson = model.classifier.kernel.toJSON();
    // What batches are compared with for drift: the raw training inputs, and the uncertainty the
    // model shows on rows it has not seen (leave-one-out), which is what a new reading gets.
    const trainingReference = buildReference(trainingSet.X, featureNames, model.leaveOneOut!.latentVariance);
    const rowsNote = { model: choice.kind, trainRows: rows.length, trainRowsAvailable: choice.rowsAvailable, modelReason: choice.reason };
    await saveModel(context.store, version, model, {
      createdAt: createdAt.toISOString(),
      extra: { runName: run.runName, mode: plan.mode, contract: context.contract, trainingSetKey: run.trainingSet.key, trainingReference, ...rowsNote },
    });
    const record: TrainingRecord = {
      version,
      runName: run.runName,
      mode: plan.mode,
      requestedMode: run.mode,
      modeNote: plan.modeNote,
      trainingSetKey: run.trainingSet.key,
      splitKey: run.split.key,
      ...rowsNote,
      rounds: round,
      featureNames,
      fitSeconds,
      kernel: summary.kernel,
      hyperparameters: namedHyperparameters(kernelJson, featureNames),
      logMarginalLikelihood: summary.logMarginalLikelihood,
      objective: choice.kind === 'gpc-sparse' ? 'ELBO' : 'log marginal likelihood',
      relevances: inputRelevances(model.classifier.kernel, featureNames),
      trace,
      threshold: model.threshold,
      contract: context.contract,
    };
    const trainingKey = versionKey(version, 'training.json');
    await writeJson(context.store, trainingKey, record);
    // The next Train of this run (a replaced run) starts over instead of resuming a finished fit.
    await writeTrainCheckpoint(context.store, key, { ...checkpoint, status: 'done', version });
    return {
      version,
      mode: plan.mode,
      modeNote: plan.modeNote,
      trainingKey,
      fitSeconds,
      logMarginalLikelihood: summary.logMarginalLikelihood,
      kernel: summary.kernel,
      done: true,
      ...common,
      trainRows: rows.length,
      trainRowsAvailable: choice.rowsAvailable,
      modelReason: choice.reason,
    };
  };
}

/** The Train step of the pipeline. */
export const train = trainStep();
