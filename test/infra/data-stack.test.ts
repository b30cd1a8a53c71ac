import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT, parseContract } from '../../lambdas/core/contract/contract.ts';
import { predictionTableColumns } from '../../lambdas/core/contract/predictions-table.ts';
import { featureTableColumns, PARTITION_COLUMN } from '../../lambdas/core/contract/table.ts';
import { buildApp, parseStage } from '../../lib/app-builder.ts';
import { AccessLogsBucket, SecureBucket } from '../../lib/secure-bucket.ts';
import { logicalId, NO_BUNDLING, properties, STAGE, tempDir, testApp, type TemplateJson } from './app.ts';
import { BATCH_REPORTS_PREFIX, PREDICTIONS_PREFIX } from '../../lambdas/core/storage-keys.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('PrognosDataStack', () => {
  const { data, templates } = testApp();
  const template = templates.data;
  const buckets = {
    landing: data.landingBucket.bucket,
    lake: data.lakeBucket.bucket,
    models: data.modelsBucket.bucket,
    queryResults: data.queryResultsBucket.bucket,
    accessLogs: data.accessLogs.bucket,
  };
  const logsId = logicalId(buckets.accessLogs);
  const bucketProps = (bucket: s3.Bucket) => properties(template, logicalId(bucket));

  it('is named after the stage and holds the four data buckets and their log bucket', () => {
    expect(data.stackName).toBe(`Prognos-${STAGE}-Data`);
    template.resourceCountIs('AWS::S3::Bucket', 5);
  });

  it.each(Object.entries(buckets))('%s bucket: public access blocked, encrypted, versioned, ACLs off, retained', (_, bucket) => {
    // findResources returns only the buckets matching every property, so this pins it to `bucket`.
    const matching = template.findResources('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([Match.objectLike({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 90 } })]),
        },
      }),
    });
    expect(Object.keys(matching)).toContain(logicalId(bucket));
  });

  it.each([
    ['landing', 'landing/'],
    ['lake', 'lake/'],
    ['models', 'models/'],
    ['queryResults', 'query-results/'],
  ] as const)('%s bucket logs to the shared access-log bucket', (name, prefix) => {
    expect(bucketProps(buckets[name]).LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId }, LogFilePrefix: prefix });
  });

  it('the access-log bucket has no logging of its own, expires logs after a year, and grants only the S3 logging service', () => {
    const resource = bucketProps(buckets.accessLogs);
    expect(resource.LoggingConfiguration).toBeUndefined();
    expect(resource.AccessControl).toBeUndefined(); // no LogDeliveryWrite ACL
    expect(JSON.stringify(resource.LifecycleConfiguration)).toContain('"ExpirationInDays":365');
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(buckets.models), 'Arn'] } } }),
          }),
        ]),
      },
    });
  });

  it.each(Object.entries(buckets))('%s bucket policy denies requests without TLS', (_, bucket) => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('only the landing bucket sends its events to EventBridge, natively (no notification custom resource)', () => {
    expect(bucketProps(buckets.landing).NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    for (const name of ['lake', 'models', 'queryResults', 'accessLogs'] as const) {
      expect(bucketProps(buckets[name]).NotificationConfiguration).toBeUndefined();
    }
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('has lifecycle rules per zone: landing archived (never deleted), training sets and query results expire', () => {
    const rules = (bucket: s3.Bucket) => (bucketProps(bucket).LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules(buckets.landing)).toContainEqual({
      Id: 'archive-landing',
      Prefix: 'landing/',
      Status: 'Enabled',
      Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
    });
    expect(rules(buckets.landing).some((r) => 'ExpirationInDays' in r)).toBe(false);
    expect(rules(buckets.lake)).toContainEqual({ Id: 'expire-training-sets', Prefix: 'lake/training-sets/', Status: 'Enabled', ExpirationInDays: 90 });
    expect(rules(buckets.lake).some((r) => 'ExpirationInDays' in r && r.Prefix !== 'lake/training-sets/')).toBe(false);
    expect(rules(buckets.queryResults)).toContainEqual({ Id: 'expire-results', Status: 'Enabled', ExpirationInDays: 7 });
    expect(rules(buckets.models).some((r) => 'ExpirationInDays' in r)).toBe(false);
  });

  it('exports the bucket names under fixed export names, and outputs the catalogue names', () => {
    for (const [output, bucket, exportName] of [
      ['LandingBucketName', buckets.landing, 'LandingBucket'],
      ['LakeBucketName', buckets.lake, 'LakeBucket'],
      ['ModelsBucketName', buckets.models, 'ModelsBucket'],
      ['QueryResultsBucketName', buckets.queryResults, 'QueryResultsBucket'],
    ] as const) {
      template.hasOutput(output, { Value: { Ref: logicalId(bucket) }, Export: { Name: `Prognos-${STAGE}:${exportName}` } });
    }
    template.hasOutput('AccessLogsBucketName', { Value: { Ref: logsId } });
    template.hasOutput('GlueDatabaseName', { Value: 'prognos_test' });
    template.hasOutput('AthenaWorkGroupName', { Value: 'prognos-test' });
  });
});

describe('Glue catalogue and Athena workgroup', () => {
  const { data, templates } = testApp();
  const template = templates.data;
  const lake = logicalId(data.lakeBucket.bucket);
  const table = (name: string) => {
    const found = Object.values(template.findResources('AWS::Glue::Table')).filter(
      (r) => (r as { Properties: { TableInput: { Name: string } } }).Properties.TableInput.Name === name,
    );
    expect(found).toHaveLength(1);
    return (found[0] as { Properties: { DatabaseName: string; TableInput: Record<string, TemplateJson> } }).Properties;
  };

  it('has one database named after the stage', () => {
    template.resourceCountIs('AWS::Glue::Database', 1);
    template.hasResourceProperties('AWS::Glue::Database', { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: 'prognos_test' } });
  });

  it.each([
    ['sensor_readings', 'lake/features/', featureTableColumns(DEFAULT_CONTRACT)],
    ['predictions', 'lake/predictions/', predictionTableColumns(DEFAULT_CONTRACT)],
  ])('%s: columns are the contract\'s, Parquet, in the lake under its prefix, partitioned by dt with projection', (name, prefix, columns) => {
    const t = table(name);
    expect(t.DatabaseName).toBe('prognos_test');
    const input = t.TableInput;
    expect(input.TableType).toBe('EXTERNAL_TABLE');
    expect(input.StorageDescriptor.Columns.map((c: { Name: string; Type: string }) => [c.Name, c.Type])).toEqual(columns.map((c) => [c.name, c.type]));
    expect(input.StorageDescriptor.Columns.map((c: { Comment?: string }) => c.Comment)).toEqual(columns.map((c) => c.comment));
    expect(input.StorageDescriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: lake }, `/${prefix}`]] });
    expect(input.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(input.PartitionKeys).toEqual([{ Name: PARTITION_COLUMN.name, Type: 'string', Comment: PARTITION_COLUMN.comment }]);
    expect(input.Parameters).toMatchObject({
      classification: 'parquet',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '1970-01-01,NOW+1YEARS',
      'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: lake }, `/${prefix}dt=\${dt}/`]] },
    });
  });

  it('predictions: Athena reads only the dt=YYYY-MM-DD/ partitions, never the batch reports beside them', () => {
    const input = table('predictions').TableInput;
    const template = input.Parameters['storage.location.template'] as { 'Fn::Join': [string, unknown[]] };
    expect(template['Fn::Join'][1].at(-1)).toBe('/lake/predictions/dt=${dt}/');
    expect(input.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date', 'projection.dt.format': 'yyyy-MM-dd' });
    // The reports live under the table's location but outside every partition the template can name.
    expect(BATCH_REPORTS_PREFIX).toBe('lake/predictions/reports/');
    expect(BATCH_REPORTS_PREFIX.startsWith(PREDICTIONS_PREFIX)).toBe(true);
    expect(BATCH_REPORTS_PREFIX.startsWith(`${PREDICTIONS_PREFIX}dt=`)).toBe(false);
    expect(input.PartitionKeys.map((k: { Name: string }) => k.Name)).toEqual(['dt']);
  });

  it('follows another contract: the columns come from the contract, not from code', () => {
    const other = parseContract({
      name: 'pumps',
      version: 1,
      id: { name: 'reading_id', type: 'string' },
      label: { name: 'failed', positive: ['yes'], negative: ['no'] },
      features: [
        { name: 'vibration_mm_s', type: 'number', unit: 'mm/s', min: 0, max: 100 },
        { name: 'site', type: 'categorical', levels: ['a', 'b'] },
      ],
    });
    const { templates: t } = testApp({ contract: other });
    const columns = Object.values(t.data.findResources('AWS::Glue::Table'))
      .map((r) => (r as { Properties: { TableInput: { Name: string; StorageDescriptor: { Columns: { Name: string }[] } } } }).Properties.TableInput)
      .find((i) => i.Name === 'sensor_readings')!.StorageDescriptor.Columns.map((c) => c.Name);
    expect(columns).toEqual(featureTableColumns(other).map((c) => c.name));
    expect(columns).toContain('vibration_mm_s');
  });

  it('the workgroup enforces its encrypted results location in the query-results bucket and a scan limit', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'prognos-test',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        PublishCloudWatchMetricsEnabled: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: logicalId(data.queryResultsBucket.bucket) }, '/results/']] },
          ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
        },
      },
    });
  });

  it('takes the scan limit from the configuration', () => {
    const { templates: t } = testApp({ athenaScanLimitBytes: 1024 ** 3 });
    t.data.hasResourceProperties('AWS::Athena::WorkGroup', { WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 1024 ** 3 }) });
  });
});

describe('stage', () => {
  it.each(['dev', 'prod', 'pr-42', 'a'.repeat(20)])('accepts %j', (stage) => {
    expect(parseStage(stage)).toBe(stage);
  });

  it.each([undefined, '', 'Dev', 'my_stage', 'with space', 'a'.repeat(21), 42])('rejects %j', (stage) => {
    expect(() => parseStage(stage)).toThrow(/Invalid stage .*prognos:stage.*lowercase letters, digits or hyphens/);
    expect(() => buildApp(new App({ context: NO_BUNDLING }), { stage: stage as string })).toThrow(/Invalid stage/);
  });

  it('bin/app.ts fails with a clear message on a bad stage and synthesises all four stacks from good context', () => {
    const run = (context: Record<string, unknown>, outdir: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...NO_BUNDLING, ...context }) },
      });

    const bad = run({ 'prognos:stage': 'Prod_1' }, tempDir());
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Invalid stage "Prod_1"');
    expect(bad.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace

    const outdir = tempDir();
    const good = run({ 'prognos:stage': 'ci', 'prognos:apiThrottleRate': '20' }, outdir);
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    for (const stack of ['Data', 'Pipeline', 'Api', 'Monitoring']) {
      expect(existsSync(join(outdir, `Prognos-ci-${stack}.template.json`)), stack).toBe(true);
    }
  });
});

describe('SecureBucket', () => {
  it('creates its own access-log bucket when none is given, and supports SSE-KMS', () => {
    const stack = new Stack(new App(), 'S');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const sb = new SecureBucket(stack, 'B', { encryptionKey: key });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }), BucketKeyEnabled: true }),
        ],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(sb.accessLogsBucket as s3.Bucket) } },
    });
  });

  it('checks its inputs up front', () => {
    const stack = new Stack(new App(), 'S');
    const logs = new AccessLogsBucket(stack, 'Logs').bucket;
    expect(() => new SecureBucket(stack, 'P', { serverAccessLogsBucket: logs, serverAccessLogsPrefix: 'no-slash' })).toThrow(/serverAccessLogsPrefix/);
    for (const bad of [Duration.days(0), Duration.hours(36)]) {
      expect(() => new SecureBucket(stack, `N${bad.toHours()}`, { noncurrentVersionExpiration: bad })).toThrow(/noncurrentVersionExpiration/);
    }
    const imported = s3.Bucket.fromBucketName(stack, 'Imported', 'some-log-bucket');
    expect(() => new SecureBucket(stack, 'I', { serverAccessLogsBucket: imported })).toThrow(/AccessLogsBucket/);
    const flagged = new Construct(stack, 'Flagged');
    flagged.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const kmsLogs = new s3.Bucket(flagged, 'KmsLogs', { encryption: s3.BucketEncryption.KMS });
    expect(() => new SecureBucket(stack, 'K', { serverAccessLogsBucket: kmsLogs })).toThrow(/SSE-KMS/);
  });
});
