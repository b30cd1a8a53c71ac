/**
 * Runs a state machine definition — the very file CDK deploys — on this machine with
 * aws-local-stepfunctions, each Task overridden by a local step function, and keeps a run record
 * per execution name (see run-record.ts).
 *
 * Fidelity to AWS that the workflow relies on:
 * - a `lambda:invoke` Task gets `{ Payload, StatusCode, ExecutedVersion }` back, so the definition's
 *   ResultSelector/OutputPath on `$.Payload` behave as in AWS; the handler gets the bare Payload;
 * - a handler's error keeps its `name` (what Retry/Catch match) and its Cause is Lambda's JSON
 *   `{ errorType, errorMessage, trace }`, so a failure path reads the same cause in both runtimes;
 * - payloads and results cross a JSON boundary (no shared objects, no undefined, no Date objects)
 *   and are held to Step Functions' 256 KiB limit;
 * - a Distributed Map, which the engine lacks, runs as an inline Map over what its ItemReader
 *   would read (distributed-map.ts; the `itemReaders` option reads it).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import {
  type AslDefinition,
  LAMBDA_INVOKE_RESOURCE,
  StateMachineDefinitionError,
  asDefinition,
  substitutePlaceholders,
  walkStates,
} from './asl-definition.ts';
import { type ItemReader, type ItemReaderRequest, LOCAL_ITEMS_CONTEXT_FIELD, inlineDistributedMaps, readItems } from './distributed-map.ts';
import {
  type EngineEvent,
  type IterationRecord,
  type RunRecord,
  RunRecordBuilder,
  type StateRecord,
  causeText,
  createRunRecordExclusive,
  newRunRecord,
  readRunRecord,
  runRecordPath,
  supersedeRunRecord,
  writeRunRecord,
} from './run-record.ts';

export { StateMachineDefinitionError } from './asl-definition.ts';
export {
  type ErrorInfo,
  type IterationRecord,
  type RunRecord,
  type RunStatus,
  type StateRecord,
  type StateStatus,
  causeMessage,
  failureText,
  isStaleRunRecord,
  readRunRecord,
  runRecordPath,
} from './run-record.ts';

/** A local stand-in for one Task's Lambda function: gets the Task's payload, returns its result (JSON). */
export type StepHandler = (payload: unknown) => Promise<unknown>;

/** The engine's override map and JSON type (its JSONValue type is not exported by name). */
type EngineHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JsonValue = Parameters<StateMachine['run']>[0];

/** This file, to cut its frames (and the engine's below them) from a step's stack trace. */
const RUNNER_FILE = fileURLToPath(import.meta.url);

/** Step Functions' execution name rule: 1–80 characters of letters, digits, '-' and '_'. */
export const EXECUTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

/** Step Functions' limit on a state's input, output and a task's result (UTF-8 bytes). */
export const STATE_DATA_LIMIT_BYTES = 262_144;

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

export interface RunStateMachineOptions {
  /** The path of the ASL file (a string, e.g. `statemachines/training.asl.json`) or its parsed JSON. */
  readonly definition: unknown;
  /** One handler per Task state, keyed by state name (Tasks inside Map item processors included). */
  readonly handlers: Readonly<Record<string, StepHandler>>;
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
}

/** `started: false` means a record with this name already existed: `record` is that earlier record. */
export interface RunOutcome {
  readonly started: boolean;
  readonly record: RunRecord;
}

/** An execution name Step Functions would refuse. */
export class InvalidExecutionNameError extends RangeError {
  override readonly name = 'InvalidExecutionNameError' as const;
}

/** A Task state without a local handler: the run would fail at that state, so it does not start. */
export class MissingHandlerError extends Error {
  override readonly name = 'MissingHandlerError' as const;
}

/** A handler for a state that is not a Task of the definition (a typo, or a renamed state). */
export class UnknownHandlerError extends Error {
  override readonly name = 'UnknownHandlerError' as const;
}

/**
 * A Task's payload or result over 256 KiB. As in AWS it is neither retried nor caught by
 * States.ALL: the execution fails. The engine reads `isRetryable`/`isCatchable` off the error.
 */
export class DataLimitExceededError extends Error {
  override readonly name = 'States.DataLimitExceeded' as const;
  readonly isRetryable = false;
  readonly isCatchable = false;
}

/** A handler's error as Step Functions sees a Lambda error: same name, Lambda's JSON cause as message. */
class LambdaFunctionError extends Error {
  constructor(errorType: string, cause: string) {
    super(cause);
    // Dynamic on purpose: Retry/Catch must see the step's own error name.
    this.name = errorType;
  }
}

/** @throws InvalidExecutionNameError */
export function validateExecutionName(name: string): void {
  if (!EXECUTION_NAME_PATTERN.test(name)) {
    throw new InvalidExecutionNameError(
      `execution name ${JSON.stringify(name)} is not valid: use 1–80 characters of letters, digits, '-' and '_'`,
    );
  }
}

/**
 * Runs one execution, unless a record with its name exists (then returns that record with
 * `started: false` and calls no handler). Configuration errors (bad name, unreadable or invalid
 * definition, missing or unknown handlers) throw before anything is written; a failing workflow
 * does not throw: it returns a record with status FAILED.
 * @throws InvalidExecutionNameError | StateMachineDefinitionError | MissingHandlerError | UnknownHandlerError
 */
export async function runStateMachine(options: RunStateMachineOptions): Promise<RunOutcome> {
  validateExecutionName(options.executionName);
  const source = typeof options.definition === 'string' ? options.definition : 'definition';
  const raw = typeof options.definition === 'string' ? await readDefinitionFile(options.definition) : options.definition;
  const { definition, readers } = inlineDistributedMaps(substitutePlaceholders(asDefinition(raw, source), options.substitutions));
  if (readers.length > 0 && options.itemReaders === undefined) {
    throw new StateMachineDefinitionError(`${source} has a Distributed Map (${readers.map((r) => r.state).join(', ')}): pass itemReaders to read its items`);
  }
  const handlers = wrapHandlers(definition, options.handlers);
  const stateMachine = buildStateMachine(definition, source);
  const stateMachineName = options.stateMachineName ?? machineNameOf(options.definition);

  await mkdir(options.runsDir, { recursive: true });
  const path = runRecordPath(options.runsDir, options.executionName);
  if (options.replace) await supersedeRunRecord(options.runsDir, options.executionName);
  // The input crosses the same JSON boundary as in StartExecution.
  const input = toJson(options.input);
  const startedAt = new Date();
  const record = newRunRecord({
    name: options.executionName,
    stateMachine: stateMachineName,
    definitionSha256: createHash('sha256').update(JSON.stringify(definition)).digest('hex'),
    input,
    startedAt,
  });
  if (!(await createRunRecordExclusive(path, record))) {
    const earlier = await readRunRecord(options.runsDir, options.executionName);
    if (earlier === undefined) throw new Error(`run record ${path} vanished while it was being read`);
    return { started: false, record: earlier };
  }

  const emit = (event: RunEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A broken live view must not break (or half-record) the run.
    }
  };
  try {
    await execute(stateMachine, definition, readers, handlers, input, record, options, stateMachineName, emit);
  } catch (error) {
    // A fault of the runner itself (not of the workflow): never leave the record RUNNING.
    record.status = 'FAILED';
    record.error = error instanceof Error ? error.name : 'Error';
    record.cause = error instanceof Error ? error.message : causeText(error);
    record.finishedAt = new Date().toISOString();
    record.durationMs = Date.now() - startedAt.getTime();
    await writeRunRecord(path, record);
    throw error;
  }
  await writeRunRecord(path, record);

  const timestamp = Date.parse(record.finishedAt ?? startedAt.toISOString());
  const durationMs = record.durationMs ?? 0;
  if (record.status === 'SUCCEEDED') {
    emit({ type: 'ExecutionSucceeded', timestamp, durationMs });
  } else {
    const type = record.status === 'ABORTED' ? 'ExecutionAborted' : record.status === 'TIMED_OUT' ? 'ExecutionTimedOut' : 'ExecutionFailed';
    emit({ type, timestamp, durationMs, error: record.error ?? 'Error', cause: record.cause ?? '' });
  }
  return { started: true, record };
}

/** Runs the engine and fills `record` (status, output or error, states) from its result and event log. */
async function execute(
  stateMachine: StateMachine,
  definition: AslDefinition,
  readers: readonly ItemReaderRequest[],
  handlers: EngineHandlers,
  input: JsonValue,
  record: RunRecord,
  options: RunStateMachineOptions,
  stateMachineName: string,
  emit: (event: RunEvent) => void,
): Promise<void> {
  const startedAt = Date.parse(record.startedAt);
  const builder = new RunRecordBuilder(record);
  // What the Distributed Maps' ItemReaders read, for the inline Maps that stand in for them.
  const items = await readItems(readers, options.itemReaders);
  const execution = stateMachine.run(input, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: { ...options.waitTimeOverrides },
      retryIntervalOverrides: retryOverrides(definition, options.retryIntervalOverrides),
    },
    // What `$$` shows in AWS, so that paths into the context object work locally too.
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:123456789012:execution:prognos-local-${stateMachineName}:${options.executionName}`,
        Name: options.executionName,
      },
      StateMachine: {
        Id: `arn:aws:states:us-east-1:123456789012:stateMachine:prognos-local-${stateMachineName}`,
        Name: `prognos-local-${stateMachineName}`,
      },
      ...(readers.length > 0 ? { [LOCAL_ITEMS_CONTEXT_FIELD]: items } : {}),
    },
  });
  const onAbort = (): void => execution.abort();
  if (options.signal?.aborted) execution.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  emit({ type: 'ExecutionStarted', timestamp: startedAt, executionName: options.executionName });
  // Consumed alongside the execution; a fault here is kept and rethrown after the result (an
  // unobserved rejection would end the process).
  let logFault: unknown;
  const logged = (async () => {
    for await (const event of execution.eventLogs) {
      const engineEvent = event as EngineEvent;
      const runEvent = toRunEvent(engineEvent, builder.apply(engineEvent));
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

/** The engine validates (asl-validator: schema, JSONPaths, ARNs, reachability) when it is built. */
function buildStateMachine(definition: AslDefinition, source: string): StateMachine {
  try {
    // The validator writes defaults into the object it gets: give it a copy of ours.
    return new StateMachine(structuredClone(definition) as unknown as StateMachineDefinition);
  } catch (error) {
    throw new StateMachineDefinitionError(`${source}: ${(error as Error).message}`);
  }
}

/**
 * One engine override per Task: unwraps the Lambda request, calls the step, and wraps its
 * result the way the Task's Resource returns it.
 * @throws MissingHandlerError | UnknownHandlerError
 */
function wrapHandlers(
  definition: AslDefinition,
  handlers: Readonly<Record<string, StepHandler>>,
): EngineHandlers {
  const tasks = walkStates(definition).filter((s) => s.state.Type === 'Task');
  const missing = tasks.filter((t) => !Object.hasOwn(handlers, t.name)).map((t) => t.name);
  if (missing.length > 0) {
    throw new MissingHandlerError(`no local handler for Task state(s): ${missing.join(', ')}`);
  }
  const taskNames = new Set(tasks.map((t) => t.name));
  const unknown = Object.keys(handlers).filter((name) => !taskNames.has(name));
  if (unknown.length > 0) {
    throw new UnknownHandlerError(
      `handler(s) for ${unknown.join(', ')}, which the definition has no Task state for (its Tasks: ${[...taskNames].join(', ')})`,
    );
  }
  const wrapped: EngineHandlers = {};
  for (const { name, state } of tasks) {
    const invoke = state.Resource === LAMBDA_INVOKE_RESOURCE;
    const handler = handlers[name];
    wrapped[name] = async (request: JsonValue): Promise<JsonValue> => {
      // A Lambda call is never synchronous; yielding here also lets the engine forward pending
      // Map-iteration events to the root log before the execution can close it.
      await nextMacrotask();
      const payload = invoke ? requestPayload(request) : request;
      checkDataLimit(name, 'payload', payload);
      let result: unknown;
      try {
        result = await handler(toJson(payload));
      } catch (error) {
        throw lambdaError(error);
      }
      const json = toJson(result);
      checkDataLimit(name, 'result', json);
      return invoke ? { Payload: json, StatusCode: 200, ExecutedVersion: '$LATEST' } : json;
    };
  }
  return wrapped;
}

/** lambda:invoke's Parameters are `{ FunctionName, Payload }`; without Payload the function gets `{}`. */
function requestPayload(request: JsonValue): JsonValue {
  if (typeof request === 'object' && request !== null && !Array.isArray(request) && 'Payload' in request) return request.Payload;
  return {};
}

/** What crossing Lambda's JSON boundary does to a value: a deep copy, undefined → null, Dates → strings. */
function toJson(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

function checkDataLimit(state: string, what: string, value: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
  if (bytes > STATE_DATA_LIMIT_BYTES) {
    throw new DataLimitExceededError(
      `${state}: the ${what} is ${bytes} bytes, over Step Functions' limit of ${STATE_DATA_LIMIT_BYTES}; pass a key to an object instead`,
    );
  }
}

/** Lambda reports `errorType` = the error's name and a JSON cause; Step Functions' Error is that name. */
function lambdaError(error: unknown): Error {
  if (error instanceof DataLimitExceededError) return error;
  const errorType = error instanceof Error && error.name ? error.name : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error && error.stack ? error.stack.split('\n') : [];
  // Lambda's trace shows the function's frames only: cut where the runner and the engine begin.
  const ours = stack.findIndex((line) => line.includes(RUNNER_FILE));
  const trace = ours === -1 ? stack : stack.slice(0, ours);
  return new LambdaFunctionError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
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

/** The live-view form of an engine event, given the record entry it touched; undefined for events the view does not need. */
function toRunEvent(event: EngineEvent, entry: StateRecord | IterationRecord | undefined): RunEvent | undefined {
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
