import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalOrchestrator } from '../../../lambdas/adapters/local/local-orchestrator.ts';
import { ExecutionDoesNotExistError, ExecutionNotRedrivableError, InvalidExecutionNameError, readRunRecord } from '../../../lambdas/adapters/local/state-machine-runner.ts';

/** One Task that waits until released, so a test can see that start() does not wait for the run. */
const definition = {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${WorkFunctionArn}', 'Payload.$': '$' },
      ResultSelector: { 'Payload.$': '$.Payload' },
      ResultPath: '$.work',
      TimeoutSeconds: 30,
      End: true,
    },
  },
};

let runsDir: string;
let release: () => void;
let released: Promise<void>;
let calls: unknown[];
let entered: Promise<void>;
let enter: () => void;
beforeEach(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'prognos-orchestrator-'));
  released = new Promise((resolve) => (release = resolve));
  entered = new Promise((resolve) => (enter = resolve));
  calls = [];
});
afterEach(async () => {
  await rm(runsDir, { recursive: true, force: true });
});

function orchestrator(): LocalOrchestrator {
  return new LocalOrchestrator({
    definition,
    handlers: {
      Work: async (payload) => {
        calls.push(payload);
        enter();
        await released;
        return { ok: true };
      },
    },
    runsDir,
    stateMachineName: 'training',
  });
}

describe('LocalOrchestrator', () => {
  it('starts a run in the background and returns at once; settled() waits for it', async () => {
    const local = orchestrator();
    const started = await local.start('drift-infer-1', { runName: 'drift-infer-1' });
    expect(started).toEqual({ started: true, executionId: 'arn:aws:states:us-east-1:123456789012:execution:prognos-local-training:drift-infer-1' });
    // Still running: the Task waits for release.
    await entered;
    expect((await readRunRecord(runsDir, 'drift-infer-1'))?.status).toBe('RUNNING');
    release();
    const [outcome] = await local.settled();
    expect(outcome).toMatchObject({ started: true, record: { name: 'drift-infer-1', status: 'SUCCEEDED', output: { runName: 'drift-infer-1', work: { Payload: { ok: true } } } } });
    expect(calls).toEqual([{ runName: 'drift-infer-1' }]);
  });

  it('starts nothing for a name that ran before or was started by this process', async () => {
    release();
    const first = orchestrator();
    await first.start('daily-2026-03-02', {});
    expect((await first.start('daily-2026-03-02', {})).started).toBe(false);
    await first.settled();
    const later = orchestrator();
    expect(await later.start('daily-2026-03-02', {})).toMatchObject({ started: false });
    expect(await later.settled()).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('refuses a name Step Functions would refuse', async () => {
    await expect(orchestrator().start('no spaces', {})).rejects.toThrow(InvalidExecutionNameError);
  });

  it('reports a run that could not start (a configuration error) from settled()', async () => {
    release();
    const broken = new LocalOrchestrator({ definition, handlers: {}, runsDir, stateMachineName: 'training' });
    expect((await broken.start('run-1', {})).started).toBe(true);
    await expect(broken.settled()).rejects.toThrow(/no local handler for Task state\(s\): Work/);
  });
});

describe('LocalOrchestrator.redrive', () => {
  it('continues a failed run in the background under its name; settled() waits for it', async () => {
    let fail = true;
    const local = new LocalOrchestrator({
      definition,
      handlers: {
        Work: async () => {
          if (fail) throw Object.assign(new Error('the disk was full'), { name: 'DiskFull' });
          return { ok: true };
        },
      },
      runsDir,
      stateMachineName: 'training',
    });
    await local.start('daily-2026-12-05', { runName: 'daily-2026-12-05' });
    const [first] = await local.settled();
    expect(first?.record).toMatchObject({ status: 'FAILED', error: 'DiskFull' });

    fail = false;
    const redriven = await local.redrive('daily-2026-12-05');
    expect(redriven.executionId).toBe('arn:aws:states:us-east-1:123456789012:execution:prognos-local-training:daily-2026-12-05');
    const outcomes = await local.settled();
    expect(outcomes.at(-1)?.record).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, output: { runName: 'daily-2026-12-05', work: { Payload: { ok: true } } } });
    await expect(local.redrive('daily-2026-12-05')).rejects.toThrow(ExecutionNotRedrivableError);
    await expect(local.redrive('never-ran')).rejects.toThrow(ExecutionDoesNotExistError);
  });
});

describe('LocalOrchestrator perRun', () => {
  it('gives each run its own handlers and cost estimate', async () => {
    const meters: string[] = [];
    const local = new LocalOrchestrator({
      definition,
      handlers: { Work: async () => ({ shared: true }) },
      runsDir,
      stateMachineName: 'training',
      perRun: () => {
        const meter = `meter-${meters.length + 1}`;
        meters.push(meter);
        return {
          handlers: { Work: async () => ({ meter }) },
          estimateCost: async () => ({
            currency: 'USD' as const,
            region: meter,
            pricesAsOf: '2025-06-01',
            lambda: { invocations: 1, gbSeconds: 0, usd: 0 },
            stepFunctions: { transitions: 1, usd: 0 },
            athena: { queries: 0, bytesScanned: 0, bytesBilled: 0, estimated: true, usd: 0 },
            s3: { putCopyPostList: 0, getAndOther: 0, usd: 0 },
            totalUsd: 0,
          }),
        };
      },
    });
    await local.start('run-a', {});
    await local.start('run-b', {});
    const [a, b] = await local.settled();
    expect(a?.record.output).toEqual({ work: { Payload: { meter: 'meter-1' } } });
    expect(b?.record.output).toEqual({ work: { Payload: { meter: 'meter-2' } } });
    expect((await readRunRecord(runsDir, 'run-a'))?.cost?.region).toBe('meter-1');
    expect((await readRunRecord(runsDir, 'run-b'))?.cost?.region).toBe('meter-2');
  });
});
