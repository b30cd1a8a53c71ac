/**
 * The Lambda handlers as Lambda runs them (the middy chain with Powertools) over real or
 * wire-compatible services: a step handler over S3 (s3rver in a child process), and the
 * training and batch starters over the Step Functions client (mocked: nothing installable here
 * speaks Step Functions), fed the same event twice.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store.ts';
import { SfnOrchestrator } from '../../lambdas/adapters/aws/sfn-orchestrator.ts';
import { DEFAULT_CONTRACT } from '../../lambdas/core/contract/contract.ts';
import { decodeParquet } from '../../lambdas/core/data/parquet.ts';
import type { StepContext } from '../../lambdas/core/steps/context.ts';
import { validateAndIngest } from '../../lambdas/core/steps/ingest.ts';
import { generateCsv } from '../../lambdas/cli/generate.ts';
import { handler as startHandler } from '../../lambdas/handlers/start-training.ts';
import { useStateMachine } from '../../lambdas/handlers/support/state-machines.ts';
import { stepHandler } from '../../lambdas/handlers/support/step-handler.ts';
import { startS3rver, type RunningS3rver } from '../support/s3rver.ts';

process.env.POWERTOOLS_METRICS_NAMESPACE = 'PrognosTest';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const lambdaContext = {
  functionName: 'prognos-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:prognos-test',
  memoryLimitInMB: '1024',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/prognos-test',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as unknown as Context;

describe('a step handler over S3 (s3rver)', () => {
  let server: RunningS3rver;
  let client: S3Client;
  let store: S3ObjectStore;

  beforeAll(async () => {
    server = await startS3rver();
    client = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts: 1 });
    const buckets = { landing: 'h-landing', lake: 'h-lake', models: 'h-models' };
    for (const Bucket of Object.values(buckets)) await client.send(new CreateBucketCommand({ Bucket }));
    store = new S3ObjectStore({ client, buckets });
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  const context = (): StepContext => ({
    store,
    queries: { query: () => Promise.reject(new Error('ValidateAndIngest issues no query')), close: async () => undefined },
    contract: DEFAULT_CONTRACT,
    now: () => new Date('2026-11-26T12:00:00Z'),
    progress: () => undefined,
  });

  it('ValidateAndIngest writes Parquet to the lake bucket, and the same file again is a no-op', async () => {
    const handler = stepHandler('ValidateAndIngest', validateAndIngest, context);
    await store.put('landing/training/sample.csv', generateCsv('ai4i', 200, 3).text);
    const first = (await handler({ key: 'landing/training/sample.csv', runName: 'run-1' }, lambdaContext)) as { status: string; rowsValid: number; featureKeys: string[] };
    expect(first).toMatchObject({ status: 'ingested', rowsValid: 200 });
    const rows = await decodeParquet((await store.get(first.featureKeys[0]!)).body);
    expect(rows).toHaveLength(200);
    expect(rows[0]).toMatchObject({ udi: 1, source_key: 'landing/training/sample.csv' });

    const again = (await handler({ key: 'landing/training/sample.csv', runName: 'run-2' }, lambdaContext)) as { status: string };
    expect(again.status).toBe('already-ingested');
  });

  it("keeps a step's error name, which the state machine's Catch matches", async () => {
    const handler = stepHandler('ValidateAndIngest', validateAndIngest, context);
    // An empty file is set aside with a result now; a listed file that is gone still throws.
    await expect(handler({ key: 'landing/training/gone.csv', runName: 'run-3' }, lambdaContext)).rejects.toMatchObject({ name: 'UnusableFileError' });
  });
});

describe('the EventBridge starter', () => {
  const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:prognos-training';
  const upload = {
    version: '0',
    id: 'e1',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-11-26T10:15:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { bucket: { name: 'prognos-landing' }, object: { key: 'landing/training/readings.csv', etag: 'abc', 'version-id': 'v1', size: 10 } },
  };

  afterAll(() => useStateMachine('STATE_MACHINE_ARN', undefined));

  it('the same upload event twice starts one execution, and both invocations succeed', async () => {
    const sfn = mockClient(SFNClient);
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: `${stateMachineArn}:x`, startDate: new Date() })
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    useStateMachine('STATE_MACHINE_ARN', new SfnOrchestrator({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArn }));

    const first = await startHandler(upload, lambdaContext);
    const second = await startHandler(upload, lambdaContext);
    expect(first).toMatchObject({ started: true });
    expect(second).toMatchObject({ name: first.name, started: false });
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input.name).toBe(calls[1]!.args[0].input.name);
    expect(JSON.parse(calls[0]!.args[0].input.input!)).toMatchObject({ mode: 'refit', files: ['landing/training/readings.csv'] });
    sfn.restore();
  });

  it('a window of queued uploads (SQS) starts one execution over all their CSV files', async () => {
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${stateMachineArn}:w`, startDate: new Date() });
    useStateMachine('STATE_MACHINE_ARN', new SfnOrchestrator({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArn }));
    const keys = ['landing/training/b.csv', 'landing/training/a.csv', 'landing/training/folder/'];
    const records = keys.map((key, i) => ({
      messageId: `m${i}`,
      eventSource: 'aws:sqs',
      body: JSON.stringify({ ...upload, id: `e${i}`, detail: { ...upload.detail, object: { ...upload.detail.object, key } } }),
    }));
    const outcome = await startHandler({ Records: records }, lambdaContext);
    expect(outcome).toMatchObject({ started: true, files: ['landing/training/a.csv', 'landing/training/b.csv'], ignored: ['landing/training/folder/ is a folder marker, not a file'] });
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0]!.args[0].input.input!)).toMatchObject({ mode: 'refit', files: ['landing/training/a.csv', 'landing/training/b.csv'] });
    sfn.restore();
  });

  it('rejects an event that is neither an upload nor a schedule, naming the problem', async () => {
    await expect(startHandler({ source: 'aws.s3', 'detail-type': 'Object Deleted' }, lambdaContext)).rejects.toThrow(/Object Created|Scheduled Event/);
  });
});

describe('the batch starter', () => {
  const batchArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:prognos-batch';

  it('starts one batch over the CSV files under landing/inference/ on the batch state machine, once however often invoked', async () => {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const s3 = mockClient(S3Client);
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'landing/inference/a.csv', ETag: '"e1"', Size: 10, LastModified: new Date('2026-12-06T06:00:00Z') },
        { Key: 'landing/inference/notes.txt', ETag: '"e2"', Size: 5, LastModified: new Date('2026-12-06T06:00:00Z') },
      ],
    });
    const sfn = mockClient(SFNClient);
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: `${batchArn}:b`, startDate: new Date() })
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const saved = { ...process.env };
    Object.assign(process.env, { LANDING_BUCKET: 'b-landing', LAKE_BUCKET: 'b-lake', MODELS_BUCKET: 'b-models', AWS_REGION: 'us-east-1', PROGNOS_CONTRACT: JSON.stringify(DEFAULT_CONTRACT), BATCH_STATE_MACHINE_ARN: batchArn });
    const { handler } = await import('../../lambdas/handlers/start-batch.ts');
    const { resetAwsContext } = await import('../../lambdas/handlers/support/aws-context.ts');
    resetAwsContext();
    try {
      const first = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext);
      const second = await handler({ Records: [] }, lambdaContext);
      expect(first).toMatchObject({ started: true, ignored: [expect.stringContaining('landing/inference/notes.txt')] });
      expect(second).toMatchObject({ name: first.name, started: false });
      expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toMatchObject({ Bucket: 'b-landing', Prefix: 'landing/inference/' });
      const calls = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
      expect(calls.map((input) => [input.stateMachineArn, input.name])).toEqual([
        [batchArn, first.name],
        [batchArn, first.name],
      ]);
    } finally {
      process.env = saved;
      resetAwsContext();
      useStateMachine('BATCH_STATE_MACHINE_ARN', undefined);
      s3.restore();
      sfn.restore();
    }
  });
});

describe('the predict handler', () => {
  it('answers API Gateway proxy events through the middy chain: 503 before any champion, 404 for an unknown path', async () => {
    const { HeadObjectCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { NotFound, NoSuchKey } = await import('@aws-sdk/client-s3');
    const s3 = mockClient(S3Client);
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    Object.assign(process.env, { LANDING_BUCKET: 'p-landing', LAKE_BUCKET: 'p-lake', MODELS_BUCKET: 'p-models', AWS_REGION: 'us-east-1', PROGNOS_CONTRACT: JSON.stringify(DEFAULT_CONTRACT) });
    const { handler, resetChampionCache } = await import('../../lambdas/handlers/predict.ts');
    const { resetAwsContext } = await import('../../lambdas/handlers/support/aws-context.ts');
    resetAwsContext();
    resetChampionCache();
    const event = (method: string, path: string, body: string | null) =>
      ({ httpMethod: method, path, resource: path, headers: { 'content-type': 'application/json' }, multiValueHeaders: {}, body, isBase64Encoded: false, queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null, requestContext: { requestId: 'r1' } }) as never;

    const noChampion = await handler(event('POST', '/predict', '{"instances":[{"torque_nm":40}]}'), lambdaContext);
    expect(noChampion.statusCode).toBe(503);
    expect(JSON.parse(noChampion.body)).toMatchObject({ error: { code: 'no_champion' } });
    expect(noChampion.body).not.toMatch(/\bat \S+:\d+/);
    const unknown = await handler(event('GET', '/nowhere', null), lambdaContext);
    expect(unknown.statusCode).toBe(404);
    expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'p-models', Key: 'models/champion.json' });
    s3.restore();
  });
});
