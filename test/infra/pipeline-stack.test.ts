import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { NODE_TARGET } from '../../lib/function-bundling.ts';
import { FUNCTION_RUNTIME, PrognosFunction } from '../../lib/prognos-function.ts';
import { TRAINING_STEPS } from '../../lib/training-pipeline.ts';
import { aslTasks } from '../../lib/workflow.ts';
import { allows, logicalId, properties, roleStatements, STAGE, testApp, type TemplateJson } from './app.ts';

const ASL = fileURLToPath(new URL('../../statemachines/training.asl.json', import.meta.url));
const definitionText = readFileSync(ASL, 'utf8');
const TASKS = aslTasks(JSON.parse(definitionText));

const app = testApp();
const template = app.templates.pipeline;
const { training, triggers } = app.pipeline;
const functions = app.app.node.findAll().filter((c): c is PrognosFunction => c instanceof PrognosFunction);
const templateOf = (fn: PrognosFunction) => Template.fromStack(Stack.of(fn));
const statementsOf = (fn: PrognosFunction) => roleStatements(templateOf(fn), logicalId(fn.role));

const s3 = (bucket: 'Landing' | 'Lake' | 'Models' | 'QueryResults', key?: string) =>
  `arn:<AWS::Partition>:s3:::Prognos-${STAGE}:${bucket}Bucket${key === undefined ? '' : `/${key}`}`;

describe('the shared function construct, for every function of the app', () => {
  const newestNode = lambda.Runtime.ALL.filter((r) => r.name.startsWith('nodejs'))
    .map((r) => r.name)
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .at(-1);

  it('builds all eleven: nine Tasks, the starter and the predict function', () => {
    expect(functions.map((f) => f.handlerName).sort()).toEqual(
      [...Object.values(TRAINING_STEPS).map((s) => s.handler), 'start-training', 'predict'].sort(),
    );
  });

  it.each(functions.map((f) => [f.node.id, f] as const))('%s: newest Node runtime, ARM64, traced, explicit memory and timeout, own log group', (_, fn) => {
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

  it.each(functions.map((f) => [f.node.id, f] as const))('%s: its role has no AWS-managed policy and may write only its own logs and X-Ray', (_, fn) => {
    const role = properties(templateOf(fn), logicalId(fn.role));
    expect(role.ManagedPolicyArns).toHaveLength(1); // the stack's X-Ray policy (a Ref, checked by roleStatements)
    const statements = statementsOf(fn);
    const logs = statements.filter((s) => s.actions.some((a) => a.startsWith('logs:')));
    expect(logs).toEqual([{ effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`<${logicalId(fn.logGroup)}.Arn>`], sid: 'OwnLogGroup' }]);
    const wildcard = statements.filter((s) => s.effect === 'Allow' && s.resources.includes('*'));
    expect(wildcard).toEqual([{ effect: 'Allow', actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }]);
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
    ValidateAndIngest: [
      `Allow s3:GetObject ${s3('Landing', 'landing/training/*')}`,
      `Allow s3:ListBucket ${s3('Lake')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/ingested/*')}`,
      `Allow s3:PutObject ${s3('Lake', 'lake/features/*')}`,
      `Allow s3:PutObject ${s3('Lake', 'lake/quarantine/*')}`,
    ],
    BuildTrainingSet: [
      'Allow athena:StartQueryExecution athena:GetQueryExecution athena:GetQueryResults athena:StopQueryExecution arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/prognos-test',
      'Allow glue:GetDatabase glue:GetTable glue:GetPartitions arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:catalog arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:database/prognos_test arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/prognos_test/sensor_readings',
      `Allow s3:ListBucket s3:GetBucketLocation ${s3('Lake')}`,
      `Allow s3:GetObject ${s3('Lake', 'lake/features/*')}`,
      `Allow s3:ListBucket s3:GetBucketLocation ${s3('QueryResults')}`,
      `Allow s3:GetObject s3:PutObject s3:AbortMultipartUpload s3:ListMultipartUploadParts ${s3('QueryResults', 'results/*')}`,
      `Allow s3:PutObject ${s3('Lake', 'lake/training-sets/*')}`,
    ],
    SplitAndScale: [`Allow s3:GetObject s3:PutObject ${s3('Lake', 'lake/training-sets/*')}`],
    Train: [
      `Allow s3:GetObject ${s3('Lake', 'lake/training-sets/*')}`,
      `Allow s3:ListBucket ${s3('Models')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Models', 'models/*')}`,
      `Deny s3:PutObject s3:DeleteObject ${s3('Models', 'models/champion.json')}`,
    ],
    Evaluate: [
      `Allow s3:GetObject ${s3('Lake', 'lake/training-sets/*')}`,
      `Allow s3:ListBucket ${s3('Models')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Models', 'models/*')}`,
      `Deny s3:PutObject s3:DeleteObject ${s3('Models', 'models/champion.json')}`,
    ],
    Gate: [`Allow s3:PutObject ${s3('Models', 'models/*')}`, `Deny s3:PutObject s3:DeleteObject ${s3('Models', 'models/champion.json')}`],
    WriteReport: [
      `Allow s3:ListBucket ${s3('Models')}`,
      `Allow s3:GetObject s3:PutObject ${s3('Models', 'models/*')}`,
      `Deny s3:PutObject s3:DeleteObject ${s3('Models', 'models/champion.json')}`,
    ],
    Promote: [`Allow s3:ListBucket ${s3('Models')}`, `Allow s3:GetObject ${s3('Models', 'models/*')}`, `Allow s3:PutObject ${s3('Models', 'models/champion.json')}`],
    RecordFailure: [`Allow s3:PutObject ${s3('Lake', 'lake/runs/*')}`],
    StartTraining: [`Allow sqs:SendMessage <${logicalId(triggers.deadLetterQueue)}.Arn>`, `Allow states:StartExecution <${logicalId(training.workflow.stateMachine)}>`],
    Predict: [`Allow s3:ListBucket ${s3('Models')}`, `Allow s3:GetObject ${s3('Models', 'models/*')}`],
  };

  it.each(functions.map((f) => [f.node.id, f] as const))('%s may do exactly what its step needs (besides logs and X-Ray)', (id, fn) => {
    const got = statementsOf(fn)
      .filter((s) => !s.actions.some((a) => a.startsWith('logs:') || a.startsWith('xray:')))
      .map((s) => `${s.effect} ${s.actions.join(' ')} ${s.resources.join(' ')}`);
    expect(got).toEqual(expected[id]);
  });

  it('only Promote may write models/champion.json', () => {
    const writers = functions.filter((fn) => allows(statementsOf(fn), 's3:PutObject', s3('Models', 'models/champion.json'))).map((f) => f.node.id);
    expect(writers).toEqual(['Promote']);
    // …while the others that write models/ still write their own version's files.
    for (const fn of [training.functions.Train, training.functions.Gate, training.functions.WriteReport]) {
      expect(allows(statementsOf(fn), 's3:PutObject', s3('Models', 'models/20260101T000000Z-abc/decision.json')), fn.node.id).toBe(true);
    }
  });

  it('no function may write or delete anything in the landing bucket, nor delete anywhere', () => {
    for (const fn of functions) {
      const statements = statementsOf(fn);
      for (const key of ['landing/training/a.csv', 'landing/inference/b.csv', 'other/c']) {
        expect(allows(statements, 's3:PutObject', s3('Landing', key)), `${fn.node.id} ${key}`).toBe(false);
      }
      for (const resource of [s3('Landing', 'landing/training/a.csv'), s3('Lake', 'lake/features/dt=2026-01-01/x.parquet'), s3('Models', 'models/champion.json')]) {
        expect(allows(statements, 's3:DeleteObject', resource), `${fn.node.id} delete ${resource}`).toBe(false);
      }
    }
  });

  it('the Gate cannot read the data, and only BuildTrainingSet runs Athena queries', () => {
    const gate = statementsOf(training.functions.Gate);
    expect(allows(gate, 's3:GetObject', s3('Lake', 'lake/features/dt=2026-01-01/x.parquet'))).toBe(false);
    expect(allows(gate, 's3:PutObject', s3('Landing', 'landing/training/a.csv'))).toBe(false);
    const queriers = functions.filter((fn) => statementsOf(fn).some((s) => s.actions.includes('athena:StartQueryExecution'))).map((f) => f.node.id);
    expect(queriers).toEqual(['BuildTrainingSet']);
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

  it('an object created under landing/training/ in the landing bucket → the starter, with a DLQ and retry limits', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ 'Fn::ImportValue': `Prognos-${STAGE}:LandingBucket` }] }, object: { key: [{ prefix: 'landing/training/' }] } },
      },
      State: 'ENABLED',
      Targets: [Match.objectLike(targetPolicy)],
    });
  });

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
    off.templates.pipeline.resourceCountIs('AWS::Events::Rule', 1);
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
    expect(targets).toBe(3); // upload, schedule, failed-run notice
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

  it('only EventBridge rules of this stack may invoke the starter', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((p) => (p as { Properties: Record<string, unknown> }).Properties);
    const forStarter = permissions.filter((p) => JSON.stringify(p.FunctionName).includes(logicalId(starter.function)));
    expect(forStarter.map((p) => p.Principal)).toEqual(['events.amazonaws.com', 'events.amazonaws.com']);
  });
});
