import type { DataContract } from '../contract/contract.ts';
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
}
