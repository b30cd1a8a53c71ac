import type { DataContract } from '../contract/contract.ts';
import type { ModelKind } from '../ml/resumable-fit.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { QueryEngine } from '../ports/query-engine.ts';

/** What a step may say while it works (training iterations, files read), for a live view or the logs. */
export type StepProgress =
  | { readonly kind: 'message'; readonly text: string }
  | {
      readonly kind: 'optimizer';
      readonly stage: 'subsample' | 'full';
      readonly start: number;
      readonly iteration: number;
      readonly logMarginalLikelihood: number;
      readonly theta: readonly number[];
    }
  /** Where a Train round's fit stands (ResumableFit.status()): after each slice of the round and at its end. */
  | {
      readonly kind: 'fit';
      readonly model: ModelKind;
      readonly round: number;
      readonly iteration: number;
      /** ELBO (sparse) or log marginal likelihood (exact), or as `objectiveName` says; NaN before the first iteration. */
      readonly objective: number;
      readonly objectiveName?: 'evidence';
      readonly elapsedSeconds: number;
      readonly remainingSeconds?: number;
    };

/**
 * The ports a step works through: local adapters in the CLI, AWS adapters in a Lambda. A step
 * never reaches past these (no `fs`, no SDK), which is what lets one step run in both places.
 */
export interface StepContext {
  readonly store: ObjectStore;
  readonly queries: QueryEngine;
  readonly contract: DataContract;
  readonly now: () => Date;
  readonly progress: (event: StepProgress) => void;
  /**
   * Milliseconds this invocation may still run before its runtime cuts it off (a Lambda's
   * remaining time); absent where nothing does (a local run). Train ends its round a margin
   * before it.
   */
  readonly remainingTimeMs?: () => number;
}

/** A step: parses its input (the Task's payload) and returns its result; C is the context it takes. */
export type Step<C extends StepContext = StepContext> = (input: unknown, context: C) => Promise<unknown>;
