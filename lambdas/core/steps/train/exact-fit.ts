import { NotFittedError } from '../../errors.ts';
import type { GpcOptions } from '../../ml/gpc.ts';
import { DEFAULT_GPC_OPTIONS, MaintenanceModel } from '../../ml/maintenance-model.ts';
import type { FitCheckpoint, FitStatus, ResumableFit } from '../../ml/resumable-fit.ts';
import { TrainCheckpointError } from './errors.ts';
import type { FitData, Fitter, FitOptions } from './fitters.ts';

/**
 * The exact GP as a ResumableFit. It fits in one `advance`, whatever the deadline: its
 * factorisations cannot stop halfway, and `auto` only picks it when the cost model says it fits
 * the budget. So its checkpoint (before that advance) holds nothing, and resuming it starts over.
 */

const FORMAT_VERSION = 1;

class ExactFit implements ResumableFit<MaintenanceModel> {
  readonly kind = 'gpc-exact' as const;
  #model: MaintenanceModel | undefined;
  #iteration = 0;
  #objective = Number.NaN;
  #seconds = 0;

  constructor(
    private readonly data: FitData,
    private readonly options: FitOptions,
  ) {}

  advance(): boolean {
    if (this.#model !== undefined) return true;
    const started = performance.now();
    const gpc: GpcOptions =
      this.options.fixedKernel === undefined
        ? {
            ...DEFAULT_GPC_OPTIONS,
            seed: this.options.seed,
            onProgress: (event) => {
              if (event.stage === 'start') return;
              this.#iteration += 1;
              this.#objective = event.logMarginalLikelihood;
              this.options.onOptimizerStep?.(event);
            },
          }
        : { optimize: false, kernel: this.options.fixedKernel };
    this.#model = MaintenanceModel.train(this.data.trainingSet, { gpc, targetRecall: this.options.targetRecall, scaler: this.data.scaler });
    this.#objective = this.#model.fitSummary.logMarginalLikelihood;
    this.#seconds = (performance.now() - started) / 1000;
    return true;
  }

  checkpoint(): FitCheckpoint {
    return { kind: this.kind, formatVersion: FORMAT_VERSION, rounds: this.#model === undefined ? 0 : 1, state: null };
  }

  status(): FitStatus {
    return { iteration: this.#iteration, objective: this.#objective, elapsedSeconds: this.#seconds, ...(this.#model === undefined ? {} : { remainingSeconds: 0 }) };
  }

  result(): MaintenanceModel {
    if (this.#model === undefined) throw new NotFittedError('the exact GP has not been fitted: call advance first');
    return this.#model;
  }
}

export const exactFitter: Fitter = {
  start: (data, options) => new ExactFit(data, options),
  resume: (data, checkpoint, options) => {
    if (checkpoint.kind !== 'gpc-exact' || checkpoint.formatVersion !== FORMAT_VERSION) {
      throw new TrainCheckpointError(`an exact GP fit cannot resume a ${checkpoint.kind} checkpoint of format ${checkpoint.formatVersion}`);
    }
    return new ExactFit(data, options);
  },
};
