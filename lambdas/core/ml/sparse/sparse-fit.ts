import { checkTrainingData } from '../training-data.ts';
import { z } from 'zod';
import { InvalidDataError, NotFittedError, NotPositiveDefiniteError } from '../../errors.ts';
import { type DenseMatrix, takeRows } from '../dense.ts';
import type { Bounds } from '../kernel.ts';
import type { FitCheckpoint, FitStatus, ResumableFit } from '../resumable-fit.ts';
import { stratifiedSplit } from '../split.ts';
import { checkKernelShape, type KernelShape, shapeLabel } from '../kernel-shape.ts';
import { additiveThetaLength, evaluateElbo, inducingCholesky, QUADRATURE_POINTS, type SparseParameters } from './elbo.ts';
import { decodeFloats, encodeFloats } from './float-codec.ts';
import { decodeStepper, encodeStepper, stepperCheckpointSchema } from './stepper-checkpoint.ts';
import { initialInducingPoints } from './inducing-points.ts';
import { MAX_WARP, warpableInputs } from './input-warp.ts';
import { stalled, type StepperOptions, type StepperState, startStepper, stepStepper } from './lbfgs-stepper.ts';
import { batchRows, type MinibatchSettings, type MinibatchState, minibatchStep, minibatchSteps, startMinibatch } from './minibatch-stage.ts';
import { naturalStep, optimizeVariational } from './natural-gradient.ts';
import { SparseGaussianProcessClassifier, type SparseFitSummary, type SparseStage } from './svgp.ts';
import { logThetaPrior, type ThetaPrior } from './theta-prior.ts';

/**
 * Fitting the sparse GP classifier to a time budget (the ResumableFit contract).
 *
 * Stages, each resumable between iterations:
 * 1. `isotropic`: projected L-BFGS on (log c, log ℓ, Z) with one length scale, maximising the
 *    ELBO with q(u) optimised inside each evaluation by natural-gradient steps warm-started from
 *    the last accepted point's q (so the objective is the ELBO's profile over q, and by the
 *    envelope theorem its gradient is ∂ELBO/∂(θ, Z) at that q).
 * 2. `ard` (when asked): the same from the isotropic optimum with one ℓ per input, each starting
 *    at the isotropic ℓ — starting from a good isotropic model avoids the flat optimum where
 *    most length scales run to the bound.
 * 3. `refine` (when the first stages used a subsample and `refineRows` allows): the same L-BFGS
 *    from their optimum on every row.
 *    Beyond `refineRows`, `minibatch` (when `minibatchEpochs` asks): epochs of minibatch steps
 *    over every row, natural gradients for q(u) and Adam for θ (minibatch-stage.ts).
 * 4. `variational`: θ and Z fixed, natural-gradient steps on q(u) over all rows. When the first
 *    stages used a stratified subsample (more rows than `optimizeRows`), this brings every row
 *    into q at O(n·m²) per pass; otherwise it confirms convergence in one or two passes.
 */
export interface SparseFitOptions {
  /** The kernel's shape: RBF, or Matérn ν = 3/2, 5/2, radial or a product over the inputs (kernel-shape.ts). @default {@link DEFAULT_SPARSE_KERNEL} */
  readonly kernel?: KernelShape;
  /** Number of inducing points m (at most the number of rows). @default 128 */
  readonly inducingPoints?: number;
  /** One length scale per input after the isotropic stage. @default true */
  readonly ard?: boolean;
  /**
   * From the ARD stage on, add one one-dimensional RBF per input, each with its own variance and
   * length scale, to the full kernel (elbo.ts): a threshold on one input is one such term, which a
   * product kernel over all inputs models only with short length scales everywhere. Needs `ard`.
   * @default false
   */
  readonly additive?: boolean;
  /**
   * From the ARD stage on, learn a monotone warp of each input's tails (input-warp.ts) with θ:
   * a shorter effective length scale where thresholds sit, the centre left smooth. Needs `ard`.
   * @default false
   */
  readonly warp?: boolean;
  /**
   * Move Z with the hyperparameters (false keeps the k-means++ points). Off by default: on AI4I
   * (d = 11, m = 96) the m·d extra variables kept L-BFGS crawling for 40+ iterations without
   * converging, while fixed points converge in 10–35 per stage (docs/ml.md §7). @default false
   */
  readonly optimizeInducing?: boolean;
  /** Initial signal variance c. @default 1 */
  readonly constant?: number;
  /** Initial (isotropic) length scale. @default √d, the typical distance between standardised rows over √2 */
  readonly lengthScale?: number;
  /** @default [1e-3, 1e4] */
  readonly constantBounds?: Bounds;
  /** @default [1e-2, 1e3] */
  readonly lengthScaleBounds?: Bounds;
  /**
   * When the hyperparameter stages ran on a subsample and there are at most this many rows, go on
   * from their optimum with the same L-BFGS on every row (stage `refine`) before the last stage:
   * θ then fits all the evidence (on AI4I 2020 the all-rows ELBO rose by 21 nats and the holdout
   * AP by 0.016; docs/ml.md §7, "Refining θ on every row"). @default 0 (never)
   */
  readonly refineRows?: number;
  /**
   * Beyond `refineRows`, when the hyperparameter stages ran on a subsample: this many epochs of
   * minibatch steps over every row (stage `minibatch`, minibatch-stage.ts: natural-gradient steps
   * on q(v), Adam on θ) before the last stage. @default 0 (none)
   */
  readonly minibatchEpochs?: number;
  /** Rows per minibatch. @default 1000 */
  readonly minibatchRows?: number;
  /** Adam's step on log θ in the minibatch stage. @default 0.01 */
  readonly minibatchLearningRate?: number;
  /**
   * From the ARD stage on, a Gaussian prior on each log θ with this standard deviation, centred
   * where the ARD stage starts (theta-prior.ts): the stages maximise ELBO + log p(θ). 0: none.
   * @default 0
   */
  readonly thetaPriorScale?: number;
  /** Seed of the inducing-point initialisation and the subsample. @default 0 */
  readonly seed?: number;
  /** Hyperparameter stages run on a stratified subsample of at most this many rows. @default {@link DEFAULT_OPTIMIZE_ROWS} */
  readonly optimizeRows?: number;
  /** L-BFGS iterations per hyperparameter stage. @default 150 */
  readonly maxIterations?: number;
  /** Stop a stage when the ELBO improves by less than this relative amount per step. @default 1e-7 */
  readonly relativeTolerance?: number;
  /**
   * Stop a stage when its last 5 iterations together gained at most this many nats of ELBO (0:
   * only the stages' own rules): the hyperparameter stages' L-BFGS and the last stage's
   * natural-gradient passes over all rows. The `refine` stage on n rows asks n / optimizeRows
   * times as much, the same gain per row as the stages before it. @default 0
   */
  readonly stallNats?: number;
  /**
   * Inside each hyperparameter evaluation, stop optimising q(u) when a natural-gradient pass gains
   * at most this many nats (0: only the relative rule of optimizeVariational). @default 0
   */
  readonly variationalTolerance?: number;
  /** Gauss–Hermite points. @default 20 */
  readonly quadraturePoints?: number;
  readonly onProgress?: (progress: SparseFitProgress) => void;
}

export interface SparseFitProgress {
  readonly stage: SparseStage;
  readonly iteration: number;
  readonly elbo: number;
  readonly theta: number[];
  readonly rows: number;
}

export const DEFAULT_CONSTANT_BOUNDS: Bounds = [1e-3, 1e4];
export const DEFAULT_LENGTH_SCALE_BOUNDS: Bounds = [1e-2, 1e3];
export const SPARSE_CHECKPOINT_VERSION = 1;

type Phase = SparseStage | 'done';

interface FitState {
  phase: Phase;
  theta: Float64Array;
  /** The input warp's [b⁺, b⁻] (from the ARD stage on, when asked). */
  warp: Float64Array | undefined;
  /** Where the ARD stage started: the centre of the prior on θ (from the ARD stage on). */
  thetaCentre: Float64Array | undefined;
  inducing: Float64Array;
  mean: Float64Array;
  cholCov: Float64Array;
  stepper: StepperState | undefined;
  minibatch: MinibatchState | undefined;
  variational: { value: number; gamma: number; iterations: number; meanStatistic: Float64Array; covStatistic: Float64Array; accepted: number[] } | undefined;
  stages: Array<SparseFitSummary['optimizer']['stages'][number]>;
  trace: number[];
  variationalIterations: number;
  elapsedSeconds: number;
}

// ---------------------------------------------------------------------------------------------

const floats = z.string();
const stageSchema = z.enum(['isotropic', 'ard', 'refine', 'minibatch', 'variational']);
const checkpointStateSchema = z.object({
  version: z.literal(SPARSE_CHECKPOINT_VERSION),
  data: z.object({ rows: z.int().positive(), cols: z.int().positive(), positives: z.int().nonnegative() }),
  phase: z.enum(['isotropic', 'ard', 'refine', 'minibatch', 'variational', 'done']),
  theta: floats,
  warp: floats.optional(),
  thetaCentre: floats.optional(),
  inducing: floats,
  mean: floats,
  cholCov: floats,
  stepper: stepperCheckpointSchema.optional(),
  minibatch: z.object({ step: z.int().nonnegative(), adamMean: floats, adamSquare: floats, estimate: z.number().nullable() }).optional(),
  variational: z
    .object({ value: z.number(), gamma: z.number(), iterations: z.int().nonnegative(), meanStatistic: floats, covStatistic: floats, accepted: z.array(z.number()).default([]) })
    .optional(),
  stages: z.array(z.object({ stage: stageSchema, rows: z.int(), iterations: z.int(), evaluations: z.int(), elbo: z.number(), reason: z.string() })),
  trace: floats,
  variationalIterations: z.int().nonnegative(),
  elapsedSeconds: z.number().nonnegative(),
});
type CheckpointState = z.infer<typeof checkpointStateSchema>;

// ---------------------------------------------------------------------------------------------

/** Starts a sparse fit: inducing points by k-means++, θ at its initial value, q(u) = N(0, I). */
export function startSparseFit(x: DenseMatrix, y: ArrayLike<number>, options: SparseFitOptions = {}): ResumableFit<SparseGaussianProcessClassifier> {
  const labels = checkTrainingData(x, y);
  checkOptions(options, x);
  const data = new FitData(x, labels, options);
  const m = inducingCount(options, x.rows);
  const inducing = initialInducingPoints(data.xOpt, data.yOpt, m, { seed: options.seed ?? 0 });
  const c0 = options.constant ?? 1;
  const l0 = options.lengthScale ?? Math.sqrt(x.cols);
  const cholCov = new Float64Array(m * m);
  for (let j = 0; j < m; j++) cholCov[j * m + j] = 1;
  const state: FitState = {
    phase: 'isotropic',
    theta: Float64Array.from([Math.log(c0), Math.log(l0)]),
    warp: undefined,
    thetaCentre: undefined,
    inducing,
    mean: new Float64Array(m),
    cholCov,
    stepper: undefined,
    minibatch: undefined,
    variational: undefined,
    stages: [],
    trace: [],
    variationalIterations: 0,
    elapsedSeconds: 0,
  };
  return new SparseFit(data, options, state, 0);
}

/** Goes on from a checkpoint of {@link startSparseFit} (same rows, same options). */
export function resumeSparseFit(x: DenseMatrix, y: ArrayLike<number>, checkpoint: FitCheckpoint, options: SparseFitOptions = {}): ResumableFit<SparseGaussianProcessClassifier> {
  if (checkpoint.kind !== 'gpc-sparse') throw new InvalidDataError(`cannot resume a sparse fit from a checkpoint of kind ${checkpoint.kind}`);
  const labels = checkTrainingData(x, y);
  checkOptions(options, x);
  const parsed = checkpointStateSchema.safeParse(checkpoint.state);
  if (!parsed.success) throw new InvalidDataError(`invalid sparse fit checkpoint:\n${z.prettifyError(parsed.error)}`);
  const saved = parsed.data;
  const positives = labels.reduce((s, v) => s + v, 0);
  if (saved.data.rows !== x.rows || saved.data.cols !== x.cols || saved.data.positives !== positives) {
    throw new InvalidDataError(
      `checkpoint was taken on ${saved.data.rows}×${saved.data.cols} rows with ${saved.data.positives} positives; these are ${x.rows}×${x.cols} with ${positives}`,
    );
  }
  const data = new FitData(x, labels, options);
  const state = fromCheckpointState(saved);
  checkStateShapes(state, x.cols);
  return new SparseFit(data, options, state, checkpoint.rounds);
}

/** The rows: all of them, and the (stratified) part the hyperparameter stages use. */
class FitData {
  readonly xOpt: DenseMatrix;
  readonly yOpt: Uint8Array;
  /** Inputs with more than two values: only those get a warp. */
  readonly warpable: boolean[];
  /** The minibatch stage's shuffle of the current epoch (recomputed from the seed after a resume). */
  epochOrder: { epoch: number; order: Int32Array } | undefined;
  constructor(
    readonly x: DenseMatrix,
    readonly y: Uint8Array,
    options: SparseFitOptions,
  ) {
    const limit = options.optimizeRows ?? DEFAULT_OPTIMIZE_ROWS;
    if (x.rows > limit) {
      const { testIndex } = stratifiedSplit(y, { testFraction: limit / x.rows, seed: options.seed ?? 0 });
      this.xOpt = takeRows(x, testIndex);
      this.yOpt = Uint8Array.from(testIndex, (i) => y[i]);
    } else {
      this.xOpt = x;
      this.yOpt = y;
    }
    this.warpable = options.warp ? warpableInputs(x.data, x.cols) : [];
  }
}

class SparseFit implements ResumableFit<SparseGaussianProcessClassifier> {
  readonly kind = 'gpc-sparse' as const;
  readonly #data: FitData;
  readonly #options: SparseFitOptions;
  readonly #state: FitState;
  #rounds: number;
  #result: SparseGaussianProcessClassifier | undefined;

  constructor(data: FitData, options: SparseFitOptions, state: FitState, rounds: number) {
    this.#data = data;
    this.#options = options;
    this.#state = state;
    this.#rounds = rounds;
  }

  advance(deadline: number): boolean {
    const started = performance.now();
    try {
      while (this.#state.phase !== 'done') {
        this.#work();
        if (performance.now() >= deadline) break;
      }
    } finally {
      this.#state.elapsedSeconds += (performance.now() - started) / 1000;
      this.#rounds++;
    }
    return this.#state.phase === 'done';
  }

  checkpoint(): FitCheckpoint {
    return { kind: 'gpc-sparse', formatVersion: SPARSE_CHECKPOINT_VERSION, rounds: this.#rounds, state: toCheckpointState(this.#state, this.#data) };
  }

  status(): FitStatus {
    const s = this.#state;
    const iteration = s.stages.reduce((t, st) => t + st.iterations, 0) + (s.stepper?.iteration ?? 0) + (s.minibatch?.step ?? 0);
    const objective =
      s.phase === 'variational' || s.phase === 'done'
        ? (s.variational?.value ?? s.stages.at(-1)?.elbo ?? NaN)
        : s.phase === 'minibatch'
          ? (s.minibatch?.estimate ?? NaN)
          : s.stepper
            ? -s.stepper.value
            : NaN;
    return { iteration, objective, elapsedSeconds: s.elapsedSeconds };
  }

  result(): SparseGaussianProcessClassifier {
    if (this.#state.phase !== 'done') throw new NotFittedError('the sparse fit is not done: call advance until it returns true');
    if (this.#result) return this.#result;
    const s = this.#state;
    const { x, y } = this.#data;
    const params: SparseParameters = { theta: s.theta, inducing: s.inducing, mean: s.mean, cholCov: s.cholCov, kernel: this.#kernel, ...(s.warp && { warp: s.warp }) };
    const final = evaluateElbo(x, y, params, { scope: 'none', rows: true, quadraturePoints: this.#quadrature });
    const classifierState = {
      ...params,
      nFeatures: x.cols,
      constantBounds: this.#options.constantBounds ?? DEFAULT_CONSTANT_BOUNDS,
      lengthScaleBounds: this.#options.lengthScaleBounds ?? DEFAULT_LENGTH_SCALE_BOUNDS,
    };
    const theta = Array.from(s.theta);
    const relevances = Array.from({ length: x.cols }, (_, k) => Math.exp(-theta[theta.length === 2 ? 1 : 1 + k]));
    const d = x.cols;
    const additive = theta.length === additiveThetaLength(d) && theta.length !== d + 1;
    const round = (v: number) => Number(Math.exp(v).toPrecision(3));
    const ls = theta.slice(1, additive ? 1 + d : undefined).map(round);
    const additiveLabel = additive ? ` + Sum_d(a_d * RBF_d), a = [${theta.slice(1 + d, 1 + 2 * d).map(round).join(', ')}], length_scale = [${theta.slice(1 + 2 * d).map(round).join(', ')}]` : '';
    const warpLabel = s.warp ? `, inputs warped (b+ = [${Array.from(s.warp.subarray(0, d), (v) => Number(v.toPrecision(3))).join(', ')}], b- = [${Array.from(s.warp.subarray(d), (v) => Number(v.toPrecision(3))).join(', ')}])` : '';
    const summary: SparseFitSummary = {
      nTrain: x.rows,
      nPositive: y.reduce((t, v) => t + v, 0),
      nInducing: s.mean.length,
      theta,
      kernel: `${Math.sqrt(Math.exp(theta[0])).toPrecision(3)}**2 * ${shapeLabel(this.#kernel)}(length_scale=${ls.length === 1 ? ls[0] : `[${ls.join(', ')}]`})${additiveLabel}${warpLabel}, ${s.mean.length} inducing points`,
      elbo: final.value,
      logMarginalLikelihood: final.value,
      relevances,
      optimizer: { stages: s.stages, trace: s.trace, variationalIterations: s.variationalIterations },
      fitSeconds: s.elapsedSeconds,
    };
    this.#result = SparseGaussianProcessClassifier.fromState(classifierState, summary, final.rows);
    return this.#result;
  }

  get #kernel(): KernelShape {
    return this.#options.kernel ?? DEFAULT_SPARSE_KERNEL;
  }

  get #quadrature(): number {
    return this.#options.quadraturePoints ?? QUADRATURE_POINTS;
  }

  /** One unit of work: one L-BFGS iteration, or one natural-gradient step of the last stage. */
  #work(): void {
    const s = this.#state;
    if (s.phase === 'isotropic' || s.phase === 'ard' || s.phase === 'refine') {
      const xOpt = this.#rowsOf(s.phase).x;
      const optimizeInducing = this.#options.optimizeInducing ?? false;
      const nTheta = s.theta.length;
      const nWarp = s.warp?.length ?? 0;
      const stepperOptions = this.#stepperOptions(nTheta, nWarp, optimizeInducing ? s.inducing.length : 0, xOpt.rows / this.#data.xOpt.rows);
      const objective = (v: Float64Array) => this.#profileObjective(v, nTheta, nWarp, optimizeInducing);
      let accepted: { mean: Float64Array; cholCov: Float64Array; elbo: number } | undefined;
      if (!s.stepper) {
        const withWarp = s.warp ? concat(s.theta, s.warp) : s.theta.slice();
        const x0 = optimizeInducing ? concat(withWarp, s.inducing) : withWarp;
        const started = startStepper(x0, stepperOptions, objective);
        s.stepper = started.state;
        accepted = started.extra;
      } else {
        accepted = stepStepper(s.stepper, stepperOptions, objective);
      }
      const stepper = s.stepper;
      if (accepted) {
        s.theta = stepper.x.slice(0, nTheta);
        if (s.warp) s.warp = stepper.x.slice(nTheta, nTheta + nWarp);
        if (optimizeInducing) s.inducing = stepper.x.slice(nTheta + nWarp);
        s.mean = accepted.mean;
        s.cholCov = accepted.cholCov;
        this.#options.onProgress?.({ stage: s.phase, iteration: stepper.iteration, elbo: -stepper.value, theta: Array.from(s.theta), rows: xOpt.rows });
      }
      if (stepper.reason) {
        s.stages.push({ stage: s.phase, rows: xOpt.rows, iterations: stepper.iteration, evaluations: stepper.evaluations, elbo: -stepper.value, reason: stepper.reason });
        s.trace.push(...stepper.trace.map((v) => -v));
        s.stepper = undefined;
        const ard = (this.#options.ard ?? true) && this.#data.x.cols > 1;
        if (s.phase === 'isotropic' && ard) {
          s.phase = 'ard';
          // Every input starts at the isotropic length scale.
          const d = this.#data.x.cols;
          const ardTheta = Float64Array.from({ length: 1 + d }, (_, k) => (k === 0 ? s.theta[0] : s.theta[1]));
          s.theta = this.#options.additive ? concat(ardTheta, initialAdditiveTheta(s.theta[0], d)) : ardTheta;
          s.thetaCentre = s.theta.slice();
          if (this.#options.warp) s.warp = initialWarp(this.#data.warpable);
        } else if (s.phase === 'ard' && this.#data.xOpt.rows < this.#data.x.rows) {
          // Every row for θ: full-batch L-BFGS where it fits, minibatches beyond.
          if (this.#data.x.rows <= (this.#options.refineRows ?? 0)) s.phase = 'refine';
          else if ((this.#options.minibatchEpochs ?? 0) > 0) {
            s.phase = 'minibatch';
            s.minibatch = startMinibatch(s.theta.length + (s.warp?.length ?? 0));
          } else s.phase = 'variational';
        } else s.phase = 'variational';
      }
      return;
    }
    if (s.phase === 'minibatch') this.#minibatchStep();
    if (s.phase === 'variational') this.#variationalStep();
  }

  /** One minibatch step of the `minibatch` stage (minibatch-stage.ts). */
  #minibatchStep(): void {
    const s = this.#state;
    const { x, y } = this.#data;
    const state = s.minibatch!;
    const settings = this.#minibatchSettings;
    const batch = batchRows(x.rows, state.step, settings, this.#data.epochOrder);
    this.#data.epochOrder = batch.cache;
    const nTheta = s.theta.length;
    const bounds = this.#stepperOptions(nTheta, s.warp?.length ?? 0, 0, 1);
    const params = { theta: s.theta, inducing: s.inducing, mean: s.mean, cholCov: s.cholCov, kernel: this.#kernel, ...(s.warp && { warp: s.warp }) };
    const prior = this.#thetaPrior;
    const next = minibatchStep(x, y, batch.index, params, state, settings, bounds, this.#quadrature, prior && logThetaPrior(s.theta, prior).gradient);
    s.mean = next.mean;
    s.cholCov = next.cholCov;
    s.theta = next.theta;
    if (next.warp) s.warp = next.warp;
    this.#options.onProgress?.({ stage: 'minibatch', iteration: state.step, elbo: state.estimate, theta: Array.from(s.theta), rows: batch.index.length });
    const steps = minibatchSteps(x.rows, settings);
    if (state.step >= steps) {
      s.stages.push({ stage: 'minibatch', rows: x.rows, iterations: state.step, evaluations: state.step, elbo: state.estimate, reason: 'max-iterations' });
      s.minibatch = undefined;
      s.phase = 'variational';
    }
  }

  get #minibatchSettings(): MinibatchSettings {
    return {
      batchRows: this.#options.minibatchRows ?? DEFAULT_MINIBATCH_ROWS,
      epochs: this.#options.minibatchEpochs ?? 0,
      learningRate: this.#options.minibatchLearningRate ?? DEFAULT_MINIBATCH_LEARNING_RATE,
      naturalStep: MINIBATCH_NATURAL_STEP,
      seed: this.#options.seed ?? 0,
    };
  }

  /** −ELBO profiled over q at (θ, Z) = v, and its gradient in (θ, Z). */
  #profileObjective(v: Float64Array, nTheta: number, nWarp: number, optimizeInducing: boolean) {
    const s = this.#state;
    const { x: xOpt, y: yOpt } = this.#rowsOf(s.phase);
    const params = {
      theta: v.slice(0, nTheta),
      inducing: optimizeInducing ? v.slice(nTheta + nWarp) : s.inducing,
      mean: s.mean,
      cholCov: s.cholCov,
      kernel: this.#kernel,
      ...(nWarp > 0 && { warp: v.slice(nTheta, nTheta + nWarp) }),
    };
    const m = s.mean.length;
    let factor;
    try {
      factor = inducingCholesky(params, m, xOpt.cols);
    } catch (error) {
      // Two inducing points collapsed at this trial: an infinite value makes the line search back off.
      if (error instanceof NotPositiveDefiniteError) return { value: Infinity, gradient: new Float64Array(v.length), extra: { mean: s.mean, cholCov: s.cholCov, elbo: -Infinity } };
      throw error;
    }
    const q = optimizeVariational(xOpt, yOpt, params, { ...factor, maxIterations: 50, absoluteTolerance: this.#options.variationalTolerance ?? 0, quadraturePoints: this.#quadrature });
    s.variationalIterations += q.iterations;
    const evaluation = evaluateElbo(xOpt, yOpt, { ...params, mean: q.mean, cholCov: q.cholCov }, { scope: 'all', ...factor, quadraturePoints: this.#quadrature });
    const gradient = new Float64Array(v.length);
    for (let k = 0; k < nTheta; k++) gradient[k] = -evaluation.gradTheta![k];
    for (let k = 0; k < nWarp; k++) gradient[nTheta + k] = -evaluation.gradWarp![k];
    if (optimizeInducing) for (let k = 0; k < params.inducing.length; k++) gradient[nTheta + nWarp + k] = -evaluation.gradInducing![k];
    // The ARD stages maximise ELBO + log p(θ) when there is a prior; the isotropic one has none.
    let value = -evaluation.value;
    const prior = this.#thetaPrior;
    if (prior) {
      const log = logThetaPrior(params.theta, prior);
      value -= log.value;
      for (let k = 0; k < nTheta; k++) gradient[k] -= log.gradient[k];
    }
    return { value, gradient, extra: { mean: q.mean, cholCov: q.cholCov, elbo: evaluation.value } };
  }

  /** The prior on θ, once the ARD stage has set its centre, when the options ask for one. */
  get #thetaPrior(): ThetaPrior | undefined {
    const scale = this.#options.thetaPriorScale ?? 0;
    const centre = this.#state.thetaCentre;
    return scale > 0 && centre ? { centre, scale } : undefined;
  }

  /** The rows a hyperparameter stage fits: the subsample, or every row in `refine`. */
  #rowsOf(phase: Phase): { x: DenseMatrix; y: Uint8Array } {
    return phase === 'refine' ? this.#data : { x: this.#data.xOpt, y: this.#data.yOpt };
  }

  /** `rowShare`: the stage's rows over the subsample's; the stall rule asks the same gain per row of every stage. */
  #stepperOptions(nTheta: number, nWarp: number, nInducing: number, rowShare: number): StepperOptions {
    const [cLo, cHi] = this.#options.constantBounds ?? DEFAULT_CONSTANT_BOUNDS;
    const [lLo, lHi] = this.#options.lengthScaleBounds ?? DEFAULT_LENGTH_SCALE_BOUNDS;
    const lower = new Float64Array(nTheta + nWarp + nInducing).fill(-Infinity);
    const upper = new Float64Array(nTheta + nWarp + nInducing).fill(Infinity);
    // The warp's b⁺, b⁻ in [0, MAX_WARP]; [0, 0] for an input with two values.
    for (let k = 0; k < nWarp; k++) {
      lower[nTheta + k] = 0;
      upper[nTheta + k] = this.#data.warpable[k % this.#data.x.cols] ? MAX_WARP : 0;
    }
    lower[0] = Math.log(cLo);
    upper[0] = Math.log(cHi);
    for (let k = 1; k < nTheta; k++) {
      lower[k] = Math.log(lLo);
      upper[k] = Math.log(lHi);
    }
    // The additive layout: the variances a_d take the constant's bounds, the λ_d the length scales'.
    const d = this.#data.x.cols;
    if (nTheta === additiveThetaLength(d) && nTheta !== d + 1) {
      for (let k = 1 + d; k < 1 + 2 * d; k++) {
        lower[k] = Math.log(cLo);
        upper[k] = Math.log(cHi);
      }
    }
    return {
      lower,
      upper,
      gradientTolerance: 1e-5,
      relativeTolerance: this.#options.relativeTolerance ?? 1e-7,
      maxIterations: this.#options.maxIterations ?? 150,
      ...(this.#options.stallNats !== undefined && this.#options.stallNats > 0 && { stall: { iterations: STALL_ITERATIONS, reduction: this.#options.stallNats * rowShare } }),
    };
  }

  /** One natural-gradient step of q(u) on all rows (θ and Z fixed). */
  #variationalStep(): void {
    const s = this.#state;
    const { x, y } = this.#data;
    const params = { theta: s.theta, inducing: s.inducing, mean: s.mean, cholCov: s.cholCov, kernel: this.#kernel, ...(s.warp && { warp: s.warp }) };
    const factor = inducingCholesky(params, s.mean.length, x.cols);
    const options = { scope: 'variational' as const, ...factor, quadraturePoints: this.#quadrature };
    if (!s.variational) {
      const e = evaluateElbo(x, y, params, options);
      s.variational = { value: e.value, gamma: 1, iterations: 0, meanStatistic: e.meanStatistic!, covStatistic: e.covarianceStatistic!, accepted: [e.value] };
      return;
    }
    const v = s.variational;
    const m = s.mean.length;
    const proposal = naturalStep(s.mean, s.cholCov, v.meanStatistic, v.covStatistic, m, v.gamma);
    const next = evaluateElbo(x, y, { ...params, ...proposal }, options);
    v.iterations++;
    s.variationalIterations++;
    let stop: 'converged' | 'stalled' | undefined;
    if (next.value >= v.value) {
      const gain = next.value - v.value;
      s.mean = proposal.mean;
      s.cholCov = proposal.cholCov;
      const accepted = [...v.accepted, next.value].slice(-(STALL_ITERATIONS + 1));
      s.variational = { value: next.value, gamma: Math.min(1, v.gamma * 2), iterations: v.iterations, meanStatistic: next.meanStatistic!, covStatistic: next.covarianceStatistic!, accepted };
      // Converged, or stalled: the last accepted passes together gained at most stallNats.
      const stall = this.#options.stallNats ?? 0;
      if (gain <= 1e-10 * Math.max(1, Math.abs(next.value))) stop = 'converged';
      else if (stall > 0 && stalled(accepted.map((value) => -value), { iterations: STALL_ITERATIONS, reduction: stall })) stop = 'stalled';
    } else {
      v.gamma /= 2;
      if (v.gamma < 1 / 1024) stop = 'converged';
    }
    this.#options.onProgress?.({ stage: 'variational', iteration: v.iterations, elbo: s.variational.value, theta: Array.from(s.theta), rows: x.rows });
    if (stop || v.iterations >= MAX_VARIATIONAL_PASSES) {
      const reason = stop ?? 'max-iterations';
      s.stages.push({ stage: 'variational', rows: x.rows, iterations: s.variational.iterations, evaluations: s.variational.iterations + 1, elbo: s.variational.value, reason });
      s.phase = 'done';
    }
  }
}

/**
 * Where the additive terms start: each with a tenth of the full kernel's variance (so the first
 * ARD steps see nearly the isotropic model) and length scale 1, a threshold's width in
 * standardised units; the ARD stage moves both.
 */
const ADDITIVE_VARIANCE_SHARE = 0.1;
const ADDITIVE_LENGTH_SCALE = 1;

function initialAdditiveTheta(logConstant: number, d: number): Float64Array {
  return Float64Array.from({ length: 2 * d }, (_, k) => (k < d ? logConstant + Math.log(ADDITIVE_VARIANCE_SHARE) : Math.log(ADDITIVE_LENGTH_SCALE)));
}

/**
 * Where the warp starts: b⁺ = b⁻ = 1 on every warpable input, w(x) = x + x³/6 (the identity on
 * two-valued inputs), the fixed stretch that alone raised the holdout AP on AI4I 2020 and on a
 * fresh AI4I-like set; from the identity the fit reached the same optimum there (docs/ml.md §7,
 * "Input warping").
 */
const INITIAL_WARP = 1;

function initialWarp(warpable: readonly boolean[]): Float64Array {
  const d = warpable.length;
  return Float64Array.from({ length: 2 * d }, (_, k) => (warpable[k % d] ? INITIAL_WARP : 0));
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function toCheckpointState(s: FitState, data: FitData): CheckpointState {
  const st = s.stepper;
  return {
    version: SPARSE_CHECKPOINT_VERSION,
    data: { rows: data.x.rows, cols: data.x.cols, positives: data.y.reduce((t, v) => t + v, 0) },
    phase: s.phase,
    theta: encodeFloats(s.theta),
    ...(s.warp && { warp: encodeFloats(s.warp) }),
    ...(s.thetaCentre && { thetaCentre: encodeFloats(s.thetaCentre) }),
    inducing: encodeFloats(s.inducing),
    mean: encodeFloats(s.mean),
    cholCov: encodeFloats(s.cholCov),
    ...(st && { stepper: encodeStepper(st) }),
    ...(s.minibatch && {
      minibatch: {
        step: s.minibatch.step,
        adamMean: encodeFloats(s.minibatch.adamMean),
        adamSquare: encodeFloats(s.minibatch.adamSquare),
        estimate: Number.isFinite(s.minibatch.estimate) ? s.minibatch.estimate : null,
      },
    }),
    ...(s.variational && {
      variational: {
        value: s.variational.value,
        gamma: s.variational.gamma,
        iterations: s.variational.iterations,
        meanStatistic: encodeFloats(s.variational.meanStatistic),
        covStatistic: encodeFloats(s.variational.covStatistic),
        accepted: s.variational.accepted,
      },
    }),
    stages: s.stages.map((st) => ({ ...st })),
    trace: encodeFloats(s.trace),
    variationalIterations: s.variationalIterations,
    elapsedSeconds: s.elapsedSeconds,
  };
}

function fromCheckpointState(c: CheckpointState): FitState {
  const st = c.stepper;
  return {
    phase: c.phase,
    theta: decodeFloats(c.theta, 'theta'),
    warp: c.warp === undefined ? undefined : decodeFloats(c.warp, 'warp'),
    thetaCentre: c.thetaCentre === undefined ? undefined : decodeFloats(c.thetaCentre, 'thetaCentre'),
    inducing: decodeFloats(c.inducing, 'inducing'),
    mean: decodeFloats(c.mean, 'mean'),
    cholCov: decodeFloats(c.cholCov, 'cholCov'),
    stepper: st && decodeStepper(st),
    minibatch: c.minibatch && {
      step: c.minibatch.step,
      adamMean: decodeFloats(c.minibatch.adamMean, 'minibatch.adamMean'),
      adamSquare: decodeFloats(c.minibatch.adamSquare, 'minibatch.adamSquare'),
      estimate: c.minibatch.estimate ?? Number.NaN,
    },
    variational: c.variational && {
      value: c.variational.value,
      gamma: c.variational.gamma,
      iterations: c.variational.iterations,
      meanStatistic: decodeFloats(c.variational.meanStatistic, 'variational.meanStatistic'),
      covStatistic: decodeFloats(c.variational.covStatistic, 'variational.covStatistic'),
      accepted: c.variational.accepted,
    },
    stages: c.stages.map((st) => ({ ...st })),
    trace: Array.from(decodeFloats(c.trace, 'trace')),
    variationalIterations: c.variationalIterations,
    elapsedSeconds: c.elapsedSeconds,
  };
}

/**
 * The kernel when the options name none: the RBF, which had the best ELBO and AP on the fresh
 * AI4I-like set the default was picked on (docs/ml.md §7, "Kernel shapes measured").
 */
export const DEFAULT_SPARSE_KERNEL: KernelShape = 'rbf';

/** Rows per step of the minibatch stage when the options name none. */
export const DEFAULT_MINIBATCH_ROWS = 1_000;
/** Adam's step on log θ in the minibatch stage (GPflow's and GPyTorch's usual 0.01). */
export const DEFAULT_MINIBATCH_LEARNING_RATE = 0.01;
/**
 * The natural-gradient step on q(v) in the minibatch stage: max(this, 1/t) at step t, so the first
 * steps average the minibatches' fixed points (Robbins–Monro) and later ones keep moving with θ.
 */
const MINIBATCH_NATURAL_STEP = 0.1;

/** Natural-gradient passes of the last stage at most (the stage record says `max-iterations` when it stops there). */
const MAX_VARIATIONAL_PASSES = 100;

/** Iterations over which `stallNats` is measured. */
export const STALL_ITERATIONS = 5;

/** Inducing points when the options name none. */
export const DEFAULT_INDUCING_POINTS = 128;

/**
 * Rows the hyperparameter stages see by default (a stratified subsample beyond): on AI4I 2020
 * (7,000 training rows, m = 128) 3,500 rows gave ROC AUC 0.974 / AP 0.773 in 97 s of CPU against
 * 0.974 / 0.784 in 163 s on all rows (docs/ml.md §7); q(u) is fitted on every row either way.
 */
export const DEFAULT_OPTIMIZE_ROWS = 4_000;

function inducingCount(options: SparseFitOptions, rows: number): number {
  return Math.min(options.inducingPoints ?? DEFAULT_INDUCING_POINTS, rows);
}

/** Every option checked up front, with a message that names it. */
function checkOptions(options: SparseFitOptions, x: DenseMatrix): void {
  const positiveInteger = (name: keyof SparseFitOptions) => {
    const v = options[name];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1)) throw new InvalidDataError(`sparse GP option ${name} must be a positive integer, got ${String(v)}`);
  };
  (['inducingPoints', 'optimizeRows', 'maxIterations', 'quadraturePoints', 'minibatchRows'] as const).forEach(positiveInteger);
  if (options.minibatchEpochs !== undefined && !(Number.isSafeInteger(options.minibatchEpochs) && options.minibatchEpochs >= 0)) {
    throw new InvalidDataError(`sparse GP option minibatchEpochs must be an integer ≥ 0, got ${options.minibatchEpochs}`);
  }
  if (options.minibatchLearningRate !== undefined && !(options.minibatchLearningRate > 0 && Number.isFinite(options.minibatchLearningRate))) {
    throw new InvalidDataError(`sparse GP option minibatchLearningRate must be a positive finite number, got ${options.minibatchLearningRate}`);
  }
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) throw new InvalidDataError(`sparse GP option seed must be a safe integer, got ${options.seed}`);
  if (options.inducingPoints !== undefined && options.inducingPoints > x.rows) {
    throw new InvalidDataError(`sparse GP option inducingPoints is ${options.inducingPoints} but there are only ${x.rows} training rows; m must be ≤ n`);
  }
  if (options.optimizeRows !== undefined && options.inducingPoints !== undefined && options.optimizeRows < options.inducingPoints) {
    throw new InvalidDataError(`sparse GP option optimizeRows (${options.optimizeRows}) must be at least inducingPoints (${options.inducingPoints})`);
  }
  for (const name of ['constant', 'lengthScale'] as const) {
    const v = options[name];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new InvalidDataError(`sparse GP option ${name} must be a positive finite number, got ${String(v)}`);
  }
  if (options.thetaPriorScale !== undefined && !(options.thetaPriorScale >= 0 && Number.isFinite(options.thetaPriorScale))) {
    throw new InvalidDataError(`sparse GP option thetaPriorScale must be a finite number ≥ 0, got ${options.thetaPriorScale}`);
  }
  if (options.refineRows !== undefined && !(Number.isSafeInteger(options.refineRows) && options.refineRows >= 0)) {
    throw new InvalidDataError(`sparse GP option refineRows must be an integer ≥ 0, got ${options.refineRows}`);
  }
  if (options.variationalTolerance !== undefined && !(options.variationalTolerance >= 0 && Number.isFinite(options.variationalTolerance))) {
    throw new InvalidDataError(`sparse GP option variationalTolerance must be a finite number ≥ 0, got ${options.variationalTolerance}`);
  }
  if (options.stallNats !== undefined && !(options.stallNats >= 0 && Number.isFinite(options.stallNats))) {
    throw new InvalidDataError(`sparse GP option stallNats must be a finite number ≥ 0, got ${options.stallNats}`);
  }
  if (options.relativeTolerance !== undefined && !(options.relativeTolerance >= 0 && Number.isFinite(options.relativeTolerance))) {
    throw new InvalidDataError(`sparse GP option relativeTolerance must be a finite number ≥ 0, got ${options.relativeTolerance}`);
  }
  for (const name of ['constantBounds', 'lengthScaleBounds'] as const) {
    const b = options[name];
    if (b !== undefined && !(Array.isArray(b) && b.length === 2 && b[0] > 0 && b[1] > b[0] && Number.isFinite(b[1]))) {
      throw new InvalidDataError(`sparse GP option ${name} needs 0 < lower < upper < ∞, got ${JSON.stringify(b)}`);
    }
  }
  if (options.kernel !== undefined) checkKernelShape(options.kernel, 'sparse GP option kernel');
  if (options.additive === true && options.ard === false) throw new InvalidDataError('sparse GP option additive needs ard: the one-dimensional terms join in the ARD stage');
  if (options.warp === true && options.ard === false) throw new InvalidDataError('sparse GP option warp needs ard: the warp is learnt in the ARD stage');
  for (const name of ['ard', 'optimizeInducing', 'additive', 'warp'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw new TypeError(`sparse GP option ${name} must be true or false, got ${String(options[name])}`);
  }
}

/** A checkpoint's arrays of lengths that fit together (a damaged one is refused before any work, not in the first evaluation). */
function checkStateShapes(s: FitState, d: number): void {
  const m = s.mean.length;
  const lengths = [2, d + 1, additiveThetaLength(d)];
  if (!lengths.includes(s.theta.length)) throw new InvalidDataError(`checkpoint: theta has ${s.theta.length} values; a kernel over ${d} inputs has ${lengths.join(', ')}`);
  if (m === 0 || s.inducing.length !== m * d || s.cholCov.length !== m * m) {
    throw new InvalidDataError(`checkpoint: m = ${m} inducing points need ${m * d} inducing and ${m * m} cholCov values; it has ${s.inducing.length} and ${s.cholCov.length}`);
  }
  if (s.warp && s.warp.length !== 2 * d) throw new InvalidDataError(`checkpoint: warp has ${s.warp.length} values; expected ${2 * d}`);
  if (s.thetaCentre && s.thetaCentre.length !== s.theta.length) throw new InvalidDataError(`checkpoint: thetaCentre has ${s.thetaCentre.length} values but theta has ${s.theta.length}`);
}

/** Fits to the end in one go (no budget): the fitted classifier. */
export function fitSparse(x: DenseMatrix, y: ArrayLike<number>, options: SparseFitOptions = {}): SparseGaussianProcessClassifier {
  const fit = startSparseFit(x, y, options);
  fit.advance(Infinity);
  return fit.result();
}
