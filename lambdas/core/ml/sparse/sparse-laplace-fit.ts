import { z } from 'zod';
import { InvalidDataError, NotFittedError, NotPositiveDefiniteError } from '../../errors.ts';
import type { DenseMatrix } from '../dense.ts';
import { checkKernelShape, isProduct, type KernelShape, shapeLabel } from '../kernel-shape.ts';
import type { Bounds } from '../kernel.ts';
import type { FitCheckpoint, FitStatus, ResumableFit } from '../resumable-fit.ts';
import { checkTrainingData } from '../training-data.ts';
import { evaluateElbo } from './elbo.ts';
import { decodeFloats, encodeFloats } from './float-codec.ts';
import { initialInducingPoints } from './inducing-points.ts';
import { DEFAULT_CONSTANT_BOUNDS, DEFAULT_INDUCING_POINTS, DEFAULT_LENGTH_SCALE_BOUNDS, STALL_ITERATIONS } from './sparse-fit.ts';
import { type StepperOptions, type StepperState, startStepper, stepStepper } from './lbfgs-stepper.ts';
import { evaluateSparseLaplace, inducingPosterior } from './sparse-laplace.ts';
import { decodeStepper, encodeStepper, stepperCheckpointSchema } from './stepper-checkpoint.ts';
import { SparseGaussianProcessClassifier, type SparseFitSummary, type SparseStage } from './svgp.ts';

/**
 * Fits the sparse model by the Laplace approximation (sparse-laplace.ts) instead of the
 * variational bound: θ (and optionally Z) by L-BFGS on the Laplace evidence, on every row, in an
 * isotropic stage and, with `ard`, a stage with one length scale per input from its optimum; then
 * q(v) = N(v̂, B⁻¹). A ResumableFit like the variational one: one L-BFGS iteration per unit of
 * work, and a checkpoint with the stepper's memory and the mode the next Newton search starts
 * from, so a resumed fit takes bit for bit the same steps. The result is an ordinary
 * SparseGaussianProcessClassifier: it predicts, stores and serves as the variational one does.
 * Why and when: docs/ml.md §7, "The Laplace sparse GP".
 */
export interface SparseLaplaceFitOptions {
  /** Number of inducing points m (at most the number of rows). @default 128 */
  readonly inducingPoints?: number;
  /** Radial shapes only (the RBF, Matérn). @default 'rbf' */
  readonly kernel?: KernelShape;
  /** A second stage with one length scale per input. @default false */
  readonly ard?: boolean;
  /** Move Z with θ. @default false */
  readonly optimizeInducing?: boolean;
  /** @default 1 */
  readonly constant?: number;
  /** @default √d */
  readonly lengthScale?: number;
  /** @default [1e-3, 1e4] */
  readonly constantBounds?: Bounds;
  /** @default [1e-2, 1e3] */
  readonly lengthScaleBounds?: Bounds;
  /** L-BFGS iterations per stage. @default 150 */
  readonly maxIterations?: number;
  /** Seed of the inducing-point initialisation. @default 0 */
  readonly seed?: number;
  /**
   * Also stop a stage when its last 5 iterations together gained at most this many nats of
   * evidence (0: only the relative rule), as the variational fit's `stallNats`. @default 0
   */
  readonly stallNats?: number;
  /** Each accepted L-BFGS step: the Laplace evidence on every row. */
  readonly onProgress?: (progress: { readonly stage: SparseStage; readonly iteration: number; readonly evidence: number; readonly theta: number[]; readonly rows: number }) => void;
}

export const SPARSE_LAPLACE_CHECKPOINT_VERSION = 1;

type Phase = 'isotropic' | 'ard' | 'done';

interface FitState {
  phase: Phase;
  theta: Float64Array;
  inducing: Float64Array;
  stepper: StepperState | undefined;
  /** Where the next Newton search starts: the mode of the last evaluation. */
  modeStart: Float64Array | undefined;
  stages: Array<SparseFitSummary['optimizer']['stages'][number]>;
  trace: number[];
  newtonSteps: number;
  elapsedSeconds: number;
}

const checkpointStateSchema = z.object({
  version: z.literal(SPARSE_LAPLACE_CHECKPOINT_VERSION),
  inference: z.literal('laplace'),
  data: z.object({ rows: z.int().positive(), cols: z.int().positive(), positives: z.int().nonnegative() }),
  phase: z.enum(['isotropic', 'ard', 'done']),
  theta: z.string(),
  inducing: z.string(),
  stepper: stepperCheckpointSchema.optional(),
  modeStart: z.string().optional(),
  stages: z.array(z.object({ stage: z.enum(['isotropic', 'ard']), rows: z.int(), iterations: z.int(), evaluations: z.int(), elbo: z.number(), reason: z.string() })),
  trace: z.string(),
  newtonSteps: z.int().nonnegative(),
  elapsedSeconds: z.number().nonnegative(),
});
type CheckpointState = z.infer<typeof checkpointStateSchema>;

/** Starts the fit: inducing points by k-means++ (as the variational fit places them), θ at its start. */
export function startSparseLaplaceFit(x: DenseMatrix, y: ArrayLike<number>, options: SparseLaplaceFitOptions = {}): ResumableFit<SparseGaussianProcessClassifier> {
  const labels = checkTrainingData(x, y);
  const m = checkOptions(options, x);
  const state: FitState = {
    phase: 'isotropic',
    theta: Float64Array.from([Math.log(options.constant ?? 1), Math.log(options.lengthScale ?? Math.sqrt(x.cols))]),
    inducing: initialInducingPoints(x, labels, m, { seed: options.seed ?? 0 }),
    stepper: undefined,
    modeStart: undefined,
    stages: [],
    trace: [],
    newtonSteps: 0,
    elapsedSeconds: 0,
  };
  return new SparseLaplaceFit(x, labels, options, state, 0);
}

/** Goes on from a checkpoint of {@link startSparseLaplaceFit} (same rows, same options). */
export function resumeSparseLaplaceFit(x: DenseMatrix, y: ArrayLike<number>, checkpoint: FitCheckpoint, options: SparseLaplaceFitOptions = {}): ResumableFit<SparseGaussianProcessClassifier> {
  if (checkpoint.kind !== 'gpc-sparse') throw new InvalidDataError(`cannot resume a sparse fit from a checkpoint of kind ${checkpoint.kind}`);
  const labels = checkTrainingData(x, y);
  const m = checkOptions(options, x);
  const parsed = checkpointStateSchema.safeParse(checkpoint.state);
  if (!parsed.success) throw new InvalidDataError(`invalid Laplace sparse fit checkpoint:\n${z.prettifyError(parsed.error)}`);
  const c = parsed.data;
  const positives = labels.reduce((t, v) => t + v, 0);
  if (c.data.rows !== x.rows || c.data.cols !== x.cols || c.data.positives !== positives) {
    throw new InvalidDataError(`checkpoint was taken on ${c.data.rows}×${c.data.cols} rows with ${c.data.positives} positives; these are ${x.rows}×${x.cols} with ${positives}`);
  }
  const state: FitState = {
    phase: c.phase,
    theta: decodeFloats(c.theta, 'theta'),
    inducing: decodeFloats(c.inducing, 'inducing'),
    stepper: c.stepper && decodeStepper(c.stepper),
    modeStart: c.modeStart === undefined ? undefined : decodeFloats(c.modeStart, 'modeStart'),
    stages: c.stages.map((st) => ({ ...st })),
    trace: Array.from(decodeFloats(c.trace, 'trace')),
    newtonSteps: c.newtonSteps,
    elapsedSeconds: c.elapsedSeconds,
  };
  const expectedTheta = c.phase === 'isotropic' ? 2 : x.cols + 1;
  if (state.theta.length !== expectedTheta) throw new InvalidDataError(`checkpoint: theta has ${state.theta.length} values; the ${c.phase} stage has ${expectedTheta}`);
  if (state.inducing.length !== m * x.cols) throw new InvalidDataError(`checkpoint: inducing has ${state.inducing.length} values; m = ${m} points of ${x.cols} inputs have ${m * x.cols}`);
  if (state.modeStart && state.modeStart.length !== m) throw new InvalidDataError(`checkpoint: modeStart has ${state.modeStart.length} values; expected m = ${m}`);
  return new SparseLaplaceFit(x, labels, options, state, checkpoint.rounds);
}

/** Fits to the end in one go (no budget). */
export function fitSparseLaplace(x: DenseMatrix, y: ArrayLike<number>, options: SparseLaplaceFitOptions = {}): SparseGaussianProcessClassifier {
  const fit = startSparseLaplaceFit(x, y, options);
  fit.advance(Infinity);
  return fit.result();
}

class SparseLaplaceFit implements ResumableFit<SparseGaussianProcessClassifier> {
  readonly kind = 'gpc-sparse' as const;
  readonly #x: DenseMatrix;
  readonly #y: Uint8Array;
  readonly #options: SparseLaplaceFitOptions;
  readonly #state: FitState;
  #rounds: number;
  #result: SparseGaussianProcessClassifier | undefined;

  constructor(x: DenseMatrix, y: Uint8Array, options: SparseLaplaceFitOptions, state: FitState, rounds: number) {
    this.#x = x;
    this.#y = y;
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
    const s = this.#state;
    const state: CheckpointState = {
      version: SPARSE_LAPLACE_CHECKPOINT_VERSION,
      inference: 'laplace',
      data: { rows: this.#x.rows, cols: this.#x.cols, positives: this.#y.reduce((t, v) => t + v, 0) },
      phase: s.phase,
      theta: encodeFloats(s.theta),
      inducing: encodeFloats(s.inducing),
      ...(s.stepper && { stepper: encodeStepper(s.stepper) }),
      ...(s.modeStart && { modeStart: encodeFloats(s.modeStart) }),
      stages: s.stages.map((st) => ({ ...st, stage: st.stage as 'isotropic' | 'ard' })),
      trace: encodeFloats(s.trace),
      newtonSteps: s.newtonSteps,
      elapsedSeconds: s.elapsedSeconds,
    };
    return { kind: 'gpc-sparse', formatVersion: SPARSE_LAPLACE_CHECKPOINT_VERSION, rounds: this.#rounds, state };
  }

  status(): FitStatus {
    const s = this.#state;
    const iteration = s.stages.reduce((t, st) => t + st.iterations, 0) + (s.stepper?.iteration ?? 0);
    const objective = s.stepper ? -s.stepper.value : (s.stages.at(-1)?.elbo ?? NaN);
    return { iteration, objective, objectiveName: 'evidence', elapsedSeconds: s.elapsedSeconds };
  }

  result(): SparseGaussianProcessClassifier {
    const s = this.#state;
    if (s.phase !== 'done') throw new NotFittedError('the sparse fit is not done: call advance until it returns true');
    if (this.#result) return this.#result;
    const x = this.#x;
    const m = s.inducing.length / x.cols;
    const kernel = this.#kernel;
    const final = evaluateSparseLaplace(x, this.#y, { theta: s.theta, inducing: s.inducing, kernel }, m, { start: s.modeStart, gradient: false, rows: true });
    const params = { theta: s.theta, inducing: s.inducing, kernel, ...inducingPosterior(final.mode, m) };
    // The summary's ELBO is the variational bound at this q(v), comparable with a variational fit's; the stages and the trace hold the evidence they maximised.
    const elbo = evaluateElbo(x, this.#y, params, { scope: 'none' }).value;
    const theta = Array.from(s.theta);
    const ls = theta.slice(1).map((v) => Number(Math.exp(v).toPrecision(3)));
    const summary: SparseFitSummary = {
      nTrain: x.rows,
      nPositive: this.#y.reduce((t, v) => t + v, 0),
      nInducing: m,
      theta,
      kernel: `${Math.sqrt(Math.exp(theta[0])).toPrecision(3)}**2 * ${shapeLabel(kernel)}(length_scale=${ls.length === 1 ? ls[0] : `[${ls.join(', ')}]`}), ${m} inducing points, Laplace (evidence ${final.value.toFixed(2)})`,
      elbo,
      logMarginalLikelihood: elbo,
      relevances: Array.from({ length: x.cols }, (_, k) => Math.exp(-theta[theta.length === 2 ? 1 : 1 + k])),
      optimizer: { stages: s.stages, trace: s.trace, variationalIterations: s.newtonSteps + final.mode.iterations },
      fitSeconds: s.elapsedSeconds,
    };
    const state = {
      ...params,
      nFeatures: x.cols,
      constantBounds: this.#options.constantBounds ?? DEFAULT_CONSTANT_BOUNDS,
      lengthScaleBounds: this.#options.lengthScaleBounds ?? DEFAULT_LENGTH_SCALE_BOUNDS,
    };
    this.#result = SparseGaussianProcessClassifier.fromState(state, summary, final.rows);
    return this.#result;
  }

  get #kernel(): KernelShape {
    return this.#options.kernel ?? 'rbf';
  }

  /** One L-BFGS iteration of the current stage; at its end, the next stage or done. */
  #work(): void {
    const s = this.#state;
    const moveZ = this.#options.optimizeInducing ?? false;
    const nTheta = s.theta.length;
    const options = this.#stepperOptions(nTheta, moveZ ? s.inducing.length : 0);
    const objective = (v: Float64Array) => this.#objective(v, nTheta, moveZ);
    let accepted: boolean;
    if (!s.stepper) {
      s.stepper = startStepper(moveZ ? Float64Array.from([...s.theta, ...s.inducing]) : s.theta.slice(), options, objective).state;
      accepted = true;
    } else accepted = stepStepper(s.stepper, options, objective) !== undefined;
    const stepper = s.stepper;
    if (accepted) {
      s.theta = stepper.x.slice(0, nTheta);
      if (moveZ) s.inducing = stepper.x.slice(nTheta);
      this.#options.onProgress?.({ stage: s.phase as SparseStage, iteration: stepper.iteration, evidence: -stepper.value, theta: Array.from(s.theta), rows: this.#x.rows });
    }
    if (!stepper.reason) return;
    s.stages.push({ stage: s.phase as SparseStage, rows: this.#x.rows, iterations: stepper.iteration, evaluations: stepper.evaluations, elbo: -stepper.value, reason: stepper.reason });
    s.trace.push(...stepper.trace.map((v) => -v));
    s.stepper = undefined;
    if (s.phase === 'isotropic' && (this.#options.ard ?? false) && this.#x.cols > 1) {
      s.phase = 'ard';
      // Every input starts at the isotropic length scale.
      const [logC, logL] = s.theta;
      s.theta = Float64Array.from({ length: this.#x.cols + 1 }, (_, k) => (k === 0 ? logC : logL));
    } else s.phase = 'done';
  }

  /** −(Laplace evidence) at (θ, Z) = v and its gradient; the mode found seeds the next search. */
  #objective(v: Float64Array, nTheta: number, moveZ: boolean) {
    const s = this.#state;
    const m = s.inducing.length / this.#x.cols;
    const params = { theta: v.slice(0, nTheta), inducing: moveZ ? v.slice(nTheta) : s.inducing, kernel: this.#kernel };
    let e;
    try {
      e = evaluateSparseLaplace(this.#x, this.#y, params, m, { start: s.modeStart });
    } catch (error) {
      // Two inducing points collapsed at this trial: an infinite value makes the line search back off.
      if (error instanceof NotPositiveDefiniteError) return { value: Infinity, gradient: new Float64Array(v.length), extra: -Infinity };
      throw error;
    }
    s.modeStart = e.mode.mode;
    s.newtonSteps += e.mode.iterations;
    const gradient = new Float64Array(v.length);
    for (let k = 0; k < nTheta; k++) gradient[k] = -e.gradTheta![k];
    if (moveZ) for (let k = 0; k < params.inducing.length; k++) gradient[nTheta + k] = -e.gradInducing![k];
    return { value: -e.value, gradient, extra: e.value };
  }

  #stepperOptions(nTheta: number, nInducing: number): StepperOptions {
    const [cLo, cHi] = this.#options.constantBounds ?? DEFAULT_CONSTANT_BOUNDS;
    const [lLo, lHi] = this.#options.lengthScaleBounds ?? DEFAULT_LENGTH_SCALE_BOUNDS;
    const lower = new Float64Array(nTheta + nInducing).fill(-Infinity);
    const upper = new Float64Array(nTheta + nInducing).fill(Infinity);
    lower[0] = Math.log(cLo);
    upper[0] = Math.log(cHi);
    for (let k = 1; k < nTheta; k++) {
      lower[k] = Math.log(lLo);
      upper[k] = Math.log(lHi);
    }
    const stall = this.#options.stallNats ?? 0;
    return {
      lower,
      upper,
      gradientTolerance: 1e-5,
      relativeTolerance: 1e-9,
      maxIterations: this.#options.maxIterations ?? 150,
      ...(stall > 0 && { stall: { iterations: STALL_ITERATIONS, reduction: stall } }),
    };
  }
}

/** Every option checked up front, with a message that names it; returns m. */
function checkOptions(options: SparseLaplaceFitOptions, x: DenseMatrix): number {
  const m = options.inducingPoints ?? Math.min(DEFAULT_INDUCING_POINTS, x.rows);
  if (!Number.isInteger(m) || m < 1 || m > x.rows) throw new InvalidDataError(`Laplace sparse GP option inducingPoints must be an integer in [1, ${x.rows}] (the training rows), got ${m}`);
  if (options.maxIterations !== undefined && !(Number.isInteger(options.maxIterations) && options.maxIterations >= 1)) {
    throw new InvalidDataError(`Laplace sparse GP option maxIterations must be a positive integer, got ${options.maxIterations}`);
  }
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) throw new InvalidDataError(`Laplace sparse GP option seed must be a safe integer, got ${options.seed}`);
  if (options.stallNats !== undefined && !(options.stallNats >= 0 && Number.isFinite(options.stallNats))) {
    throw new InvalidDataError(`Laplace sparse GP option stallNats must be a finite number ≥ 0, got ${options.stallNats}`);
  }
  for (const name of ['constant', 'lengthScale'] as const) {
    const v = options[name];
    if (v !== undefined && !(v > 0 && Number.isFinite(v))) throw new InvalidDataError(`Laplace sparse GP option ${name} must be a positive finite number, got ${String(v)}`);
  }
  for (const name of ['constantBounds', 'lengthScaleBounds'] as const) {
    const b = options[name];
    if (b !== undefined && !(Array.isArray(b) && b.length === 2 && b[0] > 0 && b[1] > b[0] && Number.isFinite(b[1]))) {
      throw new InvalidDataError(`Laplace sparse GP option ${name} needs 0 < lower < upper < ∞, got ${JSON.stringify(b)}`);
    }
  }
  if (options.kernel !== undefined) {
    checkKernelShape(options.kernel, 'Laplace sparse GP option kernel');
    if (isProduct(options.kernel)) throw new InvalidDataError(`Laplace sparse GP option kernel must be radial (rbf, matern32, matern52), got ${options.kernel}`);
  }
  return m;
}
