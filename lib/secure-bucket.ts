import { Duration, FeatureFlags, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Without this flag (absent from cdk.json and from test apps) aws-cdk-lib grants S3 log delivery
 * through the legacy `LogDeliveryWrite` ACL, which re-enables ACLs on the log bucket. Set on the
 * log bucket's own subtree so it keeps ACLs disabled and gets a bucket-policy grant instead.
 */
const LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** Settings shared by every bucket created here. */
const BASELINE = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  versioned: true,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
} as const;

export interface AccessLogsBucketProps {
  /**
   * How long superseded log object versions are kept.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * What happens to the bucket when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days after which log objects expire.
   * @default - never
   */
  readonly expirationDays?: number;
}

/**
 * Target bucket for S3 server access logs, hardened like {@link SecureBucket}. It is always
 * S3-managed encrypted: server access logging cannot deliver to an SSE-KMS bucket. It has no access
 * logs of its own (they would log their own deliveries); cdk-nag's AwsSolutions-S1 accepts that for
 * a bucket that is the log target of another bucket in the same stack, so no acknowledgement is
 * needed. Used alone, it is rightly flagged.
 */
export class AccessLogsBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    super(scope, id);
    const noncurrent = props.noncurrentVersionExpiration ?? Duration.days(90);
    assertPositiveDays('noncurrentVersionExpiration', noncurrent);
    this.node.setContext(LOGS_USE_BUCKET_POLICY, true);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...BASELINE,
      encryption: s3.BucketEncryption.S3_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-noncurrent', noncurrentVersionExpiration: noncurrent },
        ...(props.expirationDays === undefined ? [] : [{ id: 'expire-logs', expiration: Duration.days(props.expirationDays) }]),
      ],
    });
  }
}

export interface SecureBucketProps {
  /**
   * Customer-managed KMS key for SSE-KMS (with an S3 bucket key to keep KMS calls down).
   * @default - S3-managed encryption (SSE-S3)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Where server access logs go: normally `AccessLogsBucket.bucket`. Must be a bucket defined in
   * this app (so the log-delivery grant can be added to its policy), with ACLs left disabled, and
   * not SSE-KMS encrypted.
   * @default - a new {@link AccessLogsBucket} next to this bucket
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Key prefix for this bucket's access logs, e.g. `models/`; lets buckets share one log bucket.
   * @default - no prefix
   */
  readonly serverAccessLogsPrefix?: string;
  /**
   * How long superseded object versions are kept before they expire.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * Additional lifecycle rules, applied after the noncurrent-version and multipart-cleanup rule.
   * @default - none
   */
  readonly lifecycleRules?: s3.LifecycleRule[];
  /**
   * What happens to the bucket when it leaves the stack. Data buckets outlive their stack unless
   * a caller says otherwise.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Send every object event to Amazon EventBridge (the default event bus), where rules pick what
   * they need. Set natively on the bucket (`NotificationConfiguration.EventBridgeConfiguration`),
   * so no notification custom resource and its Lambda are created.
   * @default false
   */
  readonly eventBridgeNotifications?: boolean;
}

/**
 * An S3 bucket with secure defaults in one place: all public access blocked, TLS (1.2+) required
 * by bucket policy, encrypted at rest, ACLs disabled, versioned, server access logs enabled,
 * noncurrent versions expired, retained on stack deletion.
 */
export class SecureBucket extends Construct {
  public readonly bucket: s3.Bucket;
  /** The bucket receiving this bucket's server access logs (given or created). */
  public readonly accessLogsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    super(scope, id);
    const noncurrent = props.noncurrentVersionExpiration ?? Duration.days(90);
    assertPositiveDays('noncurrentVersionExpiration', noncurrent);
    const prefix = props.serverAccessLogsPrefix;
    if (prefix !== undefined && !Token.isUnresolved(prefix) && !/^[A-Za-z0-9!_.*'()/-]+\/$/.test(prefix)) {
      throw new Error(
        `SecureBucket ${this.node.path}: serverAccessLogsPrefix must be a non-empty key prefix ending in '/', got '${prefix}'`,
      );
    }
    const given = props.serverAccessLogsBucket;
    if (given !== undefined) {
      // An imported bucket cannot receive the log-delivery grant, and without the flag CDK would
      // re-enable ACLs on it; both fail only at deploy time or silently, so refuse them here.
      if (!(given instanceof s3.Bucket) || !FeatureFlags.of(given).isEnabled(LOGS_USE_BUCKET_POLICY)) {
        throw new Error(
          `SecureBucket ${this.node.path}: serverAccessLogsBucket must be an AccessLogsBucket's bucket ` +
            `(or a Bucket defined in this app with '${LOGS_USE_BUCKET_POLICY}' enabled)`,
        );
      }
      if (given.encryptionKey) {
        throw new Error(
          `SecureBucket ${this.node.path}: serverAccessLogsBucket uses SSE-KMS, which S3 server access logging cannot write to`,
        );
      }
    }

    this.accessLogsBucket =
      given ??
      new AccessLogsBucket(this, 'AccessLogs', { removalPolicy: props.removalPolicy }).bucket;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...BASELINE,
      ...(props.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: prefix,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-noncurrent',
          noncurrentVersionExpiration: noncurrent,
          // Failed multipart uploads are invisible yet billed; clean them up.
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        ...(props.lifecycleRules ?? []),
      ],
    });
    if (props.eventBridgeNotifications) {
      (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
        eventBridgeConfiguration: { eventBridgeEnabled: true },
      };
    }
  }
}

function assertPositiveDays(name: string, d: Duration): void {
  if (d.isUnresolved()) return;
  const days = d.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(`${name} must be a whole number of days >= 1, got ${d.toHumanString()}`);
  }
}
