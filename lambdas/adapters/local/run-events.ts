/**
 * What the local runner tells a live view while an execution runs: one event per state entered,
 * left, failed, retried or caught, per Map iteration, and for the execution itself — made from
 * aws-local-stepfunctions' event log and the run record entry each engine event touched.
 */
import { causeText, type EngineEvent, type IterationRecord, type StateRecord } from './run-record.ts';

/** Fields every state event has. `mapIndex` is set for the states of a Map iteration (the item's index). */
interface StateEventBase {
  readonly timestamp: number;
  readonly state: string;
  /** ASL state type: Task, Map, Pass, Choice, Succeed, Fail, … */
  readonly stateType: string;
  readonly mapIndex?: number;
}

/** Execution events name no state; the optional `undefined` fields let a view read `event.state` before narrowing. */
interface ExecutionEventBase {
  readonly timestamp: number;
  readonly state?: undefined;
  readonly stateType?: undefined;
  readonly mapIndex?: undefined;
}

/** What the live view is told, in order. */
export type RunEvent =
  | (ExecutionEventBase & { readonly type: 'ExecutionStarted'; readonly executionName: string })
  | (StateEventBase & { readonly type: 'StateEntered' })
  /** The state finished (Choice, Pass, Succeed included); `durationMs` counts retries and their waits. */
  | (StateEventBase & { readonly type: 'StateSucceeded'; readonly durationMs: number })
  /** One attempt failed; a StateRetried or StateCaught may follow, else the failure ends the execution (or the iteration). */
  | (StateEventBase & { readonly type: 'StateFailed'; readonly durationMs: number; readonly error: string; readonly cause: string })
  /** The state runs again after the error of its last attempt; `retry` is 1 for the first retry. */
  | (StateEventBase & { readonly type: 'StateRetried'; readonly retry: number; readonly error: string; readonly cause: string })
  /** A Catch took the failure to `next`. */
  | (StateEventBase & { readonly type: 'StateCaught'; readonly next: string; readonly error: string })
  | (StateEventBase & { readonly type: 'MapIterationStarted' | 'MapIterationSucceeded'; readonly mapIndex: number })
  | (StateEventBase & { readonly type: 'MapIterationFailed'; readonly mapIndex: number; readonly error: string; readonly cause: string })
  | (ExecutionEventBase & { readonly type: 'ExecutionSucceeded'; readonly durationMs: number })
  | (ExecutionEventBase & {
      readonly type: 'ExecutionFailed' | 'ExecutionAborted' | 'ExecutionTimedOut';
      readonly durationMs: number;
      readonly error: string;
      readonly cause: string;
    });


/** The live-view form of an engine event, given the record entry it touched; undefined for events the view does not need. */
export function toRunEvent(event: EngineEvent, entry: StateRecord | IterationRecord | undefined): RunEvent | undefined {
  const state = event.state;
  const durationMs = entry?.durationMs ?? 0;
  const stateEntry = entry !== undefined && 'retries' in entry ? entry : undefined;
  if (event.type.startsWith('MapIteration')) {
    const base = { timestamp: event.timestamp, state: event.parentState?.name ?? '', stateType: 'Map', mapIndex: event.index ?? 0 };
    if (event.type === 'MapIterationFailed') {
      return { type: 'MapIterationFailed', ...base, error: event.Error ?? 'Error', cause: causeText(event.Cause) };
    }
    if (event.type === 'MapIterationStarted' || event.type === 'MapIterationSucceeded') return { type: event.type, ...base };
    return undefined;
  }
  if (state === undefined) return undefined;
  const base = {
    timestamp: event.timestamp,
    state: state.name,
    stateType: state.type,
    ...(event.index === undefined ? {} : { mapIndex: event.index }),
  };
  switch (event.type) {
    case 'StateEntered':
      return { type: 'StateEntered', ...base };
    case 'StateExited':
      // A caught state also "exits" (towards its Catch target): StateCaught already said so.
      return stateEntry?.status === 'CAUGHT' ? undefined : { type: 'StateSucceeded', ...base, durationMs };
    case 'StateFailed':
      return { type: 'StateFailed', ...base, durationMs, error: event.Error ?? 'Error', cause: causeText(event.Cause) };
    case 'StateRetried': {
      const last = stateEntry?.retriedErrors?.at(-1);
      return { type: 'StateRetried', ...base, retry: stateEntry?.retries ?? 1, error: last?.error ?? 'Error', cause: last?.cause ?? '' };
    }
    case 'StateCaught':
      return { type: 'StateCaught', ...base, next: event.catch?.catcher.Next ?? '', error: stateEntry?.error ?? 'Error' };
    default:
      return undefined;
  }
}
