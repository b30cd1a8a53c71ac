/**
 * The Lambda side of a local Task: what a `lambda:invoke` Task sees in AWS, made from an
 * in-process step function.
 * - the handler gets the bare Payload, and the Task gets `{ Payload, StatusCode, ExecutedVersion }`
 *   back, so the definition's ResultSelector/OutputPath on `$.Payload` behave as in AWS;
 * - a handler's error keeps its `name` (what Retry/Catch match) and its Cause is Lambda's JSON
 *   `{ errorType, errorMessage, trace }`;
 * - payloads and results cross a JSON boundary and are held to Step Functions' 256 KiB limit.
 */
import { fileURLToPath } from 'node:url';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { RunOptions, StateMachine } from 'aws-local-stepfunctions';
import { type AslDefinition, LAMBDA_INVOKE_RESOURCE, walkStates } from './asl-definition.ts';

/** A local stand-in for one Task's Lambda function: gets the Task's payload, returns its result (JSON). */
export type TaskHandler = (payload: unknown) => Promise<unknown>;

/** The engine's override map and JSON type (its JSONValue type is not exported by name). */
export type EngineHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
export type JsonValue = Parameters<StateMachine['run']>[0];

/** This file, to cut its frames (and the runner's and engine's below them) from a step's stack trace. */
const EMULATION_FILE = fileURLToPath(import.meta.url);

/** Step Functions' limit on a state's input, output and a task's result (UTF-8 bytes). */
export const STATE_DATA_LIMIT_BYTES = 262_144;

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

/** What the runner may add around each Task's call (a redrive's replay, the record of results). */
export interface TaskHooks {
  /** A recorded result to return instead of calling the handler; undefined to call it. */
  readonly replay?: (state: string, payload: JsonValue) => { readonly result: JsonValue } | undefined;
  /** Awaited before each handler call (not before a replay): the runner saves the record, so a crash inside the step leaves it showing that step. */
  readonly beforeCall?: (state: string) => Promise<void>;
  /** Awaited with each result the handler returned (not with replayed ones), before the engine gets it. */
  readonly onResult?: (state: string, payload: JsonValue, result: JsonValue) => Promise<void>;
}

/**
 * One engine override per Task: unwraps the Lambda request, calls the step, and wraps its
 * result the way the Task's Resource returns it.
 * @throws MissingHandlerError | UnknownHandlerError
 */
export function wrapHandlers(
  definition: AslDefinition,
  handlers: Readonly<Record<string, TaskHandler>>,
  hooks: TaskHooks = {},
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
      const replayed = hooks.replay?.(name, payload);
      let result: unknown;
      if (replayed !== undefined) {
        result = replayed.result;
      } else {
        await hooks.beforeCall?.(name);
        try {
          result = await handler(toJson(payload));
        } catch (error) {
          throw lambdaError(error);
        }
      }
      const json = toJson(result);
      checkDataLimit(name, 'result', json);
      if (replayed === undefined) await hooks.onResult?.(name, payload, json);
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
export function toJson(value: unknown): JsonValue {
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
  // Lambda's trace shows the function's frames only: cut where this emulation, the runner and the engine begin.
  const ours = stack.findIndex((line) => line.includes(EMULATION_FILE));
  const trace = ours === -1 ? stack : stack.slice(0, ours);
  return new LambdaFunctionError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

