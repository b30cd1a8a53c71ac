import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { NODE_TARGET } from '../../lib/function-bundling.ts';
import { FUNCTION_RUNTIME, PrognosFunction } from '../../lib/prognos-function.ts';
import { BATCH_FUNCTIONS } from '../../lib/batch-pipeline.ts';
import { TRAINING_FUNCTIONS } from '../../lib/training-pipeline.ts';
import { batchConfigSchema } from '../../lambdas/core/steps/batch/batch-state.ts';
import { withRetrainConfig } from '../../lib/pipeline-stack.ts';
import { UPLOAD_BATCH_SIZE, UPLOAD_BATCHING_WINDOW } from '../../lib/upload-queue.ts';
import { VENDED_LOGS_PREFIX } from '../../lib/workflow.ts';
import { asDefinition, taskStates } from '../../lambdas/adapters/local/asl-definition.ts';
import { allows, logicalId, properties, roleStatements, STAGE, testApp, type TemplateJson } from './app.ts';

const ASL = fileURLToPath(new URL('../../statemachines/training.asl.json', import.meta.url));
const definitionText = readFileSync(ASL, 'utf8');
const TASKS = taskStates(asDefinition(JSON.parse(definitionText)));
const BATCH_ASL = fileURLToPath(new URL('../../statemachines/batch-inference.asl.json', import.meta.url));
const batchDefinitionText = readFileSync(BATCH_ASL, 'utf8');
const BATCH_TASKS = taskStates(asDefinition(JSON.parse(batchDefinitionText)));

const app = testApp();
const template = app.templates.pipeline;
const { training, triggers, batch, batchTriggers } = app.pipeline;
const functions = app.app.node.findAll().filter((c): c is PrognosFunction => c instanceof PrognosFunction);
/** A function's path inside its stack (`Training/RecordFailure`, `Batch/RecordFailure`): ids repeat across workflows. */
const nameOf = (fn: PrognosFunction) => fn.node.path.split('/').slice(1).join('/');
const templateOf = (fn: PrognosFunction) => Template.fromStack(Stack.of(fn));
const statementsOf = (fn: PrognosFunction) => roleStatements(templateOf(fn), logicalId(fn.role));

const s3 = (bucket: 'Landing' | 'Lake' | 'Models' | 'QueryResults', key?: string) =>
  `arn:<AWS::Partition>:s3:::Prognos-${STAGE}:${bucket}Bucket${key === undefined ? '' : `/${key}`}`;

describe('the shared function construct, for every function of the app', () => {
  const newestNode = lambda.Runtime.ALL.filter((r) => r.name.startsWith('nodejs'))
    .map((r) => r.name)
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .at(-1);

  it('builds all eighteen: nine training Tasks, six batch Tasks, the two starters and the predict function', () => {
    expect(functions.map((f) => f.handlerName).sort()).toEqual(
      [...Object.values(TRAINING_FUNCTIONS).map((s) => s.handler), ...Object.values(BATCH_FUNCTIONS).map((s) => s.handler), 'start-training', 'start-batch', 'predict'].sort(),
    );
  });

  it.each(functions.map((f) => [nameOf(f), f] as const))('%s: newest Node runtime, ARM64, traced, explicit memory and timeout, own log group', (_, fn) => {
    const t = templateOf(fn);
    const props = properties(t, logicalId(fn.function));
    expect(newestNode).toBe('nodejs24.x');
    expect(FUNCTION_RUNTIME.name).toBe(`${NODE_TARGET.replace('node', 'nodejs')}.x`); // esbuild targets the runtime
    expect(props).toMatchObject({
      Runtime: newestNode,
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: { Ref: logicalId(fn.logGroup) } },
    });
    expect(props.MemorySize).toEqual(expect.any(Number));
    expect(props.Timeout).toEqual(expect.any(Number));
    expect(properties(t, logicalId(fn.logGroup))).toMatchObject({ RetentionInDays: 30 });
    expect((props.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      LANDING_BUCKET: { 'Fn::ImportValue': `Prognos-${STAGE}:LandingBucket` },
      LAKE_BUCKET: { 'Fn::ImportValue': `Prognos-${STAGE}:LakeBucket` },
      MODELS_BUCKET: { 'Fn::ImportValue': `Prognos-${STAGE}:ModelsBucket` },
      GLUE_DATABASE: 'prognos_test',
      ATHENA_WORKGROUP: 'prognos-test',
      POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^prognos-/),
      POWERTOOLS_METRICS_NAMESPACE: 'Prognos',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it.each(functions.map((f) => [nameOf(f), f] as const))('%s: its role has no AWS-managed policy and may write only its own logs and X-Ray', (_, fn) => {
    const role = properties(templateOf(fn), logicalId(fn.role));
    expect(role.ManagedPolicyArns).toHaveLength(1); // the stack's X-Ray policy (a Ref, checked by roleStatements)
    const statements = statementsOf(fn);
    const logs = statements.filter((s) => s.actions.some((a) => a.startsWith('logs:')));
    expect(logs).toEqual([{ effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`<${logicalId(fn.logGroup)}.Arn>`], sid: 'OwnLogGroup' }]);
    const wildcard = statements.filter((s) => s.effect === 'Allow' && s.resources.includes('*'));
    expect(wildcard).toEqual([{ effect: 'Allow', actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] }]);
    expect(statements.flatMap((s) => s.actions).filter((a) => a.includes('*'))).toEqual([]);
  });

  it('memory follows the configuration for Train', () => {
    const t = testApp({ trainMemoryMb: 4096 });
    expect(properties(t.templates.pipeline, logicalId(t.pipeline.training.functions.Train.function)).MemorySize).toBe(4096);
  });
});

describe('the training state machine', () => {
  const sm = properties(template, logicalId(training.workflow.stateMachine));

  it('is a Standard state machine, logging ALL with execution data to its log group, traced', () => {
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.LoggingConfiguration).toEqual({
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalId(training.workflow.logGroup), 'Arn'] } } }],
      IncludeExecutionData: true,
      Level: 'ALL',
    });
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('logs under /aws/vendedlogs/states/ (no per-log-group entry in the account-wide resource policy), with a name new for each creation of the stack', () => {
    for (const workflow of [training.workflow, batch.workflow]) {
      const name = properties(template, logicalId(workflow.logGroup)).LogGroupName as TemplateJson;
      const [separator, parts] = name['Fn::Join'];
      expect(separator).toBe('');
      expect(parts[0]).toBe(`/aws/vendedlogs/states/Prognos-${STAGE}-Pipeline-${workflow === training.workflow ? 'Training' : 'Batch'}-`);
      // The last group of the stack id's GUID.
      expect(JSON.stringify(parts[1])).toContain('"Ref":"AWS::StackId"');
      expect(parts[1]['Fn::Select'][0]).toBe(4);
      expect(VENDED_LOGS_PREFIX).toBe('/aws/vendedlogs/states/');
    }
    expect(properties(template, logicalId(training.workflow.logGroup))).toMatchObject({ RetentionInDays: 30 });
  });

  it('is the ASL file itself, inline (not an S3 asset)', () => {
    expect(sm.DefinitionString).toBe(definitionText);
    expect(sm.DefinitionS3Location).toBeUndefined();
  });

  it("substitutes every placeholder with its Task's function ARN: none is left", () => {
    const substitutions = sm.DefinitionSubstitutions as Record<string, unknown>;
    const placeholders = [...new Set([...definitionText.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]))].sort();
    expect(Object.keys(substitutions).sort()).toEqual(placeholders);
    for (const task of TASKS) {
      const fn = training.functions[task.state as keyof typeof training.functions];
      expect(substitutions[`${task.state}FunctionArn`], task.state).toEqual({ 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] });
    }
    let resolved = definitionText;
    for (const [name, value] of Object.entries(substitutions)) resolved = resolved.replaceAll(`\${${name}}`, JSON.stringify(value).replace(/"/g, "'"));
    expect(resolved).not.toMatch(/\$\{/);
  });

  it.each(TASKS.map((t) => [t.state, t.timeoutSeconds] as const))("%s: the function's timeout fits in the Task's (%i s)", (state, taskTimeout) => {
    const fn = training.functions[state as keyof typeof training.functions];
    const timeout = properties(template, logicalId(fn.function)).Timeout as number;
    expect(taskTimeout).toEqual(expect.any(Number));
    expect(timeout).toBeLessThanOrEqual(taskTimeout!);
    expect(timeout).toBeGreaterThanOrEqual(taskTimeout! - 30); // not needlessly short either
  });

  it('may invoke exactly its nine Task functions, by unqualified ARN', () => {
    const statements = roleStatements(template, logicalId(training.workflow.stateMachine.role));
    const invoke = statements.filter((s) => s.actions.includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(invoke[0].resources.sort()).toEqual(Object.values(training.functions).map((f) => `<${logicalId(f.function)}.Arn>`).sort());
  });
});

describe('least-privilege grants', () => {
  const expected: Record<string, string[]> = {
    'Training/ValidateAndIngest': [
      `Allow s3:GetObject ${s3('Landing', 'landing/training/*')}`,
      `Allow s3:ListBucket ${s3('Lake')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/ingested/*')}`,
      `Allow s3:PutObject ${s3('Lake', 'lake/features/*')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/quarantine/*')}`,
    ],
    'Training/BuildTrainingSet': [
      'Allow athena:StartQueryExecution athena:GetQueryExecution athena:GetQueryResults athena:StopQueryExecution arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/prognos-test',
      'Allow glue:GetDatabase glue:GetTable glue:GetPartitions arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:catalog arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:database/prognos_test arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/prognos_test/sensor_readings',
      `Allow s3:ListBucket s3:GetBucketLocation ${s3('Lake')}`,
      `Allow s3:GetObject ${s3('Lake', 'lake/features/*')}`,
      `Allow s3:ListBucket s3:GetBucketLocation ${s3('QueryResults')}`,
      `Allow s3:GetObject s3:PutObject s3:AbortMultipartUpload s3:ListMultipartUploadParts ${s3('QueryResults', 'results/*')}`,
      `Allow s3:PutObject ${s3('Lake', 'lake/training-sets/*')}`,
    ],
    'Training/SplitAndScale': [`Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/training-sets/*')}`],
    'Training/Train': [
      `Allow s3:GetObject ${s3('Lake', 'lake/training-sets/*')}`,
      `Allow s3:ListBucket ${s3('Models')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Models', 'models/*')}`,
      `Allow s3:ListBucket ${s3('Lake')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/runs/*')}`,
      `Deny s3:PutObject s3:DeleteObject ${s3('Models', 'models/champion.json')}`,
    ],
    // The challengers read the split and write only their own version: no champion to read, no checkpoint.
    'Training/TrainLogistic': [
      `Allow s3:GetObject ${s3('Lake', 'lake/training-sets/*')}`,
      `Allow s3:PutObject ${s3('Models', 'models/*')}`,
      `Deny s3:PutObject s3:DeleteObject ${s3('Models', 'models/champion.json')}`,
    ],
    'Training/TrainBoosting': [
      `Allow s3:GetObject ${s3('Lake', 'lake/training-sets/*')}`,
      `Allow s3:PutObject ${s3('Models', 'models/*')}`,
      `Deny s3:PutObject s3:DeleteObject ${s3('Models', 'models/champion.json')}`,
    ],
    'Training/Evaluate': [
      `Allow s3:GetObject ${s3('Lake', 'lake/training-sets/*')}`,
      `Allow s3:ListBucket ${s3('Models')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Models', 'models/*')}`,
      `Deny s3:PutObject s3:DeleteObject ${s3('Models', 'models/champion.json')}`,
    ],
    'Training/Gate': [`Allow s3:PutObject ${s3('Models', 'models/*')}`, `Deny s3:PutObject s3:DeleteObject ${s3('Models', 'models/champion.json')}`],
    'Training/WriteReport': [
      `Allow s3:ListBucket ${s3('Models')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Models', 'models/*')}`,
      `Deny s3:PutObject s3:DeleteObject ${s3('Models', 'models/champion.json')}`,
    ],
    'Training/Promote': [`Allow s3:ListBucket ${s3('Models')}`, `Allow s3:GetObject ${s3('Models', 'models/*')}`, `Allow s3:PutObject ${s3('Models', 'models/champion.json')}`, `Allow s3:PutObject ${s3('Models', 'models/champion-history/*')}`],
    'Training/RecordFailure': [`Allow s3:PutObject ${s3('Lake', 'lake/runs/*')}`],
    'Triggers/StartTraining': [
      `Allow sqs:SendMessage <${logicalId(triggers.deadLetterQueue)}.Arn>`,
      `Allow states:StartExecution <${logicalId(training.workflow.stateMachine)}>`,
      `Allow sqs:ReceiveMessage sqs:DeleteMessage sqs:ChangeMessageVisibility sqs:GetQueueAttributes <${logicalId(triggers.uploads.queue)}.Arn>`,
    ],
    'Prediction/Predict': [`Allow s3:ListBucket ${s3('Models')}`, `Allow s3:GetObject ${s3('Models', 'models/*')}`],
    'Batch/ListNewFiles': [`Allow s3:ListBucket ${s3('Landing')}`, `Allow s3:ListBucket ${s3('Lake')}`, `Allow s3:PutObject ${s3('Lake', 'lake/batches/*')}`],
    'Batch/ScoreFile': [
      `Allow s3:ListBucket ${s3('Landing')}`,
      `Allow s3:GetObject ${s3('Landing', 'landing/inference/*')}`,
      `Allow s3:ListBucket ${s3('Models')}`,
      `Allow s3:GetObject ${s3('Models', 'models/*')}`,
      `Allow s3:ListBucket ${s3('Lake')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/scored/*')}`,
      `Allow s3:PutObject ${s3('Lake', 'lake/predictions/dt=*')}`,
      `Allow s3:PutObject ${s3('Lake', 'lake/quarantine/*')}`,
      `Allow s3:PutObject ${s3('Lake', 'lake/batches/*')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/ledger/*')}`,
    ],
    'Batch/ComputeDrift': [
      `Allow s3:ListBucket ${s3('Lake')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/batches/*')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/drift/last-retrain.json')}`,
      `Allow s3:ListBucket ${s3('Models')}`,
      `Allow s3:GetObject ${s3('Models', 'models/*')}`,
    ],
    'Batch/WriteBatchReport': [
      `Allow s3:ListBucket ${s3('Lake')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/batches/*')}`,
      `Allow s3:PutObject ${s3('Lake', 'lake/predictions/reports/*')}`,
      `Allow s3:ListBucket ${s3('Models')}`,
      `Allow s3:GetObject ${s3('Models', 'models/*')}`,
    ],
    'Batch/StartRetrain': [`Allow states:StartExecution <${logicalId(training.workflow.stateMachine)}>`],
    'Batch/RecordFailure': [`Allow s3:PutObject ${s3('Lake', 'lake/runs/*')}`],
    'BatchTriggers/StartBatch': [
      `Allow sqs:SendMessage <${logicalId(batchTriggers.deadLetterQueue)}.Arn>`,
      `Allow s3:ListBucket ${s3('Landing')}`,
      `Allow states:StartExecution <${logicalId(batch.workflow.stateMachine)}>`,
      `Allow sqs:ReceiveMessage sqs:DeleteMessage sqs:ChangeMessageVisibility sqs:GetQueueAttributes <${logicalId(batchTriggers.uploads.queue)}.Arn>`,
    ],
  };

  it('the table names every function of the app', () => {
    expect(functions.map(nameOf).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(functions.map((f) => [nameOf(f), f] as const))('%s may do exactly what its step needs (besides logs and X-Ray)', (id, fn) => {
    const got = statementsOf(fn)
      .filter((s) => !s.actions.some((a) => a.startsWith('logs:') || a.startsWith('xray:')))
      .map((s) => `${s.effect} ${s.actions.join(' ')} ${s.resources.join(' ')}`);
    // The expected lines name actions in the order a reader thinks of them; the template's are sorted.
    const sortActions = (line: string) => {
      const [effect, ...words] = line.split(' ');
      const isAction = (w: string) => /^[a-z0-9-]+:[A-Za-z*]+$/.test(w);
      return [effect, ...words.filter(isAction).sort(), ...words.filter((w) => !isAction(w))].join(' ');
    };
    expect(got).toEqual(expected[id].map(sortActions));
  });

  it('only Promote may write models/champion.json', () => {
    const writers = functions.filter((fn) => allows(statementsOf(fn), 's3:PutObject', s3('Models', 'models/champion.json'))).map(nameOf);
    expect(writers).toEqual(['Training/Promote']);
    // …while the others that write models/ still write their own version's files.
    for (const fn of [training.functions.Train, training.functions.Gate, training.functions.WriteReport]) {
      expect(allows(statementsOf(fn), 's3:PutObject', s3('Models', 'models/20260101T000000Z-abc/decision.json')), fn.node.id).toBe(true);
    }
  });

  it('no function may write or delete anything in the landing bucket, nor delete anywhere', () => {
    for (const fn of functions) {
      const statements = statementsOf(fn);
      for (const key of ['landing/training/a.csv', 'landing/inference/b.csv', 'other/c']) {
        expect(allows(statements, 's3:PutObject', s3('Landing', key)), `${nameOf(fn)} ${key}`).toBe(false);
      }
      for (const resource of [s3('Landing', 'landing/training/a.csv'), s3('Lake', 'lake/features/dt=2026-01-01/x.parquet'), s3('Models', 'models/champion.json')]) {
        expect(allows(statements, 's3:DeleteObject', resource), `${nameOf(fn)} delete ${resource}`).toBe(false);
      }
    }
  });

  it('the Gate cannot read the data, and only BuildTrainingSet runs Athena queries', () => {
    const gate = statementsOf(training.functions.Gate);
    expect(allows(gate, 's3:GetObject', s3('Lake', 'lake/features/dt=2026-01-01/x.parquet'))).toBe(false);
    expect(allows(gate, 's3:PutObject', s3('Landing', 'landing/training/a.csv'))).toBe(false);
    const queriers = functions.filter((fn) => statementsOf(fn).some((s) => s.actions.includes('athena:StartQueryExecution'))).map(nameOf);
    expect(queriers).toEqual(['Training/BuildTrainingSet']);
  });

  it('ingest reads uploads only under landing/training/', () => {
    const ingest = statementsOf(training.functions.ValidateAndIngest);
    expect(allows(ingest, 's3:GetObject', s3('Landing', 'landing/training/a.csv'))).toBe(true);
    expect(allows(ingest, 's3:GetObject', s3('Landing', 'landing/inference/a.csv'))).toBe(false);
    expect(allows(ingest, 's3:PutObject', s3('Lake', 'lake/features/dt=2026-01-01/x.parquet'))).toBe(true);
    expect(allows(ingest, 's3:PutObject', s3('Lake', 'lake/training-sets/run/x.parquet'))).toBe(false);
  });
});

describe('triggers', () => {
  const starter = triggers.starter;
  const dlq = logicalId(triggers.deadLetterQueue);
  const targetPolicy = {
    Arn: { 'Fn::GetAtt': [logicalId(starter.function), 'Arn'] },
    DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
    RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
  };

  it('an object created under landing/training/ in the landing bucket → the upload queue, with a DLQ and retry limits', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ 'Fn::ImportValue': `Prognos-${STAGE}:LandingBucket` }] }, object: { key: [{ prefix: 'landing/training/' }] } },
      },
      State: 'ENABLED',
      Targets: [Match.objectLike({ ...targetPolicy, Arn: { 'Fn::GetAtt': [logicalId(triggers.uploads.queue), 'Arn'] } })],
    });
  });

  for (const [name, owner] of [
    ['training', () => triggers],
    ['batch', () => batchTriggers],
  ] as const) {
    it(`uploads coalesce (${name}): the queue is read in windows of ${UPLOAD_BATCHING_WINDOW.toSeconds()} s, up to ${UPLOAD_BATCH_SIZE} events, by the starter alone`, () => {
      const { uploads, starter, uploadRule, deadLetterQueue } = owner();
      const queue = logicalId(uploads.queue);
      expect(properties(template, queue)).toMatchObject({
        SqsManagedSseEnabled: true,
        VisibilityTimeout: starter.timeout.toSeconds() * 6,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(deadLetterQueue), 'Arn'] }, maxReceiveCount: 3 },
      });
      expect(properties(template, logicalId(uploads.eventSource))).toEqual({
        FunctionName: { Ref: logicalId(starter.function) },
        EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 60,
        ScalingConfig: { MaximumConcurrency: 2 },
        Tags: expect.any(Array),
      });
      const consume = statementsOf(starter).filter((st) => st.actions.some((a) => a.startsWith('sqs:Receive')));
      expect(consume).toEqual([
        { effect: 'Allow', actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'], resources: [`<${queue}.Arn>`], sid: 'ConsumeUploadQueue' },
      ]);
      // Only the upload rule may send to the queue, over TLS only.
      const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p) => JSON.stringify((p as { Properties: { Queues: unknown } }).Properties.Queues).includes(queue)) as {
        Properties: { PolicyDocument: { Statement: Record<string, TemplateJson>[] } };
      };
      const statements = policy.Properties.PolicyDocument.Statement;
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
      expect(statements.filter((st) => st.Effect === 'Allow').map((st) => [st.Principal, st.Condition.ArnEquals['aws:SourceArn']])).toEqual([
        [{ Service: 'events.amazonaws.com' }, { 'Fn::GetAtt': [logicalId(uploadRule), 'Arn'] }],
      ]);
    });
  }

  it('the daily schedule (default cron(0 3 * * ? *)) → the starter with the scheduled event itself', () => {
    const rule = properties(template, logicalId(triggers.scheduleRule!));
    expect(rule.ScheduleExpression).toBe('cron(0 3 * * ? *)');
    const [target] = rule.Targets as Record<string, unknown>[];
    expect(target).toMatchObject(targetPolicy);
    // No Input: the starter reads 'Scheduled Event' and its time (→ full mode, daily-YYYY-MM-DD).
    expect(target.Input).toBeUndefined();
    expect(target.InputTransformer).toBeUndefined();
  });

  it('takes the schedule from the configuration, or none', () => {
    const custom = testApp({ trainingSchedule: 'cron(30 1 * * ? *)' });
    custom.templates.pipeline.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(30 1 * * ? *)' });
    const off = testApp({ trainingSchedule: undefined });
    expect(off.pipeline.triggers.scheduleRule).toBeUndefined();
    off.templates.pipeline.resourceCountIs('AWS::Events::Rule', 2); // the two upload rules
  });

  it('every EventBridge target in the app has a dead-letter queue and retry limits', () => {
    let targets = 0;
    for (const t of Object.values(app.templates)) {
      for (const rule of Object.values(t.findResources('AWS::Events::Rule'))) {
        for (const target of (rule as { Properties: { Targets: Record<string, unknown>[] } }).Properties.Targets) {
          targets++;
          expect(target.DeadLetterConfig).toEqual({ Arn: expect.anything() });
          expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: expect.any(Number), MaximumRetryAttempts: expect.any(Number) });
        }
      }
    }
    expect(targets).toBe(5); // training upload and schedule, batch upload, a failed-run notice per workflow
  });

  it('the dead-letter queue is encrypted and TLS-only, and only the two rules may send to it', () => {
    expect(properties(template, dlq)).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p) =>
      JSON.stringify((p as { Properties: { Queues: unknown } }).Properties.Queues).includes(dlq),
    ) as { Properties: { PolicyDocument: { Statement: Record<string, TemplateJson>[] } } };
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const senders = statements.filter((s) => s.Effect === 'Allow');
    expect(senders.map((s) => s.Principal)).toEqual([{ Service: 'events.amazonaws.com' }, { Service: 'events.amazonaws.com' }]);
    expect(senders.map((s) => s.Condition.ArnEquals['aws:SourceArn']).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      [triggers.uploadRule, triggers.scheduleRule!].map((r) => ({ 'Fn::GetAtt': [logicalId(r), 'Arn'] })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });

  it("the starter's own failures (after Lambda's retries) go to the same queue; it knows the state machine and the run settings", () => {
    const props = properties(template, logicalId(starter.function));
    expect(props.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(starter.function) },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
    });
    expect((props.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      STATE_MACHINE_ARN: { Ref: logicalId(training.workflow.stateMachine) },
      PIPELINE_CONFIG: '{}',
      POWERTOOLS_SERVICE_NAME: 'prognos-triggers',
    });
    const custom = testApp({ pipelineConfig: { targetRecall: 0.8, windowDays: 30 } });
    const env = (properties(custom.templates.pipeline, logicalId(custom.pipeline.triggers.starter.function)).Environment as { Variables: Record<string, string> }).Variables;
    expect(JSON.parse(env.PIPELINE_CONFIG)).toEqual({ targetRecall: 0.8, windowDays: 30 });
  });

  it('only the schedule rule of this stack may invoke the starter (uploads reach it through the queue)', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((p) => (p as { Properties: Record<string, unknown> }).Properties);
    const forStarter = permissions.filter((p) => JSON.stringify(p.FunctionName).includes(logicalId(starter.function)));
    expect(forStarter.map((p) => [p.Principal, p.SourceArn])).toEqual([['events.amazonaws.com', { 'Fn::GetAtt': [logicalId(triggers.scheduleRule!), 'Arn'] }]]);
  });
});

describe('the batch inference state machine', () => {
  const sm = properties(template, logicalId(batch.workflow.stateMachine));
  const statements = roleStatements(template, logicalId(batch.workflow.stateMachine.role));
  const bySid = (sid: string) => statements.filter((s) => s.sid === sid);
  const smArn = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:Prognos-${STAGE}-BatchInference`;
  const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:Prognos-${STAGE}-BatchInference`;

  it('is a named Standard state machine from batch-inference.asl.json, inline, logging ALL with execution data, traced', () => {
    expect(sm.StateMachineName).toBe(`Prognos-${STAGE}-BatchInference`);
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.DefinitionString).toBe(batchDefinitionText);
    expect(sm.DefinitionS3Location).toBeUndefined();
    expect(sm.LoggingConfiguration).toEqual({
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalId(batch.workflow.logGroup), 'Arn'] } } }],
      IncludeExecutionData: true,
      Level: 'ALL',
    });
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    template.hasOutput('BatchStateMachineArn', { Value: { Ref: logicalId(batch.workflow.stateMachine) } });
  });

  it('resolves every placeholder: the six Task functions, and the lake bucket of the ItemReader (the manifest) and of the ResultWriter', () => {
    const substitutions = sm.DefinitionSubstitutions as Record<string, unknown>;
    const placeholders = [...new Set([...batchDefinitionText.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]))].sort();
    expect(placeholders).toEqual(['ComputeDriftFunctionArn', 'LakeBucketName', 'ListNewFilesFunctionArn', 'RecordFailureFunctionArn', 'ScoreFileFunctionArn', 'StartRetrainFunctionArn', 'WriteBatchReportFunctionArn']);
    expect(Object.keys(substitutions).sort()).toEqual(placeholders);
    expect(BATCH_TASKS.map((t) => t.state).sort()).toEqual(Object.keys(BATCH_FUNCTIONS).sort());
    for (const task of BATCH_TASKS) {
      const fn = batch.functions[task.state as keyof typeof batch.functions];
      expect(substitutions[`${task.state}FunctionArn`], task.state).toEqual({ 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] });
    }
    expect(substitutions.LakeBucketName).toEqual({ 'Fn::ImportValue': `Prognos-${STAGE}:LakeBucket` });
    let resolved = batchDefinitionText;
    for (const [name, value] of Object.entries(substitutions)) resolved = resolved.replaceAll(`\${${name}}`, JSON.stringify(value).replace(/"/g, "'"));
    expect(resolved).not.toMatch(/\$\{/);
  });

  it.each(BATCH_TASKS.map((t) => [t.state, t.timeoutSeconds] as const))("%s: the function's timeout fits in the Task's (%i s)", (state, taskTimeout) => {
    const fn = batch.functions[state as keyof typeof batch.functions];
    const timeout = properties(template, logicalId(fn.function)).Timeout as number;
    expect(taskTimeout).toEqual(expect.any(Number));
    expect(timeout).toBeLessThanOrEqual(taskTimeout!);
    expect(timeout).toBeGreaterThanOrEqual(taskTimeout! - 30);
  });

  it('may invoke exactly its six Task functions, by unqualified ARN', () => {
    expect(bySid('InvokeTaskFunctions').map((s) => s.resources.sort())).toEqual([Object.values(batch.functions).map((f) => `<${logicalId(f.function)}.Arn>`).sort()]);
    expect(statements.filter((s) => s.actions.includes('lambda:InvokeFunction'))).toHaveLength(1);
  });

  it('the Distributed Map may start child executions of this state machine only, and describe and stop only its executions', () => {
    expect(bySid('DistributedMapStartChildExecutions')).toEqual([
      { effect: 'Allow', actions: ['states:StartExecution'], resources: [smArn], sid: 'DistributedMapStartChildExecutions' },
    ]);
    expect(bySid('DistributedMapManageChildExecutions')).toEqual([
      { effect: 'Allow', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [`${executions}/*`, `${executions}:*`], sid: 'DistributedMapManageChildExecutions' },
    ]);
    expect(allows(statements, 'states:DescribeExecution', `${executions}/map-run-label:child-1`)).toBe(true);
    expect(allows(statements, 'states:StopExecution', `${executions}:infer-0123`)).toBe(true);
    const training = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:TrainingStateMachine:x`;
    expect(allows(statements, 'states:StopExecution', training)).toBe(false);
    expect(allows(statements, 'states:StartExecution', `<${logicalId(app.pipeline.training.workflow.stateMachine)}>`)).toBe(false);
    // The ARN is built from the name, not a Ref of the state machine: no circular reference.
    expect(JSON.stringify(statements)).not.toContain(logicalId(batch.workflow.stateMachine));
  });

  it('tolerates failed children up to 50 %, and each child returns a few fields, its results written to S3', () => {
    const definition = JSON.parse(batchDefinitionText) as { States: { ScoreFiles: Record<string, unknown> & { ItemProcessor: { States: { ScoreFile: Record<string, unknown> } } } } };
    const map = definition.States.ScoreFiles;
    expect(map.ToleratedFailurePercentage).toBe(50);
    expect(map.ResultPath).toBeNull();
    expect(map.ResultWriter).toEqual({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: '${LakeBucketName}', Prefix: 'lake/map-results' } });
    expect(Object.keys(map.ItemProcessor.States.ScoreFile.ResultSelector as object)).toEqual(['key.$', 'status.$', 'duplicate.$']);
  });

  it('the ResultWriter may write, read and abort uploads under lake/map-results/ of the lake bucket only', () => {
    expect(bySid('ResultWriterScoreFiles')).toEqual([
      {
        effect: 'Allow',
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
        resources: [s3('Lake', 'lake/map-results/*')],
        sid: 'ResultWriterScoreFiles',
      },
    ]);
    expect(allows(statements, 's3:PutObject', s3('Lake', 'lake/map-results/run-1/SUCCEEDED_0.json'))).toBe(true);
    expect(allows(statements, 's3:PutObject', s3('Lake', 'lake/ledger/x.json'))).toBe(false);
    expect(allows(statements, 's3:PutObject', s3('Landing', 'lake/map-results/x.json'))).toBe(false);
  });

  it('the ItemReader may read the batch manifests only; the state machine reads no other object', () => {
    expect(bySid('ItemReaderScoreFiles')).toEqual([{ effect: 'Allow', actions: ['s3:GetObject'], resources: [s3('Lake', 'lake/batches/*/manifest.json')], sid: 'ItemReaderScoreFiles' }]);
    expect(allows(statements, 's3:GetObject', s3('Lake', 'lake/batches/infer-1/manifest.json'))).toBe(true);
    expect(allows(statements, 's3:GetObject', s3('Lake', 'lake/batches/infer-1/drift.json'))).toBe(false);
    expect(allows(statements, 's3:GetObject', s3('Landing', 'landing/inference/a.csv'))).toBe(false);
    expect(statements.filter((s) => s.actions.some((a) => a.startsWith('s3:')))).toHaveLength(2);
    // Besides these, only CDK's log-delivery and X-Ray statements (Resource *, acknowledged).
    const others = statements.filter((s) => s.sid === undefined);
    expect(others.flatMap((s) => s.actions).every((a) => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(true);
  });
});

describe('batch inference least privilege', () => {
  const score = statementsOf(batch.functions.ScoreFile);
  const lakeKey = (key: string) => s3('Lake', key);

  it('scoring reads landing/inference/ only, and the champion, and never writes models', () => {
    expect(allows(score, 's3:GetObject', s3('Landing', 'landing/inference/a.csv'))).toBe(true);
    expect(allows(score, 's3:GetObject', s3('Landing', 'landing/training/a.csv'))).toBe(false);
    expect(allows(score, 's3:GetObject', s3('Models', 'models/champion.json'))).toBe(true);
    for (const fn of Object.values(batch.functions)) {
      expect(allows(statementsOf(fn), 's3:PutObject', s3('Models', 'models/v1/model.json')), nameOf(fn)).toBe(false);
    }
  });

  it('only ScoreFile writes predictions, quarantine and markers; the report goes beside the partitions, not into them', () => {
    const writers = (key: string) => functions.filter((fn) => allows(statementsOf(fn), 's3:PutObject', lakeKey(key))).map(nameOf).sort();
    expect(writers('lake/predictions/dt=2026-01-01/abc.parquet')).toEqual(['Batch/ScoreFile']);
    expect(writers('lake/scored/abc.json')).toEqual(['Batch/ScoreFile']);
    expect(writers('lake/quarantine/dt=2026-01-01/abc.inference.jsonl')).toEqual(['Batch/ScoreFile', 'Training/ValidateAndIngest']);
    expect(writers('lake/predictions/reports/infer-1.html')).toEqual(['Batch/WriteBatchReport']);
    expect(writers('lake/predictions/other.parquet')).toEqual([]);
    expect(writers('lake/drift/last-retrain.json')).toEqual(['Batch/ComputeDrift']);
    expect(writers('lake/drift/other.json')).toEqual([]);
    expect(writers('lake/batches/infer-1/summary.json')).toEqual(['Batch/ComputeDrift', 'Batch/ListNewFiles', 'Batch/ScoreFile', 'Batch/WriteBatchReport']);
  });

  it('only ScoreFile reads and writes the scored-files ledger; nothing may delete from it', () => {
    const entry = lakeKey('lake/ledger/0123456789abcdef0123456789abcdef/d41d8cd98f00b204e9800998ecf8427e.json');
    expect(functions.filter((fn) => allows(statementsOf(fn), 's3:PutObject', entry)).map(nameOf)).toEqual(['Batch/ScoreFile']);
    expect(functions.filter((fn) => allows(statementsOf(fn), 's3:GetObject', entry)).map(nameOf)).toEqual(['Batch/ScoreFile']);
    for (const fn of functions) expect(allows(statementsOf(fn), 's3:DeleteObject', entry), nameOf(fn)).toBe(false);
  });

  it('only StartRetrain may start training from a batch, and only the batch starter may start a batch', () => {
    const starters = (sm: string) => functions.filter((fn) => allows(statementsOf(fn), 'states:StartExecution', sm)).map(nameOf).sort();
    expect(starters(`<${logicalId(training.workflow.stateMachine)}>`)).toEqual(['Batch/StartRetrain', 'Triggers/StartTraining']);
    expect(starters(`<${logicalId(batch.workflow.stateMachine)}>`)).toEqual(['BatchTriggers/StartBatch']);
  });

  it('only StartRetrain knows the training state machine (the batch context reads it when a retrain starts); the steps log as prognos-batch', () => {
    for (const [step, fn] of Object.entries(batch.functions)) {
      const variables = (properties(template, logicalId(fn.function)).Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables, step).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'prognos-batch', POWERTOOLS_METRICS_NAMESPACE: 'Prognos' });
      expect(variables.STATE_MACHINE_ARN, step).toEqual(step === 'StartRetrain' ? { Ref: logicalId(training.workflow.stateMachine) } : undefined);
    }
  });
});

describe('batch triggers', () => {
  const starter = batchTriggers.starter;
  const dlq = logicalId(batchTriggers.deadLetterQueue);
  const targetPolicy = {
    Arn: { 'Fn::GetAtt': [logicalId(starter.function), 'Arn'] },
    DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
    RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
  };

  it('an object created under landing/inference/ in the landing bucket → the upload queue, with a DLQ and retry limits', () => {
    expect(properties(template, logicalId(batchTriggers.uploadRule))).toMatchObject({
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ 'Fn::ImportValue': `Prognos-${STAGE}:LandingBucket` }] }, object: { key: [{ prefix: 'landing/inference/' }] } },
      },
      State: 'ENABLED',
      Targets: [expect.objectContaining({ ...targetPolicy, Arn: { 'Fn::GetAtt': [logicalId(batchTriggers.uploads.queue), 'Arn'] } })],
    });
  });

  it('no batch schedule by default; prognos:batchSchedule adds one to the same starter', () => {
    expect(batchTriggers.scheduleRule).toBeUndefined();
    const scheduled = testApp({ batchSchedule: 'cron(0 6 * * ? *)' });
    const rule = properties(scheduled.templates.pipeline, logicalId(scheduled.pipeline.batchTriggers.scheduleRule!));
    expect(rule.ScheduleExpression).toBe('cron(0 6 * * ? *)');
    expect((rule.Targets as Record<string, unknown>[])[0]).toMatchObject({
      Arn: { 'Fn::GetAtt': [logicalId(scheduled.pipeline.batchTriggers.starter.function), 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(scheduled.pipeline.batchTriggers.deadLetterQueue), 'Arn'] } },
      RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
    });
  });

  it("the starter knows the batch state machine and the batch settings, retries twice, then the queue; it lists only landing/inference/", () => {
    const props = properties(template, logicalId(starter.function));
    expect(props.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: logicalId(starter.function) }, MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    expect((props.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      BATCH_STATE_MACHINE_ARN: { Ref: logicalId(batch.workflow.stateMachine) },
      BATCH_CONFIG: '{}',
      POWERTOOLS_SERVICE_NAME: 'prognos-triggers',
    });
    const list = statementsOf(starter).filter((s) => s.actions.includes('s3:ListBucket'));
    expect(list).toEqual([{ effect: 'Allow', actions: ['s3:ListBucket'], resources: [s3('Landing')], sid: 'ListLandingInference', conditions: { StringLike: { 's3:prefix': ['landing/inference/*'] } } }]);
    const custom = testApp({ batchConfig: { retrainOnDrift: true, drift: { psi: 0.25 } } });
    const env = (properties(custom.templates.pipeline, logicalId(custom.pipeline.batchTriggers.starter.function)).Environment as { Variables: Record<string, string> }).Variables;
    expect(JSON.parse(env.BATCH_CONFIG)).toEqual({ retrainOnDrift: true, drift: { psi: 0.25 } });
  });

  it("a drift retrain trains with the deployment's pipeline settings, unless the batch settings give their own", () => {
    const batchEnv = (app: ReturnType<typeof testApp>) =>
      JSON.parse((properties(app.templates.pipeline, logicalId(app.pipeline.batchTriggers.starter.function)).Environment as { Variables: Record<string, string> }).Variables.BATCH_CONFIG) as unknown;
    const pipelineConfig = { targetRecall: 0.8, windowDays: 30 };
    expect(batchEnv(testApp({ pipelineConfig, batchConfig: { retrainOnDrift: true } }))).toEqual({ retrainOnDrift: true, retrainConfig: pipelineConfig });
    expect(batchEnv(testApp({ pipelineConfig, batchConfig: { retrainConfig: { windowDays: 7 } } }))).toEqual({ retrainConfig: { windowDays: 7 } });
    // The handler reads it with the batches' own schema: the retrain gets the settings, defaults for the rest.
    const parsed = batchConfigSchema.parse(withRetrainConfig({}, pipelineConfig));
    expect(parsed.retrainConfig).toMatchObject(pipelineConfig);
    expect(withRetrainConfig({ drift: { psi: 0.3 } }, {})).toEqual({ drift: { psi: 0.3 } });
  });

  it('its dead-letter queue is encrypted and TLS-only, only its rule may send to it, and only its rules may invoke the starter', () => {
    expect(properties(template, dlq)).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p) =>
      JSON.stringify((p as { Properties: { Queues: unknown } }).Properties.Queues).includes(dlq),
    ) as { Properties: { PolicyDocument: { Statement: Record<string, TemplateJson>[] } } };
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(statements.filter((s) => s.Effect === 'Allow').map((s) => s.Condition.ArnEquals['aws:SourceArn'])).toEqual([{ 'Fn::GetAtt': [logicalId(batchTriggers.uploadRule), 'Arn'] }]);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((p) => (p as { Properties: Record<string, unknown> }).Properties);
    const forStarter = permissions.filter((p) => JSON.stringify(p.FunctionName).includes(logicalId(starter.function)));
    // No schedule by default, and uploads reach the starter through its queue: no rule invokes it.
    expect(forStarter).toEqual([]);
    template.hasOutput('BatchTriggersDeadLetterQueueUrl', { Value: { Ref: dlq } });
  });
});
