import type { LambdaUse } from './cost-model.ts';

/**
 * Lambda use and state transitions read off an execution's record of states (the local run
 * record; the same shape as Step Functions' execution history folded per state). Structural types,
 * so that core does not depend on the local adapter that writes the record.
 */

export interface RecordedState {
  readonly name: string;
  readonly type: string;
  /** From entering the state to leaving it, retries and their waits included. */
  readonly durationMs: number;
  readonly retries: number;
  readonly iterations?: readonly { readonly states: readonly RecordedState[] }[];
}

export interface StateUsage {
  readonly lambda: LambdaUse[];
  readonly stateTransitions: number;
  /** Task states with no entry in the memory table. */
  readonly unpricedTasks: string[];
}

/**
 * Every state entry is one transition, and each retry one more (Step Functions bills a retry as a
 * transition); a Map's iterations add theirs. Each Task entry is 1 + retries Lambda invocations
 * whose billed time is taken as the entry's duration: an upper bound, since it includes the
 * retries' backoff waits, when no function runs.
 */
export function usageFromStates(states: readonly RecordedState[], memoryMb: Readonly<Record<string, number>>): StateUsage {
  const lambda: LambdaUse[] = [];
  const unpriced = new Set<string>();
  let transitions = 0;
  const walk = (list: readonly RecordedState[]): void => {
    for (const state of list) {
      transitions += 1 + state.retries;
      if (state.type === 'Task') {
        const memory = memoryMb[state.name];
        if (memory === undefined) unpriced.add(state.name);
        else lambda.push({ state: state.name, memoryMb: memory, durationMs: state.durationMs, invocations: 1 + state.retries });
      }
      for (const iteration of state.iterations ?? []) walk(iteration.states);
    }
  };
  walk(states);
  return { lambda, stateTransitions: transitions, unpricedTasks: [...unpriced].sort() };
}
