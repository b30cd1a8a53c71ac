/**
 * A fit that works to a time budget and can stop and go on later, possibly in another process
 * (the Train Lambda is cut off after 15 minutes; a local run can be killed). The Train step
 * drives it: `advance` until the budget's deadline, then either the fitted model (done) or a
 * checkpoint written to the object store, from which the next Train round resumes.
 *
 * Contract for every model kind that implements it:
 * - `advance(deadline)` returns at the latest shortly after `deadline` (one optimiser iteration
 *   may overrun it; the caller's margin covers that), and `true` once the fit is complete.
 * - `checkpoint()` is JSON (numbers survive JSON.stringify/parse exactly) and holds everything
 *   the fit needs to go on: hyperparameters, variational parameters, optimiser memory, random
 *   state, round and iteration counters. Not the training data: the caller reloads that.
 * - Resuming from a checkpoint and advancing gives bit for bit the model an uninterrupted fit
 *   gives, whatever the deadlines were (same data, same options).
 */

/** The model families Prognos trains; an artifact records its kind. */
export const MODEL_KINDS = ['gpc-exact', 'gpc-sparse'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** What a checkpoint of a fit in progress is: the kind, a format version, and the kind's own state. */
export interface FitCheckpoint {
  readonly kind: ModelKind;
  readonly formatVersion: number;
  /** Completed `advance` calls so far (the Train round). */
  readonly rounds: number;
  /** Owned by the model kind; JSON-serialisable. */
  readonly state: unknown;
}

/** Where a fit in progress stands, for progress lines and the estimate of the time left. */
export interface FitStatus {
  readonly iteration: number;
  /** The objective being maximised: ELBO (sparse) or log marginal likelihood (exact)… */
  readonly objective: number;
  /** …or what `objectiveName` says it is when neither (the Laplace sparse fit's evidence). */
  readonly objectiveName?: 'evidence';
  readonly elapsedSeconds: number;
  /** Estimated seconds still needed; undefined when the fit cannot tell. */
  readonly remainingSeconds?: number;
}

export interface ResumableFit<Model> {
  readonly kind: ModelKind;
  /** Works until done or until `deadline` (milliseconds on `performance.now()`'s clock); true when done. */
  advance(deadline: number): boolean;
  /** State to resume from; valid between `advance` calls. */
  checkpoint(): FitCheckpoint;
  status(): FitStatus;
  /** The fitted model; only after `advance` returned true. */
  result(): Model;
}
