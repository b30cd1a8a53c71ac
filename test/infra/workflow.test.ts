import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { PrognosFunction, XRayWritePolicy } from '../../lib/prognos-function.ts';
import { Workflow } from '../../lib/workflow.ts';
import { NO_BUNDLING, tempDir, type TemplateJson } from './app.ts';

/** A two-Task definition, one Task inside a Map, plus a non-function placeholder. */
function definition(options: { timeout?: number | null; extra?: string; itemReader?: Record<string, unknown>; resultWriter?: Record<string, unknown> } = {}): string {
  const task = (name: string, timeout: number | null) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: `\${${name}FunctionArn}`, 'Payload.$': '$' },
    ...(timeout === null ? {} : { TimeoutSeconds: timeout }),
  });
  const file = join(tempDir(), 'flow.asl.json');
  writeFileSync(
    file,
    JSON.stringify({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemReader: options.itemReader ?? { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: '${LandingBucketName}', Prefix: 'landing/inference/' } },
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Score', States: { Score: { ...task('Score', 300), End: true } } },
          ...(options.resultWriter === undefined ? {} : { ResultWriter: options.resultWriter, ResultPath: null }),
          Next: 'Summarise',
        },
        Summarise: { ...task('Summarise', options.timeout === undefined ? 60 : options.timeout), End: true, ...(options.extra ? { Comment: options.extra } : {}) },
      },
    }),
  );
  return file;
}

function setup() {
  const stack = new Stack(new App({ context: NO_BUNDLING }), 'S');
  const xrayPolicy = new XRayWritePolicy(stack, 'XRay');
  const fn = (id: string, seconds: number) =>
    new PrognosFunction(stack, id, {
      handler: 'gate',
      description: id,
      memorySize: 256,
      timeout: Duration.seconds(seconds),
      serviceName: 'prognos-test',
      logLevel: 'INFO',
      logRetention: RetentionDays.ONE_WEEK,
      xrayPolicy,
    });
  return { stack, score: fn('ScoreFn', 290), summarise: fn('SummariseFn', 50) };
}

describe('Workflow: one state machine per ASL file and Task → function map', () => {
  it('deploys a second workflow the same way: Tasks inside a (Distributed) Map and other substitutions included', () => {
    const { stack, score, summarise } = setup();
    const wf = new Workflow(stack, 'Batch', {
      definitionFile: definition(),
      tasks: { Score: score, Summarise: summarise },
      substitutions: { LandingBucketName: 'landing-bucket' },
      stateMachineName: 'Batch',
      logRetention: RetentionDays.ONE_WEEK,
      description: 'Batch',
    });
    expect(wf.distributedMaps).toEqual([
      { state: 'Each', itemReader: { resource: 'arn:aws:states:::s3:listObjectsV2', parameters: { Bucket: '${LandingBucketName}', Prefix: 'landing/inference/' } } },
    ]);
    expect(wf.aslTasks.map((t) => [t.state, t.placeholder, t.timeoutSeconds])).toEqual([
      ['Score', 'ScoreFunctionArn', 300],
      ['Summarise', 'SummariseFunctionArn', 60],
    ]);
    const sm = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
    const props = Object.values(sm)[0].Properties as { DefinitionSubstitutions: Record<string, unknown> };
    expect(Object.keys(props.DefinitionSubstitutions).sort()).toEqual(['LandingBucketName', 'ScoreFunctionArn', 'SummariseFunctionArn']);
    expect(props.DefinitionSubstitutions.LandingBucketName).toBe('landing-bucket');
    expect(wf.alarmMetrics().map((m) => m.id)).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsThrottled']);
  });

  it("grants a Distributed Map what it needs on the state machine's own role: child executions by name, the ItemReader's prefix", () => {
    const { stack, score, summarise } = setup();
    const wf = new Workflow(stack, 'Batch', {
      definitionFile: definition(),
      tasks: { Score: score, Summarise: summarise },
      substitutions: { LandingBucketName: 'landing-bucket' },
      stateMachineName: 'my-batch',
      logRetention: RetentionDays.ONE_WEEK,
      description: 'Batch',
    });
    const json = Template.fromStack(stack).toJSON();
    const policy = Object.entries(json.Resources as Record<string, { Type: string; Properties: TemplateJson }>).find(
      ([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(stack.getLogicalId(wf.stateMachine.role.node.defaultChild as CfnElement)),
    )![1];
    const statements = policy.Properties.PolicyDocument.Statement as Record<string, TemplateJson>[];
    const bySid = (sid: string) => statements.find((st) => st.Sid === sid);
    const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]] });
    expect(bySid('DistributedMapStartChildExecutions')).toEqual({ Sid: 'DistributedMapStartChildExecutions', Effect: 'Allow', Action: 'states:StartExecution', Resource: arn('stateMachine:my-batch') });
    expect(bySid('DistributedMapManageChildExecutions')).toEqual({
      Sid: 'DistributedMapManageChildExecutions',
      Effect: 'Allow',
      Action: ['states:DescribeExecution', 'states:StopExecution'],
      Resource: [arn('execution:my-batch/*'), arn('execution:my-batch:*')],
    });
    expect(bySid('ItemReaderEach')).toEqual({
      Sid: 'ItemReaderEach',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::landing-bucket']] },
      Condition: { StringLike: { 's3:prefix': ['landing/inference/*'] } },
    });
    expect(Object.values(json.Resources as Record<string, { Type: string; Properties: TemplateJson }>).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!.Properties.StateMachineName).toBe('my-batch');
  });

  it("grants a ResultWriter put, get and the multipart actions under its prefix of its bucket, and refuses one it cannot name", () => {
    const { stack, score, summarise } = setup();
    const wf = new Workflow(stack, 'Batch', {
      definitionFile: definition({ resultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: '${LakeBucketName}', Prefix: 'lake/map-results' } } }),
      tasks: { Score: score, Summarise: summarise },
      substitutions: { LandingBucketName: 'landing-bucket', LakeBucketName: 'lake-bucket' },
      stateMachineName: 'my-batch',
      logRetention: RetentionDays.ONE_WEEK,
      description: 'Batch',
    });
    const json = Template.fromStack(stack).toJSON();
    const policy = Object.entries(json.Resources as Record<string, { Type: string; Properties: TemplateJson }>).find(
      ([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(stack.getLogicalId(wf.stateMachine.role.node.defaultChild as CfnElement)),
    )![1];
    const statements = policy.Properties.PolicyDocument.Statement as Record<string, TemplateJson>[];
    expect(statements.find((st) => st.Sid === 'ResultWriterEach')).toEqual({
      Sid: 'ResultWriterEach',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::lake-bucket/lake/map-results/*']] },
    });
    for (const [writer, message] of [
      [{ Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'b', Prefix: 'p' } }, /writes with arn:aws:states:::s3:getObject; only arn:aws:states:::s3:putObject/],
      [{ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', 'Prefix.$': '$.p' } }, /ResultWriter of 'Each' needs a constant Bucket and a constant, non-empty Prefix/],
    ] as const) {
      const other = setup();
      expect(
        () =>
          new Workflow(other.stack, 'W', {
            definitionFile: definition({ resultWriter: writer }),
            tasks: { Score: other.score, Summarise: other.summarise },
            substitutions: { LandingBucketName: 'b' },
            stateMachineName: 'w',
            logRetention: RetentionDays.ONE_WEEK,
            description: 'W',
          }),
      ).toThrow(message);
    }
  });

  it.each([
    ['no stateMachineName', {}, /Distributed Map 'Each' starts executions of its own state machine; give stateMachineName/],
    ['an ItemReader other than listObjectsV2 and getObject', { itemReader: { Resource: 'arn:aws:states:::s3:listObjectVersions', Parameters: { Bucket: 'b', Prefix: 'k' } } }, /reads arn:aws:states:::s3:listObjectVersions; only arn:aws:states:::s3:listObjectsV2 and arn:aws:states:::s3:getObject/],
    ['a prefix from the state', { itemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: 'b', 'Prefix.$': '$.prefix' } } }, /needs a constant, non-empty Prefix/],
    ['a bucket from the state', { itemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { 'Bucket.$': '$.bucket', Prefix: 'p/' } } }, /needs a constant Bucket/],
    ['a getObject Key from the state without itemReaderKeys', { itemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', 'Key.$': '$.key' } } }, /takes its Key from the state: give itemReaderKeys/],
  ] as const)('refuses a Distributed Map with %s', (_, options, message) => {
    const { stack, score, summarise } = setup();
    const { itemReader } = options as { itemReader?: Record<string, unknown> };
    expect(
      () =>
        new Workflow(stack, 'W', {
          definitionFile: definition({ itemReader }),
          tasks: { Score: score, Summarise: summarise },
          substitutions: { LandingBucketName: 'b' },
          ...(itemReader === undefined ? {} : { stateMachineName: 'w' }),
          logRetention: RetentionDays.ONE_WEEK,
          description: 'W',
        }),
    ).toThrow(message);
  });

  it.each([
    ['a placeholder without a value', { tasks: ['Score', 'Summarise'], substitutions: {} }, /\$\{LandingBucketName\} has no value/],
    ['a Task without a function', { tasks: ['Score'], substitutions: { LandingBucketName: 'b' } }, /\$\{SummariseFunctionArn\} has no value \(no function for Task 'Summarise'\)/],
    ['a function no Task uses', { tasks: ['Score', 'Summarise', 'Extra'], substitutions: { LandingBucketName: 'b' } }, /function for 'Extra' is not used/],
  ] as const)('refuses %s', (_, { tasks, substitutions }, message) => {
    const { stack, score, summarise } = setup();
    const all = { Score: score, Summarise: summarise, Extra: summarise } as Record<string, PrognosFunction>;
    expect(
      () =>
        new Workflow(stack, 'W', {
          definitionFile: definition(),
          tasks: Object.fromEntries(tasks.map((t) => [t, all[t]])),
          substitutions,
          logRetention: RetentionDays.ONE_WEEK,
          description: 'W',
        }),
    ).toThrow(message);
  });

  it('refuses a ${ that is not a placeholder by the runner\'s rule, which would reach Step Functions unfilled', () => {
    const { stack, score, summarise } = setup();
    expect(
      () =>
        new Workflow(stack, 'W', {
          definitionFile: definition({ extra: 'see ${Landing.Bucket}' }),
          tasks: { Score: score, Summarise: summarise },
          substitutions: { LandingBucketName: 'b' },
          stateMachineName: 'w',
          logRetention: RetentionDays.ONE_WEEK,
          description: 'W',
        }),
    ).toThrow(/has a \$\{ that is not a placeholder/);
  });

  it("refuses a Task without TimeoutSeconds, and a function that may outlive its Task's timeout", () => {
    const build = (timeout: number | null) => {
      const { stack, score, summarise } = setup();
      return () =>
        new Workflow(stack, 'W', {
          definitionFile: definition({ timeout }),
          tasks: { Score: score, Summarise: summarise },
          substitutions: { LandingBucketName: 'b' },
          stateMachineName: 'w',
          logRetention: RetentionDays.ONE_WEEK,
          description: 'W',
        });
    };
    expect(build(null)).toThrow(/Task 'Summarise' has no TimeoutSeconds/);
    expect(build(30)).toThrow(/Task 'Summarise' times out after 30 s but its function may run 50 s/);
    expect(build(50)).not.toThrow();
  });
});

describe('PrognosFunction.grant', () => {
  it('acknowledges only S3 key-prefix wildcards, and refuses wildcard actions or other wildcard resources', () => {
    const { score } = setup();
    expect(() => score.grant('Everything', ['s3:*'], ['arn:aws:s3:::bucket/x/*'], 'reason')).toThrow(/names actions one by one/);
    expect(() => score.grant('AnyTable', ['glue:GetTable'], ['arn:aws:glue:eu-west-1:123456789012:table/db/*'], 'reason')).toThrow(/only S3 key prefixes/);
    expect(() => score.grant('WholeBucket', ['s3:GetObject'], ['arn:aws:s3:::bucket*'], 'reason')).toThrow(/only S3 key prefixes/);
    expect(() => score.grant('MidWildcard', ['s3:GetObject'], ['arn:aws:s3:::bucket/lake/*/x'], 'reason')).toThrow(/only S3 key prefixes/);
    score.grant('Prefix', ['s3:GetObject'], ['arn:aws:s3:::bucket/landing/training/*'], 'reads uploads');
    score.grant('Partitions', ['s3:PutObject'], ['arn:aws:s3:::bucket/lake/predictions/dt=*'], 'writes partitions');
    const acks = score.role.node
      .findChild('DefaultPolicy')
      .node.defaultChild!.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data as object));
    expect(acks).toEqual([
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/landing/training/*]',
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/lake/predictions/dt=*]',
    ]);
  });
});
