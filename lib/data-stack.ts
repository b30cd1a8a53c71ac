import { CfnOutput, Stack, Tags } from 'aws-cdk-lib';
import type { Duration, RemovalPolicy, StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AccessLogsBucket, SecureBucket } from './secure-bucket.ts';

export interface PrognosDataStackProps extends StackProps {
  /** Deployment stage (e.g. `dev`, `prod`); tags every resource. Validated by `buildApp`. */
  readonly stage: string;
  /**
   * What happens to the buckets when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long superseded object versions (e.g. an overwritten `models/champion.json`) are kept.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;
}

/**
 * Storage for Prognos. Minimal for now: later issues add the Glue catalogue, Athena, the
 * training pipeline and the scoring API on top of these buckets.
 */
export class PrognosDataStack extends Stack {
  /** Model artifacts: `models/<version>/…` and the `models/champion.json` pointer. */
  public readonly modelsBucket: SecureBucket;
  /** Raw sensor/telemetry files as they arrive, before curation. */
  public readonly landingBucket: SecureBucket;
  /** Shared target of both buckets' server access logs. */
  public readonly accessLogs: AccessLogsBucket;

  constructor(scope: Construct, id: string, props: PrognosDataStackProps) {
    super(scope, id, props);
    Tags.of(this).add('prognos:stage', props.stage);

    const common = {
      removalPolicy: props.removalPolicy,
      noncurrentVersionExpiration: props.noncurrentVersionExpiration,
    };
    this.accessLogs = new AccessLogsBucket(this, 'AccessLogs', common);
    this.modelsBucket = new SecureBucket(this, 'Models', {
      ...common,
      serverAccessLogsBucket: this.accessLogs.bucket,
      serverAccessLogsPrefix: 'models/',
    });
    this.landingBucket = new SecureBucket(this, 'Landing', {
      ...common,
      serverAccessLogsBucket: this.accessLogs.bucket,
      serverAccessLogsPrefix: 'landing/',
    });

    new CfnOutput(this, 'ModelsBucketName', {
      value: this.modelsBucket.bucket.bucketName,
      description: 'Model artifacts: models/<version>/… and models/champion.json',
    });
    new CfnOutput(this, 'LandingBucketName', {
      value: this.landingBucket.bucket.bucketName,
      description: 'Landing zone for raw telemetry',
    });
    new CfnOutput(this, 'AccessLogsBucketName', {
      value: this.accessLogs.bucket.bucketName,
      description: 'S3 server access logs of the data buckets',
    });
  }
}
