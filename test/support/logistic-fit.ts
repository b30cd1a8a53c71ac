/**
 * A small deterministic ResumableFit for tests of the Train loop, standing in for a model kind
 * whose fit spans rounds: batch gradient ascent on a logistic regression's log-likelihood over
 * the scaled training rows (a real iterative computation: its state is the weights and the
 * iteration), a fixed number of iterations, then a real MaintenanceModel that Train can save — the
 * exact GP with fixed ARD length scales taken from the weights (l_j = 1 / (|w_j| + 0.1): the inputs
 * the regression leans on get short length scales). `advance` does at least one iteration per
 * call, so a budget of almost nothing still makes progress: one iteration per round.
 */
import type { DenseMatrix } from '../../lambdas/core/ml/dense.ts';
import { MaintenanceModel } from '../../lambdas/core/ml/maintenance-model.ts';
import type { FitCheckpoint, FitStatus, ModelKind, ResumableFit } from '../../lambdas/core/ml/resumable-fit.ts';
import { TrainCheckpointError } from '../../lambdas/core/steps/train/errors.ts';
import type { FitData, Fitter, FitOptions } from '../../lambdas/core/steps/train/fitters.ts';

export interface LogisticFitSettings {
  /** Gradient steps of the whole fit. */
  readonly iterations: number;
  readonly learningRate: number;
  /** Which model kind's slot the stand-in fills. */
  readonly kind: ModelKind;
}

export const LOGISTIC_FIT: LogisticFitSettings = { iterations: 12, learningRate: 0.5, kind: 'gpc-sparse' };

interface LogisticState {
  iteration: number;
  /** Weights per input, then the bias. */
  weights: number[];
  elapsedSeconds: number;
  objective: number | null;
}

const FORMAT_VERSION = 1;

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** One full-batch gradient step of the mean log-likelihood; returns the log-likelihood before it. */
function gradientStep(x: DenseMatrix, y: Uint8Array, w: Float64Array, rate: number): number {
  const d = x.cols;
  const gradient = new Float64Array(d + 1);
  let logLikelihood = 0;
  for (let i = 0; i < x.rows; i++) {
    let z = w[d];
    for (let j = 0; j < d; j++) z += w[j] * x.data[i * d + j];
    const p = sigmoid(z);
    logLikelihood += y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    const residual = y[i] - p;
    for (let j = 0; j < d; j++) gradient[j] += residual * x.data[i * d + j];
    gradient[d] += residual;
  }
  for (let j = 0; j <= d; j++) w[j] += (rate * gradient[j]) / x.rows;
  return logLikelihood;
}

class LogisticFit implements ResumableFit<MaintenanceModel> {
  readonly kind: ModelKind;
  readonly #x: DenseMatrix;
  readonly #y: Uint8Array;
  readonly #weights: Float64Array;
  #state: LogisticState;
  #rounds: number;
  #model: MaintenanceModel | undefined;

  constructor(
    private readonly data: FitData,
    private readonly settings: LogisticFitSettings,
    private readonly targetRecall: number,
    from?: FitCheckpoint,
  ) {
    this.kind = settings.kind;
    this.#x = data.scaler.transform(data.trainingSet.X);
    this.#y = Uint8Array.from(data.trainingSet.y);
    const state = from?.state as LogisticState | undefined;
    this.#weights = Float64Array.from(state?.weights ?? new Array<number>(this.#x.cols + 1).fill(0));
    this.#state = state ?? { iteration: 0, weights: Array.from(this.#weights), elapsedSeconds: 0, objective: null };
    this.#rounds = from?.rounds ?? 0;
  }

  advance(deadline: number): boolean {
    const started = performance.now();
    this.#rounds += 1;
    while (this.#state.iteration < this.settings.iterations) {
      this.#state.objective = gradientStep(this.#x, this.#y, this.#weights, this.settings.learningRate);
      this.#state.iteration += 1;
      if (performance.now() >= deadline) break;
    }
    this.#state.weights = Array.from(this.#weights);
    this.#state.elapsedSeconds += (performance.now() - started) / 1000;
    return this.#state.iteration >= this.settings.iterations;
  }

  checkpoint(): FitCheckpoint {
    return { kind: this.kind, formatVersion: FORMAT_VERSION, rounds: this.#rounds, state: structuredClone(this.#state) };
  }

  status(): FitStatus {
    const { iteration, elapsedSeconds, objective } = this.#state;
    const perIteration = iteration === 0 ? undefined : elapsedSeconds / iteration;
    return {
      iteration,
      objective: objective ?? Number.NaN,
      elapsedSeconds,
      ...(perIteration === undefined ? {} : { remainingSeconds: perIteration * (this.settings.iterations - iteration) }),
    };
  }

  result(): MaintenanceModel {
    if (this.#state.iteration < this.settings.iterations) throw new Error('the logistic fit is not done');
    const d = this.#x.cols;
    const theta = [0, ...Array.from(this.#weights.subarray(0, d), (w) => -Math.log(Math.abs(w) + 0.1))];
    this.#model ??= MaintenanceModel.train(this.data.trainingSet, { gpc: { optimize: false, kernel: { isotropic: false, theta } }, scaler: this.data.scaler, targetRecall: this.targetRecall });
    return this.#model;
  }
}

/** The stand-in as a Fitter; `starts` and `resumes` count its calls. */
export function logisticFitter(settings: LogisticFitSettings = LOGISTIC_FIT): Fitter & { starts: number; resumes: number } {
  const fitter = {
    starts: 0,
    resumes: 0,
    start: (data: FitData, options: FitOptions) => {
      fitter.starts += 1;
      return new LogisticFit(data, settings, options.targetRecall);
    },
    resume: (data: FitData, checkpoint: FitCheckpoint, options: FitOptions) => {
      if (checkpoint.kind !== settings.kind || checkpoint.formatVersion !== FORMAT_VERSION) {
        throw new TrainCheckpointError(`a logistic stand-in cannot resume a ${checkpoint.kind} checkpoint of format ${checkpoint.formatVersion}`);
      }
      fitter.resumes += 1;
      return new LogisticFit(data, settings, options.targetRecall, checkpoint);
    },
  };
  return fitter;
}
