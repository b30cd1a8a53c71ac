/**
 * Runs a state machine definition — the very file CDK deploys — on this machine with
 * aws-local-stepfunctions, each Task overridden by a local step function, and keeps a run record
 * per execution name. Its seams live in their own modules: lambda-emulation.ts (what a Lambda
 * Task sees: payload wrapping, data limits, error shapes), run-events.ts (what the live view is
 * told), run-record.ts (the record: schema, persistence, formatting) and distributed-map.ts (a
 * Distributed Map, which the engine lacks, runs as an inline Map over what its ItemReader reads).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import type { CostEstimate } from '../../core/cost/cost-model.ts';
import { ExecutionDoesNotExistError, ExecutionNotRedrivableError, assertExecutionName } from '../../core/ports/orchestrator.ts';
import {
  type AslDefinition,
  StateMachineDefinitionError,
  asDefinition,
  substitutePlaceholders,
  walkStates,
} from './asl-definition.ts';
import { type ItemReader, LOCAL_ITEMS_CONTEXT_FIELD, inlineDistributedMaps, readItemsHandlers, readItemsStateName, toleranceStateName } from './distributed-map.ts';
import { acquireFileLock } from './file-lock.ts';
import { localExecutionArn, localStateMachineArn, localStateMachineName } from './local-arns.ts';
import { type EngineHandlers, type JsonValue, type TaskHandler, toJson, wrapHandlers } from './lambda-emulation.ts';
import { type RunEvent, toRunEvent } from './run-events.ts';
import {
  type EngineEvent,
  HEARTBEAT_INTERVAL_MS,
  REDRIVE_LOCK_PREFIX,
  type RedriveRecord,
  type RunRecord,
  RunRecordBuilder,
  abortStaleRecord,
  causeText,
  isStaleRunRecord,
  createRunRecordExclusive,
  newRunRecord,
  readRunRecord,
  runRecordPath,
  supersedeRunRecord,
  writeRunRecord,
} from './run-record.ts';

export { StateMachineDefinitionError } from './asl-definition.ts';
export { ExecutionDoesNotExistError, ExecutionNotRedrivableError, InvalidExecutionNameError } from '../../core/ports/orchestrator.ts';
export {
  DataLimitExceededError,
  MissingHandlerError,
  STATE_DATA_LIMIT_BYTES,
  type TaskHandler,
  UnknownHandlerError,
} from './lambda-emulation.ts';
export type { RunEvent } from './run-events.ts';
export {
  type ErrorInfo,
  type IterationRecord,
  type RunRecord,
  type RunStatus,
  type StateRecord,
  type StateStatus,
  type RedriveRecord,
  type ShownRunStatus,
  abortStaleRecord,
  causeMessage,
  failureText,
  isStaleRunRecord,
  listRunRecords,
  readRunRecord,
  runRecordPath,
  shownStatus,
  writeRunRecord,
} from './run-record.ts';

export interface RunStateMachineOptions {
  /** The path of the ASL file (a string, e.g. `statemachines/training.asl.json`) or its parsed JSON. */
  readonly definition: unknown;
  /** One handler per Task state, keyed by state name (Tasks inside Map item processors included). */
  readonly handlers: Readonly<Record<string, TaskHandler>>;
  readonly input: unknown;
  /** 1–80 characters of `[A-Za-z0-9_-]`, as in Step Functions; the same name never runs twice. */
  readonly executionName: string;
  /** Folder of the run records; created if missing. */
  readonly runsDir: string;
  /** Live view: called for each event, in order. A throwing callback is ignored: it must not break the run. */
  readonly onEvent?: (event: RunEvent) => void;
  /**
   * Milliseconds to wait before each retry instead of the definition's backoff: one number for
   * every state, or per state (a number, or one per retrier) as aws-local-stepfunctions takes it.
   */
  readonly retryIntervalOverrides?: number | Readonly<Record<string, number | readonly number[]>>;
  /** Milliseconds for Wait states, per state name. */
  readonly waitTimeOverrides?: Readonly<Record<string, number>>;
  /** Values for `${Name}` placeholders; every other placeholder becomes a fake Lambda ARN. */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** Run even if a record with this name exists; the old record moves to `<runsDir>/superseded/`. */
  readonly replace?: boolean;
  /** Aborts the execution (status ABORTED); the running handler itself is not interrupted. */
  readonly signal?: AbortSignal;
  /** Name used in the record and the fake execution ARN; default: the file name without `.asl.json`. */
  readonly stateMachineName?: string;
  /**
   * Reads the items of a Distributed Map's ItemReader (see distributed-map.ts: the Map runs
   * inline over them); required when the definition has one, e.g. `objectStoreItemReader(store)`.
   */
  readonly itemReaders?: ItemReader;
  /**
   * Prices the run when it ends (see run-cost.ts); the estimate is stored in the record as `cost`.
   * Called with the record as it ends, which still holds the earlier attempt's `cost` on a redrive.
   * A failing estimate leaves the record without one: pricing never fails a run.
   */
  readonly estimateCost?: (record: RunRecord) => Promise<CostEstimate>;
}

/** `started: false` means a record with this name already existed: `record` is that earlier record. */
export interface RunOutcome {
  readonly started: boolean;
  readonly record: RunRecord;
}

/** What runStateMachine and redriveStateMachine share once the options are checked. */
interface PreparedRun {
  readonly definition: AslDefinition;
  readonly definitionSha256: string;
  /**
   * What each Distributed Map's ReadItems Task read, by Map name: the object the context field
   * holds (the engine copies the context shallowly, so the Map sees what ReadItems put here).
   */
  readonly items: Record<string, unknown[]> | undefined;
  /** The ReadItems Tasks: never replayed on a redrive, since their work is filling `items`. */
  readonly readItemsStates: ReadonlySet<string>;
  readonly handlers: Readonly<Record<string, TaskHandler>>;
  readonly stateMachineName: string;
  readonly source: string;
  /** Each nested Task's top-level ancestor (the Map or Parallel state it runs in). */
  readonly nestedIn: ReadonlyMap<string, string>;
}

/** @throws InvalidExecutionNameError | StateMachineDefinitionError | MissingHandlerError | UnknownHandlerError */
async function prepare(options: Omit<RunStateMachineOptions, 'input'>): Promise<PreparedRun> {
  assertExecutionName(options.executionName);
  const source = typeof options.definition === 'string' ? options.definition : 'definition';
  const raw = typeof options.definition === 'string' ? await readDefinitionFile(options.definition) : options.definition;
  const { definition, readers, handlers: local } = inlineDistributedMaps(substitutePlaceholders(asDefinition(raw, source), options.substitutions));
  if (readers.length > 0 && options.itemReaders === undefined) {
    throw new StateMachineDefinitionError(`${source} has a Distributed Map (${readers.map((r) => r.state).join(', ')}): pass itemReaders to read its items`);
  }
  const items = readers.length > 0 ? {} : undefined;
  const reading = readItemsHandlers(readers, options.itemReaders, items ?? {});
  // Checked now, so that a configuration error throws before anything is written.
  const handlers = { ...options.handlers, ...local, ...reading };
  wrapHandlers(definition, handlers);
  buildStateMachine(definition, source);
  return {
    definition,
    definitionSha256: createHash('sha256').update(JSON.stringify(definition)).digest('hex'),
    items,
    readItemsStates: new Set(Object.keys(reading)),
    handlers,
    stateMachineName: options.stateMachineName ?? machineNameOf(options.definition),
    source,
    nestedIn: topLevelAncestors(definition),
  };
}

/** Each state inside a Map or Parallel, mapped to the top-level state that contains it. */
function topLevelAncestors(definition: AslDefinition): Map<string, string> {
  const parents = new Map(walkStates(definition).flatMap((s) => (s.parent === undefined ? [] : [[s.name, s.parent] as const])));
  const ancestors = new Map<string, string>();
  for (const name of parents.keys()) {
    let top = parents.get(name)!;
    while (parents.has(top)) top = parents.get(top)!;
    ancestors.set(name, top);
  }
  return ancestors;
}

/**
 * Runs one execution, unless a record with its name exists (then returns that record with
 * `started: false` and calls no handler). Configuration errors (bad name, unreadable or invalid
 * definition, missing or unknown handlers) throw before anything is written; a failing workflow
 * does not throw: it returns a record with status FAILED. The record is rewritten at each state
 * transition and every few seconds (its heartbeat), so a run whose process dies leaves a record
 * of how far it got, which `redriveStateMachine` continues from.
 * @throws InvalidExecutionNameError | StateMachineDefinitionError | MissingHandlerError | UnknownHandlerError
 */
export async function runStateMachine(options: RunStateMachineOptions): Promise<RunOutcome> {
  const run = await prepare(options);
  await mkdir(options.runsDir, { recursive: true });
  const path = runRecordPath(options.runsDir, options.executionName);
  if (options.replace) await supersedeRunRecord(options.runsDir, options.executionName);
  // The input crosses the same JSON boundary as in StartExecution.
  const input = toJson(options.input);
  const record = newRunRecord({
    name: options.executionName,
    stateMachine: run.stateMachineName,
    definitionSha256: run.definitionSha256,
    input,
    startedAt: new Date(),
  });
  if (!(await createRunRecordExclusive(path, record))) {
    const earlier = await readRunRecord(options.runsDir, options.executionName);
    if (earlier === undefined) throw new Error(`run record ${path} vanished while it was being read`);
    return { started: false, record: earlier };
  }
  await executeAndRecord(run, run.definition, input, record, options, new Map());
  return { started: true, record };
}

/** Options of {@link redriveStateMachine}: those of the original run, without its input. */
export type RedriveStateMachineOptions = Omit<RunStateMachineOptions, 'input' | 'replace'>;

/**
 * Step Functions' RedriveExecution on the local runner: continues a FAILED, ABORTED or TIMED_OUT
 * run (or a stale RUNNING one, which is first marked ABORTED) from its first state that did not
 * succeed, with that state's recorded input, under the same name. States that succeeded before
 * it are not run again; their entries stay in the record. When the restart state is a Map or
 * Parallel, the Tasks inside it that succeeded are replayed from the record instead of run
 * again, so only failed iterations and branches do work. The definition must be the one the run
 * started with (as in AWS, a redrive uses the original definition). When the restart state is a
 * Task whose step had returned before the process died (its result is recorded, its exit is not),
 * the recorded result is used rather than doing the step's work a second time.
 * @throws ExecutionDoesNotExistError | ExecutionNotRedrivableError, and runStateMachine's configuration errors
 */
export async function redriveStateMachine(options: RedriveStateMachineOptions): Promise<RunRecord> {
  const run = await prepare(options);
  await mkdir(options.runsDir, { recursive: true });
  const { record, fromState, input } = await claimRedrive(run, options);
  // Tasks that succeeded before with the same payload: the restart state itself (its step finished
  // but its exit was never recorded) and the Tasks inside a restarted Map/Parallel. Replayed by payload.
  // A restart at a ReadItems Task restarts its Map too.
  const restarted = new Set([fromState]);
  const next = run.definition.States[fromState]?.Next;
  if (run.readItemsStates.has(fromState) && typeof next === 'string') restarted.add(next);
  const replay = new Map<string, unknown>();
  for (const entry of record.taskResults ?? []) {
    if (restarted.has(entry.state) || restarted.has(run.nestedIn.get(entry.state) ?? '')) replay.set(taskResultKey(entry.state, entry.payloadSha256), entry.result);
  }
  await executeAndRecord(run, { ...run.definition, StartAt: fromState }, input, record, options, replay);
  return record;
}

/** Takes the run for this process under a lock (two retries at once: one redrives, the other finds it RUNNING). */
async function claimRedrive(run: PreparedRun, options: RedriveStateMachineOptions): Promise<{ record: RunRecord; fromState: string; input: JsonValue }> {
  const release = await acquireFileLock(join(options.runsDir, `${REDRIVE_LOCK_PREFIX}${options.executionName}`));
  try {
    let record = await readRunRecord(options.runsDir, options.executionName);
    if (record === undefined) throw new ExecutionDoesNotExistError(`there is no run named ${options.executionName}`);
    if (record.status === 'RUNNING') {
      if (!isStaleRunRecord(record)) {
        throw new ExecutionNotRedrivableError(`run ${record.name} is still running (pid ${record.runner.pid} on ${record.runner.hostname})`);
      }
      record = abortStaleRecord(record, new Date());
    }
    if (record.status === 'SUCCEEDED') throw new ExecutionNotRedrivableError(`run ${record.name} succeeded: there is nothing to redrive`);
    if (record.definitionSha256 !== run.definitionSha256) {
      throw new ExecutionNotRedrivableError(
        `run ${record.name} started with another version of ${run.source}; a redrive runs the definition the run started with, so start a new run instead`,
      );
    }
    const point = redrivePoint(run.definition, record);
    const redrive: RedriveRecord = {
      redrivenAt: new Date().toISOString(),
      fromState: point.fromState,
      previousStatus: record.status,
      ...(record.error === undefined ? {} : { previousError: record.error }),
      ...(record.cause === undefined ? {} : { previousCause: record.cause }),
      replacedStates: record.states.slice(point.keep),
    };
    record.states = record.states.slice(0, point.keep);
    record.redrives = [...(record.redrives ?? []), redrive];
    record.redriveCount = (record.redriveCount ?? 0) + 1;
    record.status = 'RUNNING';
    record.runner = { pid: process.pid, hostname: hostname() };
    record.heartbeatAt = redrive.redrivenAt;
    for (const field of ['output', 'error', 'cause', 'finishedAt', 'durationMs'] as const) record[field] = undefined;
    await writeRunRecord(runRecordPath(options.runsDir, options.executionName), record);
    return { record, fromState: point.fromState, input: point.input };
  } finally {
    await release();
  }
}

/**
 * Where a redrive restarts: the first top-level state entry that did not succeed (failed, caught,
 * aborted), with its recorded input. When every recorded state succeeded (the process died
 * between two states), it continues at the last state's Next with its output; a Choice or a
 * final state is run again with its input. No state at all: the start, with the run's input.
 */
function redrivePoint(definition: AslDefinition, record: RunRecord): { fromState: string; input: JsonValue; keep: number } {
  const states = record.states;
  let failed = states.findIndex((entry) => entry.status !== 'SUCCEEDED');
  // A Map's local tolerance check (distributed-map.ts) failed: the Map is what a redrive re-runs, as in AWS.
  if (failed > 0 && states[failed]!.name === toleranceStateName(states[failed - 1]!.name)) failed -= 1;
  // A Distributed Map restarts at its ReadItems Task, which fills the items it runs over.
  if (failed > 0 && states[failed - 1]!.name === readItemsStateName(states[failed]!.name)) failed -= 1;
  if (failed !== -1) return { fromState: states[failed]!.name, input: toJson(states[failed]!.input), keep: failed };
  const last = states.at(-1);
  if (last === undefined) return { fromState: definition.StartAt, input: toJson(record.input), keep: 0 };
  // Died between ReadItems and its Map: read again.
  const next = definition.States[last.name]?.Next;
  if (typeof next === 'string' && last.name === readItemsStateName(next)) {
    return { fromState: last.name, input: toJson(last.input), keep: states.length - 1 };
  }
  if (typeof next === 'string') return { fromState: next, input: toJson(last.output), keep: states.length };
  return { fromState: last.name, input: toJson(last.input), keep: states.length - 1 };
}

function taskResultKey(state: string, payloadSha256: string): string {
  return `${state}\u0000${payloadSha256}`;
}

function payloadDigest(payload: JsonValue): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex');
}

/**
 * Runs the engine from `definition.StartAt` with `input`, keeps `record` on disk while it works
 * (each transition, and a heartbeat), and writes its end. Never leaves the record RUNNING: a fault
 * of the runner itself is recorded as FAILED and rethrown.
 */
async function executeAndRecord(
  run: PreparedRun,
  definition: AslDefinition,
  input: JsonValue,
  record: RunRecord,
  options: Omit<RunStateMachineOptions, 'input'>,
  replay: ReadonlyMap<string, unknown>,
): Promise<void> {
  const path = runRecordPath(options.runsDir, options.executionName);
  const writer = new RecordWriter(path, record);
  const emit = (event: RunEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A broken live view must not break (or half-record) the run.
    }
  };
  const handlers = wrapHandlers(definition, run.handlers, {
    replay: (state, payload) => {
      if (replay.size === 0 || run.readItemsStates.has(state)) return undefined;
      const key = taskResultKey(state, payloadDigest(payload));
      return replay.has(key) ? { result: toJson(replay.get(key)) } : undefined;
    },
    beforeCall: async () => {
      writer.touch();
      await writer.flush();
    },
    onResult: async (state, payload, result) => {
      // On disk before the engine moves on: a crash after the step's work but before the state's
      // exit is recorded must not make a redrive do that work twice (a promotion, say).
      record.taskResults = [...(record.taskResults ?? []), { state, payloadSha256: payloadDigest(payload), result }];
      writer.touch();
      await writer.flush();
    },
  });
  const heartbeat = setInterval(() => writer.touch(), HEARTBEAT_INTERVAL_MS);
  heartbeat.unref();
  const startedAt = Date.now();
  try {
    await execute(buildStateMachine(definition, run.source, definition.StartAt === run.definition.StartAt), definition, run.items, handlers, input, record, options, run.stateMachineName, emit, writer);
  } catch (error) {
    record.status = 'FAILED';
    record.error = error instanceof Error ? error.name : 'Error';
    record.cause = error instanceof Error ? error.message : causeText(error);
    record.finishedAt = new Date().toISOString();
    record.durationMs = Date.now() - Date.parse(record.startedAt);
    await writer.close();
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
  if (options.estimateCost !== undefined) {
    try {
      record.cost = await options.estimateCost(record);
    } catch {
      // An estimate is a nicety: the run's outcome is recorded without it.
    }
  }
  await writer.close();

  const timestamp = Date.parse(record.finishedAt ?? new Date(startedAt).toISOString());
  const durationMs = record.durationMs ?? 0;
  if (record.status === 'SUCCEEDED') {
    emit({ type: 'ExecutionSucceeded', timestamp, durationMs });
  } else {
    const type = record.status === 'ABORTED' ? 'ExecutionAborted' : record.status === 'TIMED_OUT' ? 'ExecutionTimedOut' : 'ExecutionFailed';
    emit({ type, timestamp, durationMs, error: record.error ?? 'Error', cause: record.cause ?? '' });
  }
}

/**
 * Writes the record as it changes, one write at a time (a later change waits for the write in
 * flight and is folded into the next one), each with a fresh heartbeat.
 */
class RecordWriter {
  #pending: Promise<void> = Promise.resolve();
  #dirty = false;

  constructor(
    private readonly path: string,
    private readonly record: RunRecord,
  ) {}

  touch(): void {
    if (this.#dirty) return;
    this.#dirty = true;
    this.#pending = this.#pending.then(async () => {
      this.#dirty = false;
      this.record.heartbeatAt = new Date().toISOString();
      try {
        await writeRunRecord(this.path, this.record);
      } catch {
        // A lost progress write must not end the run in the middle of a step; the final write reports a lasting fault.
      }
    });
  }

  /** Waits for the writes asked for so far. */
  async flush(): Promise<void> {
    await this.#pending;
  }

  /** The final write, after any still in flight. */
  async close(): Promise<void> {
    await this.#pending;
    this.record.heartbeatAt = new Date().toISOString();
    await writeRunRecord(this.path, this.record);
  }
}

/** Runs the engine and fills `record` (status, output or error, states) from its result and event log. */
async function execute(
  stateMachine: StateMachine,
  definition: AslDefinition,
  items: Record<string, unknown[]> | undefined,
  handlers: EngineHandlers,
  input: JsonValue,
  record: RunRecord,
  options: Omit<RunStateMachineOptions, 'input'>,
  stateMachineName: string,
  emit: (event: RunEvent) => void,
  writer: RecordWriter,
): Promise<void> {
  const startedAt = Date.parse(record.startedAt);
  const builder = new RunRecordBuilder(record);
  const execution = stateMachine.run(input, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: { ...options.waitTimeOverrides },
      retryIntervalOverrides: retryOverrides(definition, options.retryIntervalOverrides),
    },
    // What `$$` shows in AWS, so that paths into the context object work locally too.
    context: {
      Execution: {
        Id: localExecutionArn(stateMachineName, options.executionName),
        Name: options.executionName,
      },
      StateMachine: {
        Id: localStateMachineArn(stateMachineName),
        Name: localStateMachineName(stateMachineName),
      },
      // Filled by the ReadItems Tasks as each Distributed Map starts, for the inline Map that stands in for it.
      ...(items === undefined ? {} : { [LOCAL_ITEMS_CONTEXT_FIELD]: items }),
    },
  });
  const onAbort = (): void => execution.abort();
  if (options.signal?.aborted) execution.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  // A redrive starts now; a first run when its record says.
  emit({ type: 'ExecutionStarted', timestamp: record.redriveCount ? Date.now() : startedAt, executionName: options.executionName });
  // Consumed alongside the execution; a fault here is kept and rethrown after the result (an
  // unobserved rejection would end the process).
  let logFault: unknown;
  const logged = (async () => {
    for await (const event of execution.eventLogs) {
      const engineEvent = event as EngineEvent;
      const runEvent = toRunEvent(engineEvent, builder.apply(engineEvent));
      writer.touch();
      if (runEvent !== undefined) emit(runEvent);
    }
  })().catch((error: unknown) => {
    logFault = error;
  });

  try {
    record.output = await execution.result;
    record.status = 'SUCCEEDED';
  } catch (error) {
    const failure = classifyFailure(error);
    record.status = failure.status;
    record.error = failure.error;
    record.cause = failure.cause;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  // The engine closes its log when the execution ends (succeeded, failed, aborted, timed out).
  await logged;
  if (logFault !== undefined) throw logFault;

  const finishedAt = Date.now();
  builder.finish(finishedAt);
  record.finishedAt = new Date(finishedAt).toISOString();
  record.durationMs = finishedAt - startedAt;
}

async function readDefinitionFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StateMachineDefinitionError(`cannot read the state machine definition ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StateMachineDefinitionError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function machineNameOf(definition: unknown): string {
  return typeof definition === 'string' ? basename(definition).replace(/\.asl\.json$|\.json$/, '') : 'state-machine';
}

/**
 * The engine validates (asl-validator: schema, JSONPaths, ARNs, reachability) when it is built.
 * A redrive's copy starts at a later state, which leaves the states before it unreachable: it is
 * built without validation, the definition itself having been validated as it ships.
 */
function buildStateMachine(definition: AslDefinition, source: string, validate = true): StateMachine {
  try {
    // The validator writes defaults into the object it gets: give it a copy of ours.
    return new StateMachine(structuredClone(definition) as unknown as StateMachineDefinition, validate ? {} : { validationOptions: { noValidate: true } });
  } catch (error) {
    throw new StateMachineDefinitionError(`${source}: ${(error as Error).message}`);
  }
}

function retryOverrides(
  definition: AslDefinition,
  overrides: RunStateMachineOptions['retryIntervalOverrides'],
): Record<string, number | number[]> {
  if (overrides === undefined) return {};
  if (typeof overrides !== 'number') {
    return Object.fromEntries(Object.entries(overrides).map(([name, ms]) => [name, typeof ms === 'number' ? ms : [...ms]]));
  }
  return Object.fromEntries(
    walkStates(definition)
      .filter((s) => Array.isArray(s.state.Retry))
      .map((s) => [s.name, overrides]),
  );
}

function classifyFailure(error: unknown): { status: RunRecord['status']; error: string; cause: string } {
  if (error instanceof ExecutionAbortedError) return { status: 'ABORTED', error: 'ExecutionAborted', cause: 'aborted by the caller' };
  if (error instanceof ExecutionTimeoutError) {
    return { status: 'TIMED_OUT', error: 'States.Timeout', cause: "the execution exceeded the definition's TimeoutSeconds" };
  }
  // The engine wraps the error that ended the execution (a Fail state's Error/Cause, or an uncaught one).
  const inner = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof Error) return { status: 'FAILED', error: inner.name, cause: inner.message };
  return { status: 'FAILED', error: 'Error', cause: causeText(inner) };
}

