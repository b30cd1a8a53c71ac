import { CfnOutput, Duration, Stack, Tags } from 'aws-cdk-lib';
import type { RemovalPolicy, StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { DataContract } from '../lambdas/core/contract/contract.ts';
import { type BucketRole, type DataLakeNames, KEYS } from './data-lake.ts';
import { LakeCatalog } from './lake-catalog.ts';
import { AccessLogsBucket, SecureBucket } from './secure-bucket.ts';

export interface PrognosDataStackProps extends StackProps {
  /** Deployment stage (e.g. `dev`, `prod`); tags every resource. Validated by `buildApp`. */
  readonly stage: string;
  /** Names shared with the stacks that use the data (exports, Glue database, workgroup). */
  readonly names: DataLakeNames;
  /** The data contract the Glue table columns come from. */
  readonly contract: DataContract;
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
  /**
   * Days after which landing files move to S3 Glacier Instant Retrieval. They are never deleted.
   * @default 90
   */
  readonly landingArchiveDays?: number;
  /**
   * Days a run's training set under `lake/training-sets/` is kept (it can be rebuilt from the lake).
   * @default 90
   */
  readonly trainingSetRetentionDays?: number;
  /**
   * Days Athena query results are kept.
   * @default 7
   */
  readonly queryResultsRetentionDays?: number;
  /**
   * Days server access logs are kept.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Most bytes one Athena query may scan.
   * @default 10 GiB
   */
  readonly athenaBytesScannedCutoff?: number;
}

/**
 * The stateful part of Prognos: the landing, lake and models buckets, the Athena query-results
 * bucket, their shared access-log bucket, the Glue catalogue and the Athena workgroup. Retained
 * when the stack goes, and nothing else depends on its internals: the stateless stacks import
 * the bucket names it exports (see data-lake.ts).
 */
export class PrognosDataStack extends Stack {
  /** Raw CSV uploads under `landing/training/` and `landing/inference/`, never modified; events go to EventBridge. */
  public readonly landingBucket: SecureBucket;
  /** Validated readings, quarantine, training sets, run records and predictions under `lake/…`. */
  public readonly lakeBucket: SecureBucket;
  /** Model artifacts: `models/<version>/…` and the `models/champion.json` pointer. */
  public readonly modelsBucket: SecureBucket;
  /** Athena query results under `results/`, expired after a few days. */
  public readonly queryResultsBucket: SecureBucket;
  /** Shared target of every bucket's server access logs. */
  public readonly accessLogs: AccessLogsBucket;
  public readonly catalog: LakeCatalog;

  constructor(scope: Construct, id: string, props: PrognosDataStackProps) {
    super(scope, id, props);
    Tags.of(this).add('prognos:stage', props.stage);
    const days = (n: number | undefined, fallback: number) => Duration.days(n ?? fallback);

    const common = {
      removalPolicy: props.removalPolicy,
      noncurrentVersionExpiration: props.noncurrentVersionExpiration,
    };
    this.accessLogs = new AccessLogsBucket(this, 'AccessLogs', { ...common, expirationDays: props.accessLogRetentionDays ?? 365 });
    const logged = (prefix: string) => ({ ...common, serverAccessLogsBucket: this.accessLogs.bucket, serverAccessLogsPrefix: prefix });

    this.modelsBucket = new SecureBucket(this, 'Models', logged('models/'));
    this.landingBucket = new SecureBucket(this, 'Landing', {
      ...logged('landing/'),
      // An upload under landing/training/ starts a retrain, one under landing/inference/ a batch
      // (EventBridge rules in the pipeline stack).
      eventBridgeNotifications: true,
      lifecycleRules: [
        {
          id: 'archive-landing',
          prefix: 'landing/',
          transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: days(props.landingArchiveDays, 90) }],
        },
      ],
    });
    this.lakeBucket = new SecureBucket(this, 'Lake', {
      ...logged('lake/'),
      lifecycleRules: [
        { id: 'expire-training-sets', prefix: KEYS.trainingSets, expiration: days(props.trainingSetRetentionDays, 90) },
        // Readings are read by every full retrain, old partitions rarely: let S3 tier them.
        { id: 'tier-features', prefix: KEYS.features, transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) }] },
      ],
    });
    this.queryResultsBucket = new SecureBucket(this, 'QueryResults', {
      ...logged('query-results/'),
      lifecycleRules: [{ id: 'expire-results', expiration: days(props.queryResultsRetentionDays, 7) }],
    });

    this.catalog = new LakeCatalog(this, 'Catalog', {
      contract: props.contract,
      databaseName: props.names.glueDatabase,
      featureTable: props.names.featureTable,
      predictionsTable: props.names.predictionsTable,
      lakeBucket: this.lakeBucket.bucket,
      queryResultsBucket: this.queryResultsBucket.bucket,
      workGroupName: props.names.workGroup,
      bytesScannedCutoffPerQuery: props.athenaBytesScannedCutoff ?? 10 * 1024 ** 3,
    });

    const exported: Record<BucketRole, [SecureBucket, string]> = {
      landing: [this.landingBucket, 'Landing zone: upload training CSVs under landing/training/, CSVs to score under landing/inference/'],
      lake: [this.lakeBucket, 'Lake: features, quarantine, training sets, run records, predictions and batch reports'],
      models: [this.modelsBucket, 'Model artifacts: models/<version>/… (report.html) and models/champion.json'],
      queryResults: [this.queryResultsBucket, 'Athena query results'],
    };
    for (const [role, [bucket, description]] of Object.entries(exported) as [BucketRole, [SecureBucket, string]][]) {
      new CfnOutput(this, `${role.charAt(0).toUpperCase()}${role.slice(1)}BucketName`, {
        value: bucket.bucket.bucketName,
        description,
        exportName: props.names.bucketExports[role],
      });
    }
    new CfnOutput(this, 'AccessLogsBucketName', {
      value: this.accessLogs.bucket.bucketName,
      description: 'S3 server access logs of the data buckets',
    });
    new CfnOutput(this, 'GlueDatabaseName', { value: props.names.glueDatabase, description: 'Glue database of the lake tables' });
    new CfnOutput(this, 'AthenaWorkGroupName', { value: props.names.workGroup, description: 'Athena workgroup for queries over the lake' });
  }
}
