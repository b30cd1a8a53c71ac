import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT, parseContract } from '../../../../lambdas/core/contract/contract.ts';
import { InvalidDataError } from '../../../../lambdas/core/errors.ts';
import { awsStepContext, deploymentContract, resetAwsContext } from '../../../../lambdas/handlers/support/aws-context.ts';
import { CONTRACT_VARIABLE, contractEnvironment } from '../../../../lambdas/handlers/support/environment.ts';

const PUMPS = parseContract({
  name: 'pumps',
  version: 1,
  id: { name: 'reading_id', type: 'string' },
  label: { name: 'failed', positive: ['yes'], negative: ['no'] },
  features: [{ name: 'vibration_mm_s', type: 'number', unit: 'mm/s', min: 0, max: 100 }],
});

const BUCKETS = { LANDING_BUCKET: 'p-landing', LAKE_BUCKET: 'p-lake', MODELS_BUCKET: 'p-models', AWS_REGION: 'us-east-1' };
const saved = { ...process.env };

beforeEach(() => {
  Object.assign(process.env, BUCKETS);
  resetAwsContext();
});
afterEach(() => {
  process.env = { ...saved };
  resetAwsContext();
});

describe('aws-context: the deployment contract', () => {
  it('is the contract lib/ wrote into PROGNOS_CONTRACT, not the built-in one, in every step context', () => {
    Object.assign(process.env, contractEnvironment(PUMPS));
    expect(deploymentContract()).toEqual(PUMPS);
    expect(awsStepContext().contract).toEqual(PUMPS);
    expect(awsStepContext().contract).not.toEqual(DEFAULT_CONTRACT);
    expect(Object.isFrozen(deploymentContract())).toBe(true);
  });

  it('is read once per container (cold start)', () => {
    Object.assign(process.env, contractEnvironment(PUMPS));
    const first = deploymentContract();
    Object.assign(process.env, contractEnvironment(DEFAULT_CONTRACT));
    expect(deploymentContract()).toBe(first);
  });

  it('fails the first invocation loudly when it is missing, not JSON, or not a contract', () => {
    delete process.env[CONTRACT_VARIABLE];
    expect(() => deploymentContract()).toThrow(new TypeError('handler environment: PROGNOS_CONTRACT is not set'));
    resetAwsContext();
    process.env[CONTRACT_VARIABLE] = '{"name": "pumps",';
    expect(() => awsStepContext()).toThrow(/^handler environment: PROGNOS_CONTRACT is not JSON/);
    resetAwsContext();
    process.env[CONTRACT_VARIABLE] = JSON.stringify({ ...PUMPS, features: [] });
    expect(() => deploymentContract()).toThrow(InvalidDataError);
  });
});
