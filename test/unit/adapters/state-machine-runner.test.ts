import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fakeLambdaArn,
  placeholderNames,
  substitutePlaceholders,
  taskStateNames,
  type AslDefinition,
} from '../../../lambdas/adapters/local/asl-definition.ts';
import { newRunRecord } from '../../../lambdas/adapters/local/run-record.ts';
import {
  InvalidExecutionNameError,
  MissingHandlerError,
  type RunEvent,
  type RunRecord,
  STATE_DATA_LIMIT_BYTES,
  StateMachineDefinitionError,
  type TaskHandler,
  UnknownHandlerError,
  causeMessage,
  isStaleRunRecord,
  runStateMachine,
} from '../../../lambdas/adapters/local/state-machine-runner.ts';

/** A lambda:invoke Task as the project writes them. */
function invokeTask(name: string, rest: Record<string, unknown>): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: `\${${name}FunctionArn}`, 'Payload.$': '$' },
    ResultSelector: { 'Payload.$': '$.Payload' },
    TimeoutSeconds: 5,
    ...rest,
  };
}

/** Double → (direct-ARN) Echo → Done, with a failure path, and a Map whose Task retries slowly unless overridden. */
const definition = {
  StartAt: 'Double',
  States: {
    Double: invokeTask('Double', {
      ResultPath: '$.doubled',
      Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 3600, MaxAttempts: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Failed' }],
      Next: 'Echo',
    }),
    Echo: {
      Type: 'Task',
      Resource: '${EchoFunctionArn}',
      TimeoutSeconds: 5,
      ResultPath: '$.echo',
      Next: 'Each',
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Square',
        States: {
          Square: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: '${SquareFunctionArn}', 'Payload.$': '$' },
            OutputPath: '$.Payload',
            TimeoutSeconds: 5,
            Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 3600, MaxAttempts: 2 }],
            End: true,
          },
        },
      },
      ResultPath: '$.squares',
      End: true,
    },
    Failed: { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },
  },
} as const;

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

let runsDir: string;
beforeEach(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'prognos-runner-'));
});
afterEach(async () => {
  await rm(runsDir, { recursive: true, force: true });
});

interface Calls {
  Double: unknown[];
  Echo: unknown[];
  Square: unknown[];
}

function handlers(overrides: Partial<Record<keyof Calls, TaskHandler>> = {}): { handlers: Record<keyof Calls, TaskHandler>; calls: Calls } {
  const calls: Calls = { Double: [], Echo: [], Square: [] };
  const base: Record<keyof Calls, TaskHandler> = {
    Double: async (p) => ({ value: 2 * (p as { value: number }).value }),
    Echo: async (p) => p,
    Square: async (p) => (p as number) ** 2,
  };
  const recorded = Object.fromEntries(
    (Object.keys(base) as (keyof Calls)[]).map((name) => [
      name,
      async (payload: unknown) => {
        calls[name].push(payload);
        return (overrides[name] ?? base[name])(payload);
      },
    ]),
  ) as Record<keyof Calls, TaskHandler>;
  return { handlers: recorded, calls };
}

const input = { value: 21, items: [1, 2, 3] };

describe('placeholders', () => {
  it('lists every ${Name} and replaces each with a fake Lambda ARN, or the value given', () => {
    const asl = definition as unknown as AslDefinition;
    expect(placeholderNames(asl)).toEqual(['DoubleFunctionArn', 'EchoFunctionArn', 'SquareFunctionArn']);
    expect(fakeLambdaArn('EchoFunctionArn')).toBe('arn:aws:lambda:us-east-1:123456789012:function:prognos-local-EchoFunctionArn');

    const out = substitutePlaceholders(asl, { DoubleFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:double' });
    expect(placeholderNames(out)).toEqual([]);
    expect(out.States.Double.Parameters).toEqual({ FunctionName: 'arn:aws:lambda:eu-west-1:111111111111:function:double', 'Payload.$': '$' });
    expect(out.States.Echo.Resource).toBe(fakeLambdaArn('EchoFunctionArn'));
    const square = out.States.Each.ItemProcessor?.States.Square;
    expect(square?.Parameters).toEqual({ FunctionName: fakeLambdaArn('SquareFunctionArn'), 'Payload.$': '$' });
    // The input is not modified.
    expect(definition.States.Echo.Resource).toBe('${EchoFunctionArn}');
  });

  it('finds Task states inside Map item processors', () => {
    expect(taskStateNames(definition as unknown as AslDefinition)).toEqual(['Double', 'Echo', 'Square']);
  });
});

describe('runStateMachine', () => {
  it('gives lambda:invoke handlers the bare payload and the engine a Lambda response; direct-ARN Tasks get raw values', async () => {
    const { handlers: h, calls } = handlers();
    const { started, record } = await runStateMachine({ definition, handlers: h, input, executionName: 'shapes', runsDir });

    expect(started).toBe(true);
    expect(record.status).toBe('SUCCEEDED');
    expect(calls.Double).toEqual([input]); // not { FunctionName, Payload }
    expect(calls.Echo).toEqual([{ ...input, doubled: { Payload: { value: 42 } } }]);
    expect(calls.Square.sort()).toEqual([1, 2, 3]);
    expect(record.output).toEqual({
      ...input,
      doubled: { Payload: { value: 42 } },
      echo: { ...input, doubled: { Payload: { value: 42 } } },
      squares: [1, 4, 9],
    });
  });

  it('passes values through JSON, as Lambda does: copies, no undefined, dates as strings', async () => {
    const when = new Date('2026-11-26T08:00:00Z');
    const { handlers: h, calls } = handlers({
      Double: async (p) => {
        (p as { value: number }).value = -1; // must not leak into the state
        return { value: 42, when, missing: undefined };
      },
    });
    const { record } = await runStateMachine({ definition, handlers: h, input, executionName: 'json', runsDir });
    expect(record.output).toMatchObject({ value: 21, doubled: { Payload: { value: 42, when: when.toISOString() } } });
    expect(calls.Echo[0]).not.toHaveProperty('doubled.Payload.missing');
  });

  it('refuses a definition with a Task that has no handler, before writing anything', async () => {
    const { handlers: h } = handlers();
    const { Square: _dropped, ...partial } = h;
    await expect(runStateMachine({ definition, handlers: partial, input, executionName: 'missing', runsDir })).rejects.toThrow(
      MissingHandlerError,
    );
    await expect(runStateMachine({ definition, handlers: partial, input, executionName: 'missing', runsDir })).rejects.toThrow(/Square/);
    expect(await readdir(runsDir)).toEqual([]);
  });

  it('refuses a handler for a state that is not a Task', async () => {
    const { handlers: h } = handlers();
    await expect(
      runStateMachine({ definition, handlers: { ...h, Sqaure: h.Square }, input, executionName: 'typo', runsDir }),
    ).rejects.toThrow(UnknownHandlerError);
  });

  it('refuses an invalid definition with the validator’s message', async () => {
    const broken = { ...definition, States: { ...definition.States, Echo: { ...definition.States.Echo, Next: 'Nowhere' } } };
    const { handlers: h } = handlers();
    await expect(runStateMachine({ definition: broken, handlers: h, input, executionName: 'broken', runsDir })).rejects.toThrow(
      StateMachineDefinitionError,
    );
    await expect(
      runStateMachine({ definition: join(runsDir, 'no-such.asl.json'), handlers: h, input, executionName: 'nofile', runsDir }),
    ).rejects.toThrow(/cannot read/);
  });

  it.each(['', 'a'.repeat(81), 'with space', 'a/b', '../up', 'dot.ted', 'ümlaut', 'tab\t'])(
    'rejects the execution name %j',
    async (name) => {
      const { handlers: h } = handlers();
      await expect(runStateMachine({ definition, handlers: h, input, executionName: name, runsDir })).rejects.toThrow(
        InvalidExecutionNameError,
      );
    },
  );

  it('accepts an 80-character name of letters, digits, - and _', async () => {
    const name = `${'Ab9-_'.repeat(15)}abcde`;
    expect(name).toHaveLength(80);
    const { handlers: h } = handlers();
    const { record } = await runStateMachine({ definition, handlers: h, input, executionName: name, runsDir });
    expect(record.status).toBe('SUCCEEDED');
  });

  it('keeps the error name for Retry/Catch and gives a Lambda-style JSON cause', async () => {
    const { handlers: h } = handlers({
      Double: async () => {
        throw named('InvalidDataError', 'value must be finite');
      },
    });
    const { record } = await runStateMachine({ definition, handlers: h, input, executionName: 'caught', runsDir });
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('InvalidDataError');
    const cause = JSON.parse(record.cause ?? '') as { errorType: string; errorMessage: string; trace: string[] };
    expect(cause.errorType).toBe('InvalidDataError');
    expect(cause.errorMessage).toBe('value must be finite');
    expect(cause.trace[0]).toBe('InvalidDataError: value must be finite');
    expect(cause.trace.join('\n')).not.toMatch(/aws-local-stepfunctions|adapters\/local\/state-machine-runner/);
    expect(causeMessage(record.cause)).toBe('value must be finite');
    expect(causeMessage('plain text')).toBe('plain text');
  });

  it('applies a single retry-interval override to every retrier, Map item processors included', async () => {
    let failures = 0;
    const { handlers: h, calls } = handlers({
      Square: async (p) => {
        if ((p as number) === 2 && failures++ === 0) throw named('TransientError', 'blip');
        return (p as number) ** 2;
      },
    });
    // IntervalSeconds is an hour: without the override this test would time out.
    const { record } = await runStateMachine({ definition, handlers: h, input, executionName: 'retry', runsDir, retryIntervalOverrides: 0 });
    expect(record.status).toBe('SUCCEEDED');
    expect(calls.Square).toHaveLength(4);
    const each = record.states.find((s) => s.name === 'Each');
    const second = each?.iterations?.find((it) => it.index === 1)?.states[0];
    expect(second).toMatchObject({ name: 'Square', status: 'SUCCEEDED', retries: 1, retriedErrors: [{ error: 'TransientError' }] });
  }, 10_000);

  it('fails, uncaught as in AWS, when a result exceeds 256 KiB', async () => {
    const { handlers: h, calls } = handlers({ Double: async () => ({ blob: 'x'.repeat(STATE_DATA_LIMIT_BYTES) }) });
    const { record } = await runStateMachine({ definition, handlers: h, input, executionName: 'too-big', runsDir });
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('States.DataLimitExceeded');
    expect(calls.Double).toHaveLength(1); // not retried
    expect(record.states.map((s) => s.name)).toEqual(['Double']); // not caught: Failed never entered
  });

  it('survives a live view that throws', async () => {
    const { handlers: h } = handlers();
    const seen: RunEvent['type'][] = [];
    const { record } = await runStateMachine({
      definition,
      handlers: h,
      input,
      executionName: 'bad-view',
      runsDir,
      onEvent: (event) => {
        seen.push(event.type);
        throw new Error('view broke');
      },
    });
    expect(record.status).toBe('SUCCEEDED');
    expect(seen[0]).toBe('ExecutionStarted');
    expect(seen.at(-1)).toBe('ExecutionSucceeded');
  });

  it('aborts on the signal: the record says ABORTED and names the interrupted state', async () => {
    const controller = new AbortController();
    const { handlers: h, calls } = handlers({
      Double: async () => {
        controller.abort();
        await new Promise((r) => setTimeout(r, 20));
        return { value: 0 };
      },
    });
    const { record } = await runStateMachine({ definition, handlers: h, input, executionName: 'aborted', runsDir, signal: controller.signal });
    expect(record.status).toBe('ABORTED');
    expect(record.states[0]).toMatchObject({ name: 'Double', status: 'ABORTED' });
    expect(calls.Echo).toHaveLength(0);
    const onDisk = JSON.parse(await readFile(join(runsDir, 'aborted.json'), 'utf8')) as RunRecord;
    expect(onDisk.status).toBe('ABORTED');
  });
});

describe('run records and execution names', () => {
  async function plantRecord(name: string, fields: Partial<RunRecord>): Promise<RunRecord> {
    const record = { ...newRunRecord({ name, stateMachine: 'test', definitionSha256: 'x', input: {}, startedAt: new Date('2026-11-26T06:00:00Z') }), ...fields };
    await mkdir(runsDir, { recursive: true });
    await writeFile(join(runsDir, `${name}.json`), JSON.stringify(record));
    return record;
  }

  it('does not run a name whose record is RUNNING (a live run, or one that crashed) and calls no handler', async () => {
    const planted = await plantRecord('crashed', { runner: { pid: 999_999_999, hostname: hostname() } });
    const { handlers: h, calls } = handlers();
    const outcome = await runStateMachine({ definition, handlers: h, input, executionName: 'crashed', runsDir });
    expect(outcome.started).toBe(false);
    expect(outcome.record).toEqual(planted);
    expect(outcome.record.status).toBe('RUNNING');
    expect(calls.Double).toHaveLength(0);
  });

  it('runs again with replace: true and keeps the replaced record under superseded/', async () => {
    await plantRecord('crashed', {});
    const { handlers: h, calls } = handlers();
    const outcome = await runStateMachine({ definition, handlers: h, input, executionName: 'crashed', runsDir, replace: true });
    expect(outcome.started).toBe(true);
    expect(outcome.record.status).toBe('SUCCEEDED');
    expect(calls.Double).toHaveLength(1);
    const kept = await readdir(join(runsDir, 'superseded'));
    expect(kept).toEqual(['crashed.20261126T060000000Z.json']);
    const old = JSON.parse(await readFile(join(runsDir, 'superseded', kept[0]), 'utf8')) as RunRecord;
    expect(old.status).toBe('RUNNING');
  });

  it('starts exactly one of two concurrent runs with the same name', async () => {
    const { handlers: h, calls } = handlers();
    const outcomes = await Promise.all([
      runStateMachine({ definition, handlers: h, input, executionName: 'race', runsDir }),
      runStateMachine({ definition, handlers: h, input, executionName: 'race', runsDir }),
    ]);
    expect(outcomes.map((o) => o.started).sort()).toEqual([false, true]);
    expect(calls.Double).toHaveLength(1);
    expect((await readdir(runsDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes RUNNING first, then the final record in place (progress in between: see redrive.test.ts)', async () => {
    let seenWhileRunning: RunRecord | undefined;
    const { handlers: h } = handlers({
      Echo: async (p) => {
        seenWhileRunning = JSON.parse(await readFile(join(runsDir, 'progress.json'), 'utf8')) as RunRecord;
        return p;
      },
    });
    const { record } = await runStateMachine({ definition, handlers: h, input, executionName: 'progress', runsDir });
    expect(seenWhileRunning).toMatchObject({ name: 'progress', status: 'RUNNING', input });
    expect(JSON.parse(await readFile(join(runsDir, 'progress.json'), 'utf8'))).toEqual(record);
  });

  it('tells a RUNNING record left by a dead process from a live one', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const record = (runner: RunRecord['runner'], status: RunRecord['status'] = 'RUNNING'): RunRecord => ({
      ...newRunRecord({ name: 'n', stateMachine: 't', definitionSha256: 'x', input: {}, startedAt: new Date() }),
      status,
      runner,
    });
    expect(isStaleRunRecord(record({ pid: dead, hostname: hostname() }))).toBe(true);
    expect(isStaleRunRecord(record({ pid: process.pid, hostname: hostname() }))).toBe(false);
    expect(isStaleRunRecord(record({ pid: process.ppid, hostname: hostname() }))).toBe(false);
    expect(isStaleRunRecord(record({ pid: dead, hostname: `not-${hostname()}` }))).toBe(false);
    expect(isStaleRunRecord(record({ pid: dead, hostname: hostname() }, 'SUCCEEDED'))).toBe(false);
  });
});
