/**
 * SfnOrchestrator against a mocked SFNClient. The mock keeps the names it has seen and answers a
 * repeated one with ExecutionAlreadyExists, as Step Functions does for a closed execution or a
 * different input.
 */
import { ExecutionAlreadyExists, InvalidArn, SFNClient, SFNServiceException, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidExecutionNameError, SfnOrchestrator } from '../../../../lambdas/adapters/aws/sfn-orchestrator.ts';
import { TransientError } from '../../../../lambdas/core/errors.ts';
import { dailyExecutionName, trainingExecutionName } from '../../../../lambdas/core/steps/execution-name.ts';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:prognos-training';
const sfn = mockClient(SFNClient);
let orchestrator: SfnOrchestrator;

/** Step Functions' behaviour for names: the first start of a name runs, any later one is refused. */
function rememberNames(): void {
  const seen = new Set<string>();
  sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
    const name = input.name!;
    const arn = `arn:aws:states:eu-west-1:123456789012:execution:prognos-training:${name}`;
    if (seen.has(name)) throw new ExecutionAlreadyExists({ $metadata: { httpStatusCode: 400 }, message: `Execution Already Exists: '${arn}'` });
    seen.add(name);
    return { executionArn: arn, startDate: new Date() };
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error(`expected a rejection with an Error, got ${String(error)}`);
  return error;
}

beforeEach(() => {
  sfn.reset();
  orchestrator = new SfnOrchestrator({ client: new SFNClient({ region: 'eu-west-1' }), stateMachineArn: STATE_MACHINE });
});

describe('SfnOrchestrator', () => {
  it('starts an execution with the name and the input as JSON', async () => {
    rememberNames();
    const name = trainingExecutionName([{ key: 'landing/training/a.csv', fingerprint: '"abc"' }]);
    const input = { mode: 'refit', files: ['landing/training/a.csv'], window: { from: '2026-01-01', to: '2026-01-31' } };
    expect(await orchestrator.start(name, input)).toEqual({ started: true, executionId: `arn:aws:states:eu-west-1:123456789012:execution:prognos-training:${name}` });
    const sent = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(sent).toEqual({ stateMachineArn: STATE_MACHINE, name, input: JSON.stringify(input) });
    expect(JSON.parse(sent.input!)).toEqual(input);
  });

  it('the same name twice: the second start is not an error, and names the existing execution', async () => {
    rememberNames();
    const name = dailyExecutionName('2026-02-03');
    const first = await orchestrator.start(name, { mode: 'full' });
    const second = await orchestrator.start(name, { mode: 'full' });
    expect(first).toEqual({ started: true, executionId: 'arn:aws:states:eu-west-1:123456789012:execution:prognos-training:daily-2026-02-03' });
    expect(second).toEqual({ started: false, executionId: first.executionId });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
  });

  it('builds the existing execution’s ARN from a versioned state machine ARN too', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ $metadata: {}, message: 'Execution Already Exists' }));
    const versioned = new SfnOrchestrator({ client: new SFNClient({ region: 'eu-west-1' }), stateMachineArn: `${STATE_MACHINE}:7` });
    expect(await versioned.start('daily-2026-02-03', {})).toEqual({ started: false, executionId: 'arn:aws:states:eu-west-1:123456789012:execution:prognos-training:daily-2026-02-03' });
  });

  it('refuses a name Step Functions would refuse, before any call', async () => {
    rememberNames();
    for (const name of ['', 'a'.repeat(81), 'has space', 'slash/name', 'colon:name', 'ümlaut', 'star*', 'new\nline']) {
      const error = await failure(orchestrator.start(name, {}));
      expect(error, JSON.stringify(name)).toBeInstanceOf(InvalidExecutionNameError);
      expect(error.name).toBe('InvalidExecutionNameError');
      expect(error).toBeInstanceOf(RangeError);
    }
    expect(sfn.calls()).toHaveLength(0);
    expect((await orchestrator.start('a'.repeat(80), {})).started).toBe(true);
    expect((await orchestrator.start('A-z_0-9', {})).started).toBe(true);
  });

  it('throttling and Step Functions’ internal errors → TransientError keeping the cause', async () => {
    const throttled = new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
    const internal = new SFNServiceException({ name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'internal' });
    for (const cause of [throttled, internal, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })]) {
      sfn.on(StartExecutionCommand).rejects(cause);
      const error = await failure(orchestrator.start('daily-2026-02-03', {}));
      expect(error).toBeInstanceOf(TransientError);
      expect(error.name).toBe('TransientError');
      expect(error.cause).toBe(cause);
    }
  });

  it('other errors (a wrong ARN, missing permissions) pass through unchanged', async () => {
    const invalid = new InvalidArn({ $metadata: { httpStatusCode: 400 }, message: 'Invalid Arn' });
    sfn.on(StartExecutionCommand).rejects(invalid);
    expect(await failure(orchestrator.start('daily-2026-02-03', {}))).toBe(invalid);
  });

  it('needs a state machine ARN', () => {
    const client = new SFNClient({ region: 'eu-west-1' });
    expect(() => new SfnOrchestrator({ client, stateMachineArn: 'prognos-training' })).toThrow(TypeError);
    expect(() => new SfnOrchestrator({ client, stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:execution:prognos-training:x' })).toThrow(/not a state machine ARN/);
  });
});
