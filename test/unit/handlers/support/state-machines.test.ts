import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Orchestrator } from '../../../../lambdas/core/ports/orchestrator.ts';
import { logger, metrics } from '../../../../lambdas/handlers/support/powertools.ts';
import { recordStart, stateMachine, useStateMachine } from '../../../../lambdas/handlers/support/state-machines.ts';

const TRAINING_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:prognos-training';
const BATCH_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:prognos-batch';
const saved = { ...process.env };
const sfn = mockClient(SFNClient);

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({ executionArn: `${input.stateMachineArn}:${input.name}`, startDate: new Date() }));
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.STATE_MACHINE_ARN;
  delete process.env.BATCH_STATE_MACHINE_ARN;
});
afterEach(() => {
  process.env = { ...saved };
  useStateMachine('STATE_MACHINE_ARN', undefined);
  useStateMachine('BATCH_STATE_MACHINE_ARN', undefined);
  vi.restoreAllMocks();
});
afterAll(() => sfn.restore());

describe('stateMachine: the orchestrator of the state machine a variable names', () => {
  it('starts executions of the state machine in its variable, each variable its own', async () => {
    Object.assign(process.env, { STATE_MACHINE_ARN: TRAINING_ARN, BATCH_STATE_MACHINE_ARN: BATCH_ARN });
    await expect(stateMachine('STATE_MACHINE_ARN').start('daily-2026-12-06', { mode: 'full' })).resolves.toEqual({ started: true, executionId: `${TRAINING_ARN}:daily-2026-12-06` });
    await stateMachine('BATCH_STATE_MACHINE_ARN').start('batch-1', undefined);
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input)).toEqual([
      { stateMachineArn: TRAINING_ARN, name: 'daily-2026-12-06', input: '{"mode":"full"}' },
      { stateMachineArn: BATCH_ARN, name: 'batch-1', input: '{}' },
    ]);
  });

  it('reads the variable on the first start, not before, and keeps it for the container', async () => {
    const training = stateMachine('STATE_MACHINE_ARN');
    await expect(training.start('run-1', {})).rejects.toThrow(new TypeError('handler environment: STATE_MACHINE_ARN is not set'));
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    process.env.STATE_MACHINE_ARN = TRAINING_ARN;
    await training.start('run-1', {});
    process.env.STATE_MACHINE_ARN = BATCH_ARN;
    await stateMachine('STATE_MACHINE_ARN').start('run-2', {});
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.stateMachineArn)).toEqual([TRAINING_ARN, TRAINING_ARN]);
  });

  it('refuses a variable that is not a state machine ARN, naming it', async () => {
    process.env.BATCH_STATE_MACHINE_ARN = 'prognos-batch';
    await expect(stateMachine('BATCH_STATE_MACHINE_ARN').start('batch-1', {})).rejects.toThrow(/BATCH_STATE_MACHINE_ARN/);
    process.env.BATCH_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:execution:prognos-batch:batch-0';
    await expect(stateMachine('BATCH_STATE_MACHINE_ARN').start('batch-1', {})).rejects.toThrow(/not a state machine ARN/);
  });

  it('starts on a replacement while a test sets one, and on Step Functions again after', async () => {
    const started: string[] = [];
    const replacement: Orchestrator = { start: async (name) => (started.push(name), { started: true, executionId: `local:${name}` }) };
    const batch = stateMachine('BATCH_STATE_MACHINE_ARN');
    useStateMachine('BATCH_STATE_MACHINE_ARN', replacement);
    await expect(batch.start('batch-1', {})).resolves.toEqual({ started: true, executionId: 'local:batch-1' });
    useStateMachine('BATCH_STATE_MACHINE_ARN', undefined);
    process.env.BATCH_STATE_MACHINE_ARN = BATCH_ARN;
    await batch.start('batch-2', {});
    expect(started).toEqual(['batch-1']);
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).toEqual(['batch-2']);
  });
});

describe('recordStart: a starter outcome logged and counted', () => {
  const spies = () => ({ log: vi.spyOn(logger, 'info').mockImplementation(() => undefined), metric: vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics) });

  it('counts a started run and each upload set aside, and returns the outcome', () => {
    const { log, metric } = spies();
    const outcome = { name: 'batch-1', started: true, reason: 'started', ignored: ['a/ is a folder marker', 'b.txt is not a CSV file'] };
    expect(recordStart('batch start', 'BatchRunsStarted', outcome)).toBe(outcome);
    expect(log).toHaveBeenCalledWith('batch start', outcome);
    expect(metric.mock.calls).toEqual([
      ['BatchRunsStarted', 'Count', 1],
      ['UploadsIgnored', 'Count', 2],
    ]);
  });

  it('counts one ignored upload for a single event, and nothing when no run started and nothing was ignored', () => {
    const { metric } = spies();
    recordStart('training start', 'TrainingRunsStarted', { name: null, started: false, ignored: true, reason: 'a folder marker' });
    recordStart('training start', 'TrainingRunsStarted', { name: 'run-1', started: false, ignored: false, reason: 'duplicate event' });
    recordStart('training start (upload window)', 'TrainingRunsStarted', { name: 'run-2', started: false, ignored: [], reason: 'redelivered batch' });
    expect(metric.mock.calls).toEqual([['UploadsIgnored', 'Count', 1]]);
  });
});
