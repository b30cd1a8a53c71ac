import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, parseStage } from '../../lib/app-builder.ts';
import type { PrognosDataStack } from '../../lib/data-stack.ts';
import { AccessLogsBucket, SecureBucket } from '../../lib/secure-bucket.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STACK = 'Prognos-test-Data';

/**
 * Every cdk-nag finding we accept, as `<rule> @ <construct path>`. Adding one means adding it
 * here, so a reviewer sees it; each must sit on the narrowest construct and carry a reason.
 */
const EXPECTED_ACKNOWLEDGEMENTS: string[] = [
  // None so far. The access-log bucket has no logging of its own, but AwsSolutions-S1 already
  // accepts a bucket that is the log target of another bucket in the same stack.
];

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prognos-cdk-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Template tests run without cdk-nag so a nag finding fails the nag tests below, not collection. */
function buildTest(): { app: App; data: PrognosDataStack; template: Template } {
  const app = new App({ outdir: tempDir() });
  const { data } = buildApp(app, { stage: 'test', nag: false });
  return { app, data, template: Template.fromStack(data) };
}

function logicalId(bucket: s3.Bucket): string {
  return Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
}

describe('PrognosDataStack', () => {
  const { data, template } = buildTest();
  const buckets = {
    models: data.modelsBucket.bucket,
    landing: data.landingBucket.bucket,
    accessLogs: data.accessLogs.bucket,
  };
  const logsId = logicalId(buckets.accessLogs);

  it('is named after the stage and holds exactly the three buckets', () => {
    expect(data.stackName).toBe(STACK);
    template.resourceCountIs('AWS::S3::Bucket', 3);
  });

  it.each(Object.entries(buckets))('%s bucket: public access blocked, encrypted, versioned, ACLs off, retained', (_, bucket) => {
    // findResources returns only the buckets matching every property, so this pins it to `bucket`.
    const matching = template.findResources('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 90 } }),
          ]),
        },
      }),
    });
    expect(Object.keys(matching)).toContain(logicalId(bucket));
  });

  it.each([
    ['models', 'models/'],
    ['landing', 'landing/'],
  ] as const)('%s bucket logs to the shared access-log bucket', (name, prefix) => {
    const resource = template.findResources('AWS::S3::Bucket')[logicalId(buckets[name])];
    expect(resource.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsId },
      LogFilePrefix: prefix,
    });
  });

  it('the access-log bucket has no logging of its own and grants only the S3 logging service', () => {
    const resource = template.findResources('AWS::S3::Bucket')[logsId];
    expect(resource.Properties.LoggingConfiguration).toBeUndefined();
    expect(resource.Properties.AccessControl).toBeUndefined(); // no LogDeliveryWrite ACL
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(buckets.models), 'Arn'] } },
            }),
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
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('outputs the bucket names', () => {
    template.hasOutput('ModelsBucketName', { Value: { Ref: logicalId(buckets.models) } });
    template.hasOutput('LandingBucketName', { Value: { Ref: logicalId(buckets.landing) } });
    template.hasOutput('AccessLogsBucketName', { Value: { Ref: logsId } });
  });
});

describe('stage', () => {
  it.each(['dev', 'prod', 'pr-42', 'a'.repeat(20)])('accepts %j', (stage) => {
    expect(parseStage(stage)).toBe(stage);
  });

  it.each([undefined, '', 'Dev', 'my_stage', 'with space', 'a'.repeat(21), 42])('rejects %j', (stage) => {
    expect(() => parseStage(stage)).toThrow(/Invalid stage .*prognos:stage.*lowercase letters, digits or hyphens/);
    expect(() => buildApp(new App(), { stage: stage as string })).toThrow(/Invalid stage/);
  });

  it('bin/app.ts fails with a clear message on a bad prognos:stage and synthesises a good one', () => {
    const run = (stage: string, outdir: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ 'prognos:stage': stage }) },
      });

    const bad = run('Prod_1', tempDir());
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Invalid stage "Prod_1"');
    expect(bad.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace

    const outdir = tempDir();
    const good = run('ci', outdir);
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    expect(existsSync(join(outdir, 'Prognos-ci-Data.template.json'))).toBe(true);
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
    expect(() => new SecureBucket(stack, 'P', { serverAccessLogsBucket: logs, serverAccessLogsPrefix: 'no-slash' })).toThrow(
      /serverAccessLogsPrefix/,
    );
    for (const bad of [Duration.days(0), Duration.hours(36)]) {
      expect(() => new SecureBucket(stack, `N${bad.toHours()}`, { noncurrentVersionExpiration: bad })).toThrow(
        /noncurrentVersionExpiration/,
      );
    }
    const imported = s3.Bucket.fromBucketName(stack, 'Imported', 'some-log-bucket');
    expect(() => new SecureBucket(stack, 'I', { serverAccessLogsBucket: imported })).toThrow(/AccessLogsBucket/);
    const flagged = new Construct(stack, 'Flagged');
    flagged.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const kmsLogs = new s3.Bucket(flagged, 'KmsLogs', { encryption: s3.BucketEncryption.KMS });
    expect(() => new SecureBucket(stack, 'K', { serverAccessLogsBucket: kmsLogs })).toThrow(/SSE-KMS/);
  });
});

// ---------------------------------------------------------------------------------------------
// cdk-nag: the same app as `cdk synth`, with AwsSolutionsChecks registered by buildApp.

interface ReportedViolation {
  ruleName: string;
  severity?: string;
  violatingConstructs: { constructPath: string }[];
  reason?: string;
  acknowledgedAt?: string;
}
interface ValidationReport {
  pluginReports: { pluginName: string; violations: ReportedViolation[]; suppressedViolations?: ReportedViolation[] }[];
}

/** Synthesises the app and reads the validation report CDK writes (what the CLI prints). */
function synthWithNag(mutate?: (data: PrognosDataStack) => void) {
  const outdir = tempDir();
  const app = new App({ outdir });
  const { data } = buildApp(app, { stage: 'test' });
  mutate?.(data);
  let error: unknown;
  try {
    app.synth();
  } catch (e) {
    error = e; // unacknowledged errors make synth throw; the report is still written
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  const flatten = (vs: ReportedViolation[] = []) =>
    vs.flatMap((v) => v.violatingConstructs.map((c) => ({ ...v, path: c.constructPath })));
  const open = report.pluginReports.flatMap((p) => flatten(p.violations).map((v) => ({ ...v, plugin: p.pluginName })));
  const suppressed = report.pluginReports.flatMap((p) => flatten(p.suppressedViolations));
  // Every acknowledgement anywhere in the tree, whether or not it suppressed anything.
  const recorded = app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data as Record<string, string>).map((id) => ({ id, path: c.node.path }))),
  );
  return { error, open, suppressed, recorded };
}

describe('cdk-nag AwsSolutions', () => {
  const result = synthWithNag();

  it('reports no unacknowledged findings and synth succeeds', () => {
    expect(result.open.map((v) => `${v.plugin} ${v.severity} ${v.ruleName} @ ${v.path}`)).toEqual([]);
    expect(result.error).toBeUndefined();
  });

  it('acknowledges exactly the expected findings, each with a reason', () => {
    const got = result.suppressed.map((v) => `${v.ruleName} @ ${v.path}`).sort();
    expect(got).toEqual([...EXPECTED_ACKNOWLEDGEMENTS].sort());
    for (const v of result.suppressed) {
      expect(v.reason?.length ?? 0, `${v.ruleName} @ ${v.path}`).toBeGreaterThanOrEqual(40);
      expect(v.acknowledgedAt, 'acknowledged on the flagged construct itself').toBe(v.path);
    }
  });

  it('has no acknowledgement that suppresses nothing or hides from the report', () => {
    // A bare id ('AwsSolutions-S1') is filtered inside cdk-nag and never reaches the report, and a
    // stale one matches no finding; either would show up here but not in `suppressed`.
    const recorded = result.recorded.map((a) => `${a.id.replace(/^AwsSolutions::/, '')} @ ${a.path}`).sort();
    expect(recorded).toEqual([...EXPECTED_ACKNOWLEDGEMENTS].sort());
  });

  it('accounts for acknowledgements: a used one is reported as suppressed, a stale or bare one is not', () => {
    const probe = synthWithNag((data) => {
      const plain = new s3.Bucket(data, 'Plain', { enforceSSL: true }).node.defaultChild as s3.CfnBucket;
      Validations.of(plain).acknowledge({ id: 'AwsSolutions::AwsSolutions-S1', reason: 'probe' });
      Validations.of(plain).acknowledge({ id: 'AwsSolutions::AwsSolutions-S2', reason: 'stale probe' });
    });
    expect(probe.open.filter((v) => v.path.includes('/Plain/'))).toEqual([]);
    expect(probe.suppressed.map((v) => `${v.ruleName} @ ${v.path}`)).toEqual([`AwsSolutions-S1 @ ${STACK}/Plain/Resource`]);
    expect(probe.recorded.filter((a) => a.path.includes('/Plain/'))).toHaveLength(2);
  });

  it('catches a new unacknowledged finding (negative control)', () => {
    const bad = synthWithNag((data) => new s3.Bucket(data, 'Plain'));
    expect(bad.error).toBeDefined();
    expect(bad.open.map((v) => `${v.ruleName} @ ${v.path}`)).toEqual(
      expect.arrayContaining([`AwsSolutions-S1 @ ${STACK}/Plain/Resource`, `AwsSolutions-S10 @ ${STACK}/Plain/Resource`]),
    );
  });
});
