import type { DenseMatrix } from '../../ml/dense.ts';
import type { FitProgress } from '../../ml/gpc.ts';
import type { KernelOptions } from '../../ml/kernel.ts';
import type { KernelShape } from '../../ml/kernel-shape.ts';
import type { MaintenanceModel, TrainingSet } from '../../ml/maintenance-model.ts';
import type { FitCheckpoint, ModelKind, ResumableFit } from '../../ml/resumable-fit.ts';
import type { OptimizerStep } from '../../report/model/report-data.ts';
import type { SparseInference } from '../run-state.ts';
import type { StandardScaler } from '../../ml/scaler.ts';
import { InvalidDataError } from '../../errors.ts';
import { TrainCheckpointError } from './errors.ts';

/**
 * The one place Train meets the model kinds: for each kind, how to start a fit and how to resume
 * one from a checkpoint. Train drives whatever comes back through ResumableFit and never knows
 * which model it is fitting.
 */

/** The rows a fit sees: raw training rows (the model kind scales them with `scaler`) and the scaler SplitAndScale fitted. */
export interface FitData {
  readonly trainingSet: TrainingSet;
  readonly scaler: StandardScaler;
}

export interface FitOptions {
  /** Seed of every random choice of the fit (restarts, subsamples, inducing points, minibatches). */
  readonly seed: number;
  /** Recall the decision threshold is chosen for. */
  readonly targetRecall: number;
  /** Refit: keep these kernel hyperparameters and optimise none. */
  readonly fixedKernel?: KernelOptions;
  /** Sparse GP only: inducing points; unset: its default. */
  readonly inducingPoints?: number;
  /** Sparse GP only: its kernel shape; unset: its default. */
  readonly kernel?: KernelShape;
  /** Sparse GP only: one-dimensional terms per input beside `kernel` (ml/sparse/elbo.ts). */
  readonly additiveKernel?: boolean;
  /** Sparse GP only: learn a warp of each input's tails (ml/sparse/input-warp.ts). */
  readonly inputWarp?: boolean;
  /** Sparse GP only: epochs of minibatch steps beyond the refine limit (ml/sparse/minibatch-stage.ts). */
  readonly minibatchEpochs?: number;
  /** Sparse GP only: its variational bound or the Laplace approximation (ml/sparse/sparse-laplace-fit.ts); unset: variational. */
  readonly sparseInference?: SparseInference;
  /** Each accepted step of the exact GP's hyperparameter search (the training record's trace, and the live view). */
  readonly onOptimizerStep?: (progress: FitProgress) => void;
  /** Each accepted step of a fit that reports no FitProgress (the sparse GP's ELBO), for the training record's trace. */
  readonly onTraceStep?: (step: OptimizerStep) => void;
}

export interface Fitter {
  start(data: FitData, options: FitOptions): ResumableFit<MaintenanceModel>;
  /** Goes on from `checkpoint`, which this kind wrote for the same data and options. */
  resume(data: FitData, checkpoint: FitCheckpoint, options: FitOptions): ResumableFit<MaintenanceModel>;
}

export type Fitters = Readonly<Record<ModelKind, Fitter>>;

/**
 * A classifier's ResumableFit seen as one of a MaintenanceModel: `build` wraps the fitted
 * classifier with the scaler and the threshold once the fit is done. Everything else passes through.
 */
export function withModel<C>(fit: ResumableFit<C>, build: (classifier: C) => MaintenanceModel): ResumableFit<MaintenanceModel> {
  let model: MaintenanceModel | undefined;
  return {
    kind: fit.kind,
    advance: (deadline) => fit.advance(deadline),
    checkpoint: () => fit.checkpoint(),
    status: () => fit.status(),
    result: () => (model ??= build(fit.result())),
  };
}

/** A classifier kind's own start and resume, on scaled rows. */
export interface ClassifierFits<C, O> {
  start(x: DenseMatrix, y: Uint8Array, options: O): ResumableFit<C>;
  resume(x: DenseMatrix, y: Uint8Array, checkpoint: FitCheckpoint, options: O): ResumableFit<C>;
}

/**
 * A Fitter over a classifier's ResumableFit: scales the rows with the split's scaler, maps
 * Train's options to the classifier's (`options`), and wraps the fitted classifier into the
 * MaintenanceModel (`build`: scaler, threshold, leave-one-out). A checkpoint of another kind, or
 * one whose state the kind refuses as damaged, is refused with TrainCheckpointError, on which Train
 * starts over.
 */
export function classifierFitter<C, O>(
  kind: ModelKind,
  fits: ClassifierFits<C, O>,
  options: (fit: FitOptions) => O,
  build: (classifier: C, data: FitData, fit: FitOptions) => MaintenanceModel,
): Fitter {
  const scaled = (data: FitData): DenseMatrix => data.scaler.transform(data.trainingSet.X);
  const labels = (data: FitData): Uint8Array => Uint8Array.from(data.trainingSet.y);
  return {
    start: (data, fit) => withModel(fits.start(scaled(data), labels(data), options(fit)), (classifier) => build(classifier, data, fit)),
    resume: (data, checkpoint, fit) => {
      if (checkpoint.kind !== kind) throw new TrainCheckpointError(`a ${kind} fit cannot resume a ${checkpoint.kind} checkpoint`);
      let resumed: ResumableFit<C>;
      try {
        resumed = fits.resume(scaled(data), labels(data), checkpoint, options(fit));
      } catch (error) {
        // A damaged state costs the checkpoint alone: Train starts over (bad rows would fail that start with their own error).
        if (error instanceof InvalidDataError) throw new TrainCheckpointError(`the ${kind} checkpoint cannot be resumed: ${error.message}`);
        throw error;
      }
      return withModel(resumed, (classifier) => build(classifier, data, fit));
    },
  };
}

