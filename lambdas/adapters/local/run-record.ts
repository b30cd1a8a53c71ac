/**
 * The record of one local state machine execution, `<runsDir>/<executionName>.json`: what Step
 * Functions' execution history shows in AWS, kept as one JSON file. Its existence is also the
 * local stand-in for ExecutionAlreadyExists: it is created exclusively when a run starts, so a
 * second start with the same name finds it and does not run again.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { CostEstimate } from '../../core/cost/cost-model.ts';
import { isErrno, processRuns } from './fs-helpers.ts';

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
  /** Which process runs it (the last redrive's), so that a RUNNING record left by a crash can be told from a live run. */
  runner: { readonly pid: number; readonly hostname: string };
  /** Rewritten every {@link HEARTBEAT_INTERVAL_MS} and at each state transition while the run works. */
  heartbeatAt?: string;
  /** How many times the run was redriven (Step Functions' redriveCount); absent in records older than redrive. */
  redriveCount?: number;
  /** One entry per redrive, oldest first: where it restarted and what the attempt before it ended with. */
  redrives?: RedriveRecord[];
  /**
   * Every result a Task's step returned, by payload, saved before the engine got it: a redrive of
   * a Map or Parallel replays those of its Tasks instead of running them again (only failed
   * iterations and branches re-run, as in Step Functions), and a redrive that restarts at a Task
   * whose step had returned (the crash came before its exit was recorded) replays its result.
   */
  taskResults?: TaskResultRecord[];
  /** What the run cost at list prices (every attempt, redrives included), written when it ends; absent in older records. */
  cost?: CostEstimate;
}

/** One successful Task invocation. */
export interface TaskResultRecord {
  readonly state: string;
  /** SHA-256 of the payload's JSON text. */
  readonly payloadSha256: string;
  readonly result: unknown;
}

/** One redrive of a run. */
export interface RedriveRecord {
  readonly redrivenAt: string;
  /** The state it restarted from (with its recorded input); the execution's StartAt when no state had run. */
  readonly fromState: string;
  /** How the attempt before it ended. */
  readonly previousStatus: RunStatus;
  readonly previousError?: string;
  readonly previousCause?: string;
  /** The state entries of the attempt before it from `fromState` on, replaced by the redrive's. */
  readonly replacedStates: StateRecord[];
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

/** First characters of the lock a redrive takes on a run (a store housekeeping name, `.prognos~lock~…`). */
export const REDRIVE_LOCK_PREFIX = '.prognos~lock~redrive~';

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
  if (cause === undefined) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause is the message
  }
  return cause;
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

/** A file in the runs folder that is not a readable run record (torn by a crash, or edited by hand). */
export interface UnreadableRunRecord {
  readonly file: string;
  readonly reason: string;
}

/**
 * Every run record in `runsDir` (not the superseded ones), oldest start first, and the `.json`
 * files there that are not records. A missing folder has none.
 */
export async function listRunRecords(runsDir: string): Promise<{ records: RunRecord[]; unreadable: UnreadableRunRecord[] }> {
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { records: [], unreadable: [] };
    throw error;
  }
  const records: RunRecord[] = [];
  const unreadable: UnreadableRunRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = join(runsDir, name);
    try {
      const value = JSON.parse(await readFile(file, 'utf8')) as Partial<RunRecord> | null;
      if (value === null || typeof value !== 'object' || typeof value.name !== 'string' || typeof value.status !== 'string' || !Array.isArray(value.states)) {
        unreadable.push({ file, reason: 'not a run record (name, status or states missing)' });
      } else {
        records.push(value as RunRecord);
      }
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue;
      unreadable.push({ file, reason: error instanceof SyntaxError ? `not JSON: ${error.message}` : (error as Error).message });
    }
  }
  records.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { records, unreadable };
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
 * How long a RUNNING record from another host may go without a heartbeat before it is called
 * stale. Generous on purpose: a step that computes without yielding (a long fit) delays the
 * heartbeat, and Train's Task timeout is 15 minutes.
 */
export const HEARTBEAT_STALE_MS = 20 * 60_000;

/** How often a running execution rewrites its record's heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/**
 * True for a RUNNING record that will never finish: on this host, its process is gone (a crash
 * or a kill -9 left it); on another host, its heartbeat is older than {@link HEARTBEAT_STALE_MS}
 * (processes there cannot be checked). A stale run can be marked aborted and redriven.
 */
export function isStaleRunRecord(record: RunRecord, now = Date.now()): boolean {
  if (record.status !== 'RUNNING') return false;
  if (record.runner?.hostname === hostname()) {
    if (record.runner.pid === process.pid) return false;
    return !processRuns(record.runner.pid);
  }
  const beat = Date.parse(record.heartbeatAt ?? record.startedAt);
  return !Number.isFinite(beat) || now - beat > HEARTBEAT_STALE_MS;
}

/** The status to show a person: a stale RUNNING record is shown as STALE. */
export type ShownRunStatus = RunStatus | 'STALE';

export function shownStatus(record: RunRecord, now = Date.now()): ShownRunStatus {
  return isStaleRunRecord(record, now) ? 'STALE' : record.status;
}

/**
 * Marks a stale run ABORTED (as StopExecution would have): its unfinished states are closed as
 * aborted, so `prognos runs retry` can redrive it from there.
 */
export function abortStaleRecord(record: RunRecord, now: Date): RunRecord {
  const aborted: RunRecord = structuredClone(record);
  aborted.status = 'ABORTED';
  aborted.error = 'States.Runtime';
  aborted.cause = `the process that ran it (pid ${record.runner.pid} on ${record.runner.hostname}) ended without finishing it`;
  const endedAt = Date.parse(record.heartbeatAt ?? record.startedAt);
  aborted.finishedAt = new Date(Number.isFinite(endedAt) ? endedAt : now.getTime()).toISOString();
  aborted.durationMs = Math.max(0, Date.parse(aborted.finishedAt) - Date.parse(record.startedAt));
  new RunRecordBuilder(aborted).finish(Date.parse(aborted.finishedAt));
  return aborted;
}
