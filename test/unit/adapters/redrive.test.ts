import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ExecutionDoesNotExistError,
  ExecutionNotRedrivableError,
  type RunRecord,
  type TaskHandler,
  abortStaleRecord,
  readRunRecord,
  redriveStateMachine,
  runStateMachine,
  shownStatus,
} from '../../../lambdas/adapters/local/state-machine-runner.ts';

/** Prepare → Each (Map of Square) → Check → Done, with a caught failure path on Prepare and Check. */
const definition = {
  StartAt: 'Prepare',
  States: {
    Prepare: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${PrepareFunctionArn}', 'Payload.$': '$' },
      OutputPath: '$.Payload',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Failed' }],
      Next: 'Each',
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 1,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Square',
        States: {
          Square: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: '${SquareFunctionArn}', 'Payload.$': '$' },
            OutputPath: '$.Payload',
            End: true,
          },
        },
      },
      ResultPath: '$.squares',
      Next: 'Check',
    },
    Check: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${CheckFunctionArn}', 'Payload.$': '$' },
      ResultSelector: { 'total.$': '$.Payload' },
      ResultPath: '$.check',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Failed' }],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },
  },
} as const;

type Step = 'Prepare' | 'Square' | 'Check';

/** Handlers that count their calls; `broken` names the steps that throw. */
function steps(broken: (step: Step, payload: unknown) => boolean): { handlers: Record<Step, TaskHandler>; calls: Record<Step, unknown[]> } {
  const calls: Record<Step, unknown[]> = { Prepare: [], Square: [], Check: [] };
  const work: Record<Step, (p: unknown) => unknown> = {
    Prepare: (p) => ({ ...(p as object), prepared: true }),
    Square: (p) => (p as number) ** 2,
    Check: (p) => (p as { squares: number[] }).squares.reduce((a, b) => a + b, 0),
  };
  const handlers = Object.fromEntries(
    (Object.keys(work) as Step[]).map((step) => [
      step,
      async (payload: unknown) => {
        calls[step].push(payload);
        if (broken(step, payload)) throw Object.assign(new Error(`${step} broke on ${JSON.stringify(payload)}`), { name: 'BrokenStep' });
        return work[step](payload);
      },
    ]),
  ) as Record<Step, TaskHandler>;
  return { handlers, calls };
}

const input = { items: [1, 2, 3] };
let runsDir: string;
beforeEach(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'prognos-redrive-'));
});
afterEach(async () => {
  await rm(runsDir, { recursive: true, force: true });
});

describe('redriveStateMachine', () => {
  it('continues a run caught at a failed Task from that Task, without re-running the states before it', async () => {
    const first = steps((step) => step === 'Check');
    const failed = await runStateMachine({ definition, handlers: first.handlers, input, executionName: 'caught', runsDir });
    expect(failed.record.status).toBe('FAILED');
    expect(failed.record.states.map((s) => `${s.name}:${s.status}`)).toEqual(['Prepare:SUCCEEDED', 'Each:SUCCEEDED', 'Check:CAUGHT', 'Failed:FAILED']);

    const second = steps(() => false);
    const record = await redriveStateMachine({ definition, handlers: second.handlers, executionName: 'caught', runsDir });
    expect(record.status).toBe('SUCCEEDED');
    expect(record.output).toEqual({ items: [1, 2, 3], prepared: true, squares: [1, 4, 9], check: { total: 14 } });
    expect(second.calls).toEqual({ Prepare: [], Square: [], Check: [{ items: [1, 2, 3], prepared: true, squares: [1, 4, 9] }] });
    expect(record.redriveCount).toBe(1);
    expect(record.redrives).toMatchObject([{ fromState: 'Check', previousStatus: 'FAILED', previousError: 'BrokenStep' }]);
    expect(record.redrives?.[0]?.replacedStates.map((s) => s.name)).toEqual(['Check', 'Failed']);
    expect(record.states.map((s) => `${s.name}:${s.status}`)).toEqual(['Prepare:SUCCEEDED', 'Each:SUCCEEDED', 'Check:SUCCEEDED', 'Done:SUCCEEDED']);
    expect(await readRunRecord(runsDir, 'caught')).toEqual(record);
  });

  it('re-runs only the failed iterations of a Map: the others replay their recorded results', async () => {
    const first = steps((step, payload) => step === 'Square' && payload === 2);
    const failed = await runStateMachine({ definition, handlers: first.handlers, input, executionName: 'map', runsDir });
    expect(failed.record).toMatchObject({ status: 'FAILED', error: 'BrokenStep' });

    const second = steps(() => false);
    const record = await redriveStateMachine({ definition, handlers: second.handlers, executionName: 'map', runsDir });
    expect(record.status).toBe('SUCCEEDED');
    expect(second.calls.Prepare).toEqual([]);
    // Item 3 may or may not have run in the first attempt (the Map stops at the first failure); item 1 had.
    expect(second.calls.Square).toContain(2);
    expect(second.calls.Square).not.toContain(1);
    expect((record.output as { squares: number[] }).squares).toEqual([1, 4, 9]);
    const map = record.states.find((s) => s.name === 'Each');
    expect(map?.iterations?.map((it) => it.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('redrives again after a second failure and counts each redrive', async () => {
    await runStateMachine({ definition, handlers: steps((step) => step === 'Check').handlers, input, executionName: 'twice', runsDir });
    const again = await redriveStateMachine({ definition, handlers: steps((step) => step === 'Check').handlers, executionName: 'twice', runsDir });
    expect(again).toMatchObject({ status: 'FAILED', redriveCount: 1 });
    const done = await redriveStateMachine({ definition, handlers: steps(() => false).handlers, executionName: 'twice', runsDir });
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 2 });
    expect(done.redrives?.map((r) => r.fromState)).toEqual(['Check', 'Check']);
  });

  it('continues a RUNNING record whose process died: from the state it was in', async () => {
    const { record: finished } = await runStateMachine({ definition, handlers: steps(() => false).handlers, input, executionName: 'dead', runsDir });
    // What a kill -9 inside Check leaves: Check entered, never left, the record RUNNING.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const killed: RunRecord = {
      ...finished,
      status: 'RUNNING',
      output: undefined,
      finishedAt: undefined,
      durationMs: undefined,
      runner: { pid: dead, hostname: hostname() },
      states: finished.states.slice(0, 3).map((s) => (s.name === 'Check' ? { ...s, status: 'RUNNING', output: undefined } : s)),
      // Killed inside Check's step: it never returned.
      taskResults: finished.taskResults?.filter((t) => t.state !== 'Check'),
    };
    await writeFile(join(runsDir, 'dead.json'), JSON.stringify(killed));
    expect(shownStatus(killed)).toBe('STALE');
    expect(abortStaleRecord(killed, new Date()).states.at(-1)?.status).toBe('ABORTED');

    const second = steps(() => false);
    const record = await redriveStateMachine({ definition, handlers: second.handlers, executionName: 'dead', runsDir });
    expect(record.status).toBe('SUCCEEDED');
    expect(second.calls.Prepare).toEqual([]);
    expect(second.calls.Check).toHaveLength(1);
    expect(record.redrives).toMatchObject([{ fromState: 'Check', previousStatus: 'ABORTED', previousError: 'States.Runtime' }]);
  });

  it("does not do a Task's work twice when the process died after its step returned but before its exit was recorded", async () => {
    const { record: finished } = await runStateMachine({ definition, handlers: steps(() => false).handlers, input, executionName: 'returned', runsDir });
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const killed: RunRecord = {
      ...finished,
      status: 'RUNNING',
      output: undefined,
      runner: { pid: dead, hostname: hostname() },
      states: finished.states.slice(0, 3).map((s) => (s.name === 'Check' ? { ...s, status: 'RUNNING', output: undefined } : s)),
    };
    expect(killed.taskResults?.map((t) => t.state)).toContain('Check');
    await writeFile(join(runsDir, 'returned.json'), JSON.stringify(killed));
    const second = steps(() => false);
    const record = await redriveStateMachine({ definition, handlers: second.handlers, executionName: 'returned', runsDir });
    expect(record).toMatchObject({ status: 'SUCCEEDED', redrives: [{ fromState: 'Check' }], output: finished.output });
    expect(second.calls).toEqual({ Prepare: [], Square: [], Check: [] });
  });

  it('continues at the next state when the process died between two states', async () => {
    const { record: finished } = await runStateMachine({ definition, handlers: steps(() => false).handlers, input, executionName: 'between', runsDir });
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const killed: RunRecord = { ...finished, status: 'RUNNING', output: undefined, runner: { pid: dead, hostname: hostname() }, states: finished.states.slice(0, 2) };
    await writeFile(join(runsDir, 'between.json'), JSON.stringify(killed));
    const second = steps(() => false);
    const record = await redriveStateMachine({ definition, handlers: second.handlers, executionName: 'between', runsDir });
    expect(record).toMatchObject({ status: 'SUCCEEDED', redrives: [{ fromState: 'Check' }] });
    expect(second.calls).toMatchObject({ Prepare: [], Square: [] });
  });

  it('refuses a run that does not exist, succeeded, still runs, or started with another definition', async () => {
    const ok = steps(() => false).handlers;
    await expect(redriveStateMachine({ definition, handlers: ok, executionName: 'nope', runsDir })).rejects.toThrow(ExecutionDoesNotExistError);
    await runStateMachine({ definition, handlers: ok, input, executionName: 'fine', runsDir });
    await expect(redriveStateMachine({ definition, handlers: ok, executionName: 'fine', runsDir })).rejects.toThrow(/succeeded/);

    const { record } = await runStateMachine({ definition, handlers: steps((s) => s === 'Check').handlers, input, executionName: 'live', runsDir });
    await writeFile(join(runsDir, 'live.json'), JSON.stringify({ ...record, status: 'RUNNING', runner: { pid: process.ppid, hostname: hostname() } }));
    await expect(redriveStateMachine({ definition, handlers: ok, executionName: 'live', runsDir })).rejects.toThrow(/still running/);

    await runStateMachine({ definition, handlers: steps((s) => s === 'Check').handlers, input, executionName: 'changed', runsDir });
    const changed = { ...definition, Comment: 'a later version' };
    await expect(redriveStateMachine({ definition: changed, handlers: ok, executionName: 'changed', runsDir })).rejects.toThrow(ExecutionNotRedrivableError);
    // The refused redrives left no lock behind.
    expect((await readdir(runsDir)).filter((f) => f.includes('~'))).toEqual([]);
  });

  it('keeps the record on disk while the run works, so a crash leaves how far it got', async () => {
    let seen: RunRecord | undefined;
    const work = steps(() => false).handlers;
    const handlers = {
      ...work,
      Check: async (payload: unknown) => {
        // The states before Check reach the disk while Check works.
        for (let i = 0; i < 200 && seen?.states.find((s) => s.name === 'Each')?.status !== 'SUCCEEDED'; i += 1) {
          seen = JSON.parse(await readFile(join(runsDir, 'progress.json'), 'utf8')) as RunRecord;
          await sleep(5);
        }
        return work.Check(payload);
      },
    };
    await runStateMachine({ definition, handlers, input, executionName: 'progress', runsDir });
    expect(seen?.status).toBe('RUNNING');
    expect(seen?.states.slice(0, 2).map((s) => `${s.name}:${s.status}`)).toEqual(['Prepare:SUCCEEDED', 'Each:SUCCEEDED']);
    expect(seen?.heartbeatAt).toBeDefined();
    expect(seen?.taskResults?.map((t) => t.state)).toEqual(['Prepare', 'Square', 'Square', 'Square']);
  });
});
