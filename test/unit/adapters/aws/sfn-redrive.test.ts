/**
 * SfnOrchestrator.redrive against a mocked SFNClient: one RedriveExecution on the execution's ARN,
 * and Step Functions' answers turned into the port's errors.
 */
import {
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  RedriveExecutionCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidExecutionNameError, SfnOrchestrator } from '../../../../lambdas/adapters/aws/sfn-orchestrator.ts';
import { TransientError } from '../../../../lambdas/core/errors.ts';
import { ExecutionDoesNotExistError, ExecutionNotRedrivableError } from '../../../../lambdas/core/ports/orchestrator.ts';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:prognos-training';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:prognos-training:train-0123456789abcdef01234567';
const sfn = mockClient(SFNClient);
let orchestrator: SfnOrchestrator;

beforeEach(() => {
  sfn.reset();
  orchestrator = new SfnOrchestrator({ client: new SFNClient({ region: 'eu-west-1' }), stateMachineArn: STATE_MACHINE });
});

describe('SfnOrchestrator.redrive', () => {
  it("sends one RedriveExecution for the execution's ARN and returns Step Functions' redrive date", async () => {
    const redriveDate = new Date('2026-12-06T01:02:03.000Z');
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate });
    await expect(orchestrator.redrive('train-0123456789abcdef01234567')).resolves.toEqual({ executionId: EXECUTION, redrivenAt: redriveDate.toISOString() });
    const calls = sfn.commandCalls(RedriveExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toMatchObject({ executionArn: EXECUTION });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('names the execution of a versioned state machine without the version', async () => {
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
    const versioned = new SfnOrchestrator({ client: new SFNClient({ region: 'eu-west-1' }), stateMachineArn: `${STATE_MACHINE}:7` });
    await versioned.redrive('daily-2026-12-05');
    expect(sfn.commandCalls(RedriveExecutionCommand)[0]!.args[0].input.executionArn).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:prognos-training:daily-2026-12-05',
    );
  });

  it("turns ExecutionNotRedrivable and ExecutionDoesNotExist into the port's errors, with Step Functions' reason", async () => {
    sfn.on(RedriveExecutionCommand).rejects(new ExecutionNotRedrivable({ $metadata: { httpStatusCode: 400 }, message: 'Execution is SUCCEEDED and cannot be redriven.' }));
    const refused = orchestrator.redrive('daily-2026-12-05');
    await expect(refused).rejects.toThrow(ExecutionNotRedrivableError);
    await expect(refused).rejects.toThrow(/SUCCEEDED and cannot be redriven/);

    sfn.reset();
    sfn.on(RedriveExecutionCommand).rejects(new ExecutionDoesNotExist({ $metadata: { httpStatusCode: 400 }, message: 'Execution Does Not Exist' }));
    await expect(orchestrator.redrive('daily-2026-12-04')).rejects.toThrow(ExecutionDoesNotExistError);
  });

  it('reports throttling as a TransientError and refuses a bad name before calling', async () => {
    sfn.on(RedriveExecutionCommand).rejects(new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' }));
    await expect(orchestrator.redrive('daily-2026-12-05')).rejects.toThrow(TransientError);
    await expect(orchestrator.redrive('no spaces')).rejects.toThrow(InvalidExecutionNameError);
    expect(sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(1);
  });
});
