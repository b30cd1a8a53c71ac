import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SfnOrchestrator } from '../../../lambdas/adapters/aws/sfn-orchestrator.ts';
import { localExecutionArn, localStateMachineArn } from '../../../lambdas/adapters/local/local-arns.ts';
import { LocalOrchestrator } from '../../../lambdas/adapters/local/local-orchestrator.ts';
import { EXECUTION_NAME_PATTERN, InvalidExecutionNameError, assertExecutionName, isExecutionName } from '../../../lambdas/core/ports/orchestrator.ts';
import { driftRetrainExecutionName } from '../../../lambdas/core/steps/execution-name.ts';
import { runName } from '../../../lambdas/core/steps/run-state.ts';

/** Names Step Functions refuses: empty, 81 characters, and characters outside [A-Za-z0-9_-]. */
const REFUSED = ['', 'a'.repeat(81), 'with space', 'a/b', 'dot.ted', 'ümlaut', 'tab\t', 'colon:x'];
const ACCEPTED = ['a', 'daily-2026-12-05', `${'Ab9-_'.repeat(15)}abcde`];

describe('the execution-name rule (one module: core/ports/orchestrator.ts)', () => {
  it.each(REFUSED)('refuses %j with InvalidExecutionNameError, a RangeError named literally', (name) => {
    expect(isExecutionName(name)).toBe(false);
    expect(() => assertExecutionName(name)).toThrow(InvalidExecutionNameError);
    expect(() => assertExecutionName(name)).toThrow(RangeError);
    expect(() => assertExecutionName(name)).toThrow(/is not valid: use 1–80 characters of letters, digits, '-' and '_'/);
    try {
      assertExecutionName(name);
    } catch (error) {
      expect((error as Error).name).toBe('InvalidExecutionNameError');
    }
  });

  it.each(ACCEPTED)('accepts %j', (name) => {
    expect(isExecutionName(name)).toBe(true);
    expect(() => assertExecutionName(name)).not.toThrow();
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, ['a']]) {
      expect(isExecutionName(value)).toBe(false);
      expect(() => assertExecutionName(value)).toThrow(InvalidExecutionNameError);
    }
  });

  it('is the rule the run state, the drift retrain name and both orchestrators hold names to', async () => {
    const client = { send: () => Promise.reject(new Error('must not be called')) } as unknown as SFNClient;
    const sfn = new SfnOrchestrator({ client, stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:prognos-training' });
    const local = new LocalOrchestrator({ definition: {}, handlers: {}, runsDir: runsDir(), stateMachineName: 'training' });
    for (const name of REFUSED) {
      expect(runName.safeParse(name).success, JSON.stringify(name)).toBe(false);
      await expect(sfn.start(name, {})).rejects.toThrow(InvalidExecutionNameError);
      await expect(sfn.redrive(name)).rejects.toThrow(InvalidExecutionNameError);
      await expect(local.start(name, {})).rejects.toThrow(InvalidExecutionNameError);
      await expect(local.redrive(name)).rejects.toThrow(InvalidExecutionNameError);
    }
    for (const name of ACCEPTED) expect(runName.parse(name)).toBe(name);
    expect(() => driftRetrainExecutionName('b'.repeat(75))).toThrow(InvalidExecutionNameError);
    expect(driftRetrainExecutionName('infer-1')).toMatch(EXECUTION_NAME_PATTERN);
  });
});

describe('local ARNs (adapters/local/local-arns.ts)', () => {
  it('builds the execution ARN from the state machine ARN as Step Functions does', () => {
    expect(localStateMachineArn('training')).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:prognos-local-training');
    expect(localExecutionArn('training', 'daily-2026-12-05')).toBe('arn:aws:states:us-east-1:123456789012:execution:prognos-local-training:daily-2026-12-05');
    expect(localExecutionArn('batch', 'x')).toBe(localStateMachineArn('batch').replace(':stateMachine:', ':execution:') + ':x');
  });
});

let dir = '';
const runsDir = (): string => join(dir, 'runs');
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prognos-names-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
