import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runSmoke, type SmokeDependencies, smokeTargets } from '../../../lambdas/cli/smoke.ts';

const OUTPUTS = {
  'Prognos-dev-Data': { LandingBucketName: 'landing-b', ModelsBucketName: 'models-b', LakeBucketName: 'lake-b' },
  'Prognos-dev-Pipeline': { TrainingStateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:training', BatchStateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Prognos-dev-BatchInference' },
  'Prognos-dev-Api': { ApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/' },
};
const targets = smokeTargets(OUTPUTS, 'dev');
const NOW = new Date('2026-12-06T10:00:00Z');

/** The part of an SDK stream body the smoke test reads. */
const body = (text: string) => ({ transformToString: async () => text });

interface Api {
  readonly calls: { url: string; method: string; body?: string; signed: boolean }[];
}

/** A deployment that behaves: every execution and query succeeds, the API answers as deployed. */
function healthyDeployment(overrides: { predictStatus?: number; unsignedText?: string; batchStatus?: string } = {}) {
  const s3 = mockClient(S3Client);
  const sfn = mockClient(SFNClient);
  const athena = mockClient(AthenaClient);
  s3.on(PutObjectCommand).resolves({});
  s3.on(GetObjectCommand, { Key: 'models/champion.json' }).resolves({ Body: body('{"version":"v42","since":"x"}') } as never);
  const started = new Date(NOW.getTime() + 90_000);
  sfn.on(ListExecutionsCommand, { stateMachineArn: targets.trainingStateMachineArn }).resolvesOnce({ executions: [] }).resolves({
    executions: [
      { executionArn: 'arn:exec:old', stateMachineArn: targets.trainingStateMachineArn, name: 'old', status: 'SUCCEEDED', startDate: new Date('2026-12-01T00:00:00Z') },
      { executionArn: 'arn:exec:train', stateMachineArn: targets.trainingStateMachineArn, name: 'train-1', status: 'RUNNING', startDate: started },
    ],
  });
  sfn.on(ListExecutionsCommand, { stateMachineArn: targets.batchStateMachineArn }).resolves({
    executions: [{ executionArn: 'arn:exec:batch', stateMachineArn: targets.batchStateMachineArn, name: 'infer-1', status: 'RUNNING', startDate: started }],
  });
  sfn.on(DescribeExecutionCommand, { executionArn: 'arn:exec:train' }).resolvesOnce({ status: 'RUNNING' } as never).resolves({ status: 'SUCCEEDED' } as never);
  sfn.on(DescribeExecutionCommand, { executionArn: 'arn:exec:batch' }).resolves({ status: overrides.batchStatus ?? 'SUCCEEDED' } as never);
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
  athena.on(GetQueryExecutionCommand).resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } }).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });

  const api: Api = { calls: [] };
  let clock = NOW.getTime();
  const deps: SmokeDependencies = {
    s3: new S3Client({ region: 'eu-west-1' }),
    sfn: new SFNClient({ region: 'eu-west-1' }),
    athena: new AthenaClient({ region: 'eu-west-1' }),
    async request(url, init) {
      api.calls.push({ url, ...init });
      if (!init.signed) return { status: 403, text: overrides.unsignedText ?? '{"error":{"code":"not_found_or_unsigned","message":"…"}}' };
      if (url.endsWith('openapi.json')) return { status: 200, text: '{"openapi":"3.0.3"}' };
      const id = (JSON.parse(init.body!) as { instances: { id: string }[] }).instances[0].id;
      return { status: overrides.predictStatus ?? 200, text: JSON.stringify({ modelVersion: 'v42', threshold: 0.1, predictions: [{ id, probability: 0.02 }] }) };
    },
    now: () => new Date(clock),
    sleep: async (ms) => {
      clock += ms;
    },
  };
  return { s3, sfn, athena, api, deps };
}

describe('the smoke test of a deployment (against the SDK client mock)', () => {
  const mocks: { restore(): void }[] = [];
  afterEach(() => {
    for (const m of mocks.splice(0)) m.restore();
  });

  it('reads the stack outputs cdk deploy wrote, and names a missing one', () => {
    expect(targets).toEqual({
      landingBucket: 'landing-b',
      modelsBucket: 'models-b',
      trainingStateMachineArn: OUTPUTS['Prognos-dev-Pipeline'].TrainingStateMachineArn,
      batchStateMachineArn: OUTPUTS['Prognos-dev-Pipeline'].BatchStateMachineArn,
      apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/',
      glueDatabase: 'prognos_dev',
      workGroup: 'prognos-dev',
    });
    expect(() => smokeTargets({ 'Prognos-dev-Data': {} }, 'dev')).toThrow(/no ApiUrl of stack Prognos-dev-Api|no LandingBucketName of stack Prognos-dev-Data/);
    expect(() => smokeTargets([], 'dev')).toThrow(TypeError);
  });

  it('passes every check on a healthy deployment, doing what each says', async () => {
    const { s3, sfn, athena, api, deps } = healthyDeployment();
    mocks.push(s3, sfn, athena);
    const checks = await runSmoke(targets, deps, { pollMs: 5_000 });
    expect(checks.map((c) => [c.passed, c.name])).toEqual([
      [true, 'training: an upload starts a run that succeeds'],
      [true, 'registry: models/champion.json names a version'],
      [true, 'API: a signed POST /predict scores and echoes the id'],
      [true, 'API: GET /openapi.json is the OpenAPI document'],
      [true, "API Gateway's own refusals are JSON in the API's error shape"],
      [true, 'batch: an inference upload starts a batch that succeeds'],
      [true, 'Athena: a query over sensor_readings succeeds'],
      [true, 'Athena: a query over predictions succeeds'],
    ]);
    expect(checks[0].detail).toBe('landing/training/smoke-20261206T100000000Z.csv → arn:exec:train');
    expect(checks[1].detail).toBe('champion v42');
    const puts = s3.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Bucket, c.args[0].input.Key]);
    expect(puts).toEqual([
      ['landing-b', 'landing/training/smoke-20261206T100000000Z.csv'],
      ['landing-b', 'landing/inference/smoke-20261206T100000000Z.csv'],
    ]);
    expect(String(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body)).toMatch(/^UDI,/);
    expect(api.calls.map((c) => [c.method, c.url.replace(targets.apiUrl, '/'), c.signed])).toEqual([
      ['POST', '/predict', true],
      ['GET', '/openapi.json', true],
      ['POST', '/predict', false],
    ]);
    const queries = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(queries).toEqual([
      { QueryString: `SELECT count(*) FROM "prognos_dev"."sensor_readings" WHERE dt >= '2026-12-01'`, WorkGroup: 'prognos-dev' },
      { QueryString: `SELECT count(*) FROM "prognos_dev"."predictions" WHERE dt >= '2026-12-01'`, WorkGroup: 'prognos-dev' },
    ]);
  });

  it('stops at the first failing check and says why: a 500 from the API', async () => {
    const { s3, sfn, athena, deps } = healthyDeployment({ predictStatus: 500 });
    mocks.push(s3, sfn, athena);
    const checks = await runSmoke(targets, deps, { pollMs: 5_000 });
    expect(checks.map((c) => c.passed)).toEqual([true, true, false]);
    expect(checks[2].detail).toMatch(/^answered 500: /);
  });

  it("fails when API Gateway's refusal is not JSON (the gateway responses did not render)", async () => {
    const { s3, sfn, athena, deps } = healthyDeployment({ unsignedText: '{"message": "Missing Authentication Token", "validation": ""bad""}' });
    mocks.push(s3, sfn, athena);
    const checks = await runSmoke(targets, deps, { pollMs: 5_000 });
    expect(checks.at(-1)).toMatchObject({ passed: false, name: "API Gateway's own refusals are JSON in the API's error shape" });
    expect(checks.at(-1)?.detail).toMatch(/^an unsigned request got 403 with a body that is not JSON/);
  });

  it('fails a batch that ends FAILED, and gives up waiting after the timeout', async () => {
    const failed = healthyDeployment({ batchStatus: 'FAILED' });
    mocks.push(failed.s3, failed.sfn, failed.athena);
    const checks = await runSmoke(targets, failed.deps, { pollMs: 5_000 });
    expect(checks.at(-1)).toEqual({ passed: false, name: 'batch: an inference upload starts a batch that succeeds', detail: 'arn:exec:batch ended FAILED' });

    const stuck = healthyDeployment({ batchStatus: 'RUNNING' });
    mocks.push(stuck.s3, stuck.sfn, stuck.athena);
    const waited = await runSmoke(targets, stuck.deps, { pollMs: 60_000, timeoutMs: 10 * 60_000 });
    expect(waited.at(-1)?.detail).toBe('the batch execution to end: still waiting after 600 s');
  });
});
