/**
 * The record of one local state machine execution, `<runsDir>/<executionName>.json`: what Step
 * Functions' execution history shows in AWS, kept as one JSON file. Its existence is also the
 * local stand-in for ExecutionAlreadyExists: it is created exclusively when a run starts, so a
 * second start with the same name finds it and does not run again.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { failureMessage } from '../../core/steps/record-failure.ts';

/** The lifecycle of an execution, with Step Functions' names. */
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** CAUGHT: the state failed and its Catch moved on; ABORTED: still running when the execution ended. */
export type StateStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CAUGHT' | 'ABORTED';

/** An error as Step Functions reports it: the name that Retry/Catch match, and a cause string. */
export interface ErrorInfo {
  readonly error: string;
  readonly cause: string;
}

/** One visit of one state, in the order the states were entered. */
export interface StateRecord {
  name: string;
  /** ASL state type: Task, Map, Pass, Choice, Succeed, Fail, Parallel, Wait. */
  type: string;
  status: StateStatus;
  /** The state's raw input (before InputPath/Parameters). */
  input: unknown;
  /** The state's output (after ResultPath/OutputPath); for a caught state, the input with the error at the Catch's ResultPath. */
  output?: unknown;
  /** Set when status is FAILED or CAUGHT. */
  error?: string;
  cause?: string;
  startedAt: string;
  /** From entering the state to leaving it, retries and their waits included. */
  durationMs: number;
  /** How many times a Retry ran the state again. */
  retries: number;
  /** The error of each attempt that was retried, in order. */
  retriedErrors?: ErrorInfo[];
  /** Map states: one entry per item. */
  iterations?: IterationRecord[];
}

/** One item of a Map state: its input (after ItemSelector) and the states it went through. */
export interface IterationRecord {
  index: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  startedAt: string;
  durationMs: number;
  states: StateRecord[];
}

/** The whole execution. */
export interface RunRecord {
  readonly recordVersion: 1;
  readonly name: string;
  readonly stateMachine: string;
  /** SHA-256 of the definition as run (after placeholder substitution): which workflow this was. */
  readonly definitionSha256: string;
  status: RunStatus;
  readonly input: unknown;
  readonly startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  /** The execution output (the final state object), when SUCCEEDED. */
  output?: unknown;
  /** Set when FAILED, ABORTED or TIMED_OUT. */
  error?: string;
  cause?: string;
  states: StateRecord[];
  /** Which process ran it, so that a RUNNING record left by a crash can be told from a live run. */
  readonly runner: { readonly pid: number; readonly hostname: string };
}

/** The subset of aws-local-stepfunctions' event log that the record is built from (its types are not exported). */
export interface EngineEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly state?: { readonly name: string; readonly type: string; readonly input: unknown; readonly output?: unknown };
  readonly parentState?: { readonly name: string; readonly type: string };
  readonly index?: number;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly retry?: { readonly attempt: number };
  readonly catch?: { readonly catcher: { readonly Next: string } };
}

/** The file that holds the record of `executionName`. */
export function runRecordPath(runsDir: string, executionName: string): string {
  return join(runsDir, `${executionName}.json`);
}

/** A fresh RUNNING record. */
export function newRunRecord(fields: {
  name: string;
  stateMachine: string;
  definitionSha256: string;
  input: unknown;
  startedAt: Date;
}): RunRecord {
  return {
    recordVersion: 1,
    name: fields.name,
    stateMachine: fields.stateMachine,
    definitionSha256: fields.definitionSha256,
    status: 'RUNNING',
    input: fields.input,
    startedAt: fields.startedAt.toISOString(),
    // Declared now (JSON drops undefined) so that every record lists its fields in the same order.
    finishedAt: undefined,
    durationMs: undefined,
    output: undefined,
    error: undefined,
    cause: undefined,
    states: [],
    runner: { pid: process.pid, hostname: hostname() },
  };
}

/** Engine causes are usually strings; anything else is kept as its JSON text. */
export function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return cause === undefined ? '' : JSON.stringify(cause);
}

/** The readable message inside a cause (a Lambda error's cause is JSON with `errorMessage`). */
export function causeMessage(cause: string | undefined): string {
  return cause === undefined ? '' : failureMessage(cause);
}

/** `<error name>: <message>` of a failed run, for one line to a person. */
export function failureText(record: Pick<RunRecord, 'error' | 'cause'>): string {
  const message = causeMessage(record.cause);
  return `${record.error ?? 'error'}${message ? `: ${message}` : ''}`;
}

/**
 * Folds the engine's event log into a {@link RunRecord}'s `states`. Top-level events have no
 * `index`; the engine forwards the events of a Map's iterations with the item's `index`, and they
 * are filed under the Map state that is running (one Map at a time at the top level, as in a
 * sequential workflow; Parallel branches are recorded as top-level states).
 */
export class RunRecordBuilder {
  constructor(private readonly record: RunRecord) {}

  /** Files the event; returns the state or iteration entry it touched (undefined for execution events). */
  apply(event: EngineEvent): StateRecord | IterationRecord | undefined {
    switch (event.type) {
      case 'StateEntered':
        return this.enter(event);
      case 'StateExited': {
        const entry = this.find(event);
        if (entry === undefined) return undefined;
        if (entry.status !== 'CAUGHT') {
          entry.status = 'SUCCEEDED';
          entry.error = undefined;
          entry.cause = undefined;
        }
        entry.output = event.state?.output;
        entry.durationMs = elapsed(entry.startedAt, event.timestamp);
        return entry;
      }
      case 'StateFailed': {
        const entry = this.find(event);
        if (entry === undefined) return undefined;
        entry.status = 'FAILED';
        entry.error = event.Error ?? 'Error';
        entry.cause = causeText(event.Cause);
        entry.durationMs = elapsed(entry.startedAt, event.timestamp);
        return entry;
      }
      case 'StateRetried': {
        const entry = this.find(event);
        if (entry === undefined) return undefined;
        entry.retries += 1;
        entry.retriedErrors = [...(entry.retriedErrors ?? []), { error: entry.error ?? 'Error', cause: entry.cause ?? '' }];
        entry.status = 'RUNNING';
        entry.error = undefined;
        entry.cause = undefined;
        return entry;
      }
      case 'StateCaught': {
        const entry = this.find(event);
        if (entry !== undefined) entry.status = 'CAUGHT';
        return entry;
      }
      case 'MapIterationStarted': {
        const map = this.mapEntry(event.parentState?.name);
        if (map === undefined || event.index === undefined) return undefined;
        const iteration: IterationRecord = {
          index: event.index,
          status: 'RUNNING',
          input: event.input,
          output: undefined,
          error: undefined,
          cause: undefined,
          startedAt: new Date(event.timestamp).toISOString(),
          durationMs: 0,
          states: [],
        };
        map.iterations ??= [];
        map.iterations.push(iteration);
        map.iterations.sort((a, b) => a.index - b.index);
        return iteration;
      }
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const iteration = this.iteration(event.index, event.parentState?.name);
        if (iteration === undefined) return undefined;
        iteration.durationMs = elapsed(iteration.startedAt, event.timestamp);
        if (event.type === 'MapIterationSucceeded') {
          iteration.status = 'SUCCEEDED';
          iteration.output = event.output;
        } else {
          iteration.status = 'FAILED';
          iteration.error = event.Error ?? 'Error';
          iteration.cause = causeText(event.Cause);
        }
        return iteration;
      }
      default:
        // Execution-level events are read from the execution's result instead.
        return undefined;
    }
  }

  /** States (and iterations) still running when the execution ended were cut short. */
  finish(endedAt: number): void {
    const close = (states: StateRecord[]): void => {
      for (const entry of states) {
        if (entry.status === 'RUNNING') {
          entry.status = 'ABORTED';
          entry.durationMs = elapsed(entry.startedAt, endedAt);
        }
        for (const iteration of entry.iterations ?? []) {
          if (iteration.status === 'RUNNING') {
            iteration.status = 'ABORTED';
            iteration.durationMs = elapsed(iteration.startedAt, endedAt);
          }
          close(iteration.states);
        }
      }
    };
    close(this.record.states);
  }

  private enter(event: EngineEvent): StateRecord | undefined {
    const list = this.listFor(event);
    if (event.state === undefined || list === undefined) return undefined;
    const entry: StateRecord = {
      name: event.state.name,
      type: event.state.type,
      status: 'RUNNING',
      input: event.state.input,
      output: undefined,
      error: undefined,
      cause: undefined,
      startedAt: new Date(event.timestamp).toISOString(),
      durationMs: 0,
      retries: 0,
    };
    list.push(entry);
    return entry;
  }

  /** The list a state event belongs to: the top level, or the states of a Map iteration. */
  private listFor(event: EngineEvent): StateRecord[] | undefined {
    if (event.index === undefined) return this.record.states;
    return this.iteration(event.index)?.states;
  }

  private find(event: EngineEvent): StateRecord | undefined {
    const name = event.state?.name;
    return this.listFor(event)?.findLast((entry) => entry.name === name);
  }

  /** The latest top-level Map entry (with this name, when given). */
  private mapEntry(name?: string): StateRecord | undefined {
    return this.record.states.findLast((entry) => entry.type === 'Map' && (name === undefined || entry.name === name));
  }

  private iteration(index: number | undefined, mapName?: string): IterationRecord | undefined {
    return this.mapEntry(mapName)?.iterations?.find((it) => it.index === index);
  }
}

function elapsed(startedAt: string, timestamp: number): number {
  return Math.max(0, timestamp - Date.parse(startedAt));
}

function serialise(record: RunRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

function tempPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * Creates the record file only if none exists, atomically: it is written in full to a temporary
 * file and hard-linked into place, so a concurrent reader never sees a half-written record and of
 * two concurrent starts exactly one wins (the link fails with EEXIST for the other). On a file
 * system without hard links it falls back to an exclusive create ('wx').
 * @returns true when created, false when a record with this name already existed
 */
export async function createRunRecordExclusive(path: string, record: RunRecord): Promise<boolean> {
  const temp = tempPath(path);
  await writeFile(temp, serialise(record), { flag: 'wx' });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    if (!isErrno(error, 'EPERM') && !isErrno(error, 'ENOTSUP') && !isErrno(error, 'EOPNOTSUPP')) throw error;
    try {
      await writeFile(path, serialise(record), { flag: 'wx' });
      return true;
    } catch (fallbackError) {
      if (isErrno(fallbackError, 'EEXIST')) return false;
      throw fallbackError;
    }
  } finally {
    await rm(temp, { force: true });
  }
}

/** Replaces the record atomically (temporary file + rename): readers see the old or the new, never a mix. */
export async function writeRunRecord(path: string, record: RunRecord): Promise<void> {
  const temp = tempPath(path);
  await writeFile(temp, serialise(record), { flag: 'wx' });
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The record of `executionName`, or undefined when there is none. */
export async function readRunRecord(runsDir: string, executionName: string): Promise<RunRecord | undefined> {
  try {
    return JSON.parse(await readFile(runRecordPath(runsDir, executionName), 'utf8')) as RunRecord;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/**
 * Moves an existing record to `<runsDir>/superseded/<name>.<startedAt>.json` so that a forced
 * re-run keeps the history of the run it replaces. No-op when there is no record.
 */
export async function supersedeRunRecord(runsDir: string, executionName: string): Promise<void> {
  const existing = await readRunRecord(runsDir, executionName);
  if (existing === undefined) return;
  const folder = join(runsDir, 'superseded');
  await mkdir(folder, { recursive: true });
  const stamp = String(existing.startedAt ?? 'unknown').replace(/[^0-9A-Za-z]/g, '');
  try {
    await rename(runRecordPath(runsDir, executionName), join(folder, `${executionName}.${stamp}.json`));
  } catch (error) {
    // Another process superseded it first: the name is free either way.
    if (!isErrno(error, 'ENOENT')) throw error;
  }
}

/**
 * True for a RUNNING record whose process is gone: written on this host by a pid that no longer
 * exists (a crash or a kill -9 left it). Such a run will never finish; start it again with
 * `replace: true`. A record from another host cannot be checked and is never called stale.
 */
export function isStaleRunRecord(record: RunRecord): boolean {
  if (record.status !== 'RUNNING' || record.runner?.hostname !== hostname()) return false;
  if (record.runner.pid === process.pid) return false;
  try {
    process.kill(record.runner.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the pid exists but belongs to another user: alive.
    return isErrno(error, 'ESRCH');
  }
}
