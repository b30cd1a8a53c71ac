import { Arn, ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { FEATURE_TABLE, PARTITION_COLUMN } from '../lambdas/core/contract/table.ts';
import { PREDICTIONS_TABLE } from '../lambdas/core/contract/predictions-table.ts';
import {
  BATCH_REPORTS_PREFIX,
  BATCHES_PREFIX,
  CHAMPION_HISTORY_PREFIX,
  CHAMPION_KEY,
  FEATURES_PREFIX,
  INGESTED_PREFIX,
  LANDING_INFERENCE_PREFIX,
  LANDING_TRAINING_PREFIX,
  LAST_RETRAIN_KEY,
  LEDGER_PREFIX,
  MAP_RESULTS_PREFIX,
  MODELS_PREFIX,
  PREDICTIONS_PREFIX,
  QUARANTINE_PREFIX,
  QUERY_RESULTS_PREFIX,
  RUNS_PREFIX,
  SCORED_PREFIX,
  TRAINING_SETS_PREFIX,
} from '../lambdas/core/storage-keys.ts';

/**
 * The names that tie the stateful Data stack to the stacks that use it. The Data stack creates
 * the resources under these names and exports the generated bucket names under fixed export
 * names; the other stacks import them by those names (not through CDK's automatic cross-stack
 * references), so their IAM policies read `arn:…:s3:::<import Prognos-dev:LandingBucket>/landing/…`
 * in the template and stay the same from construction to synthesis.
 *
 * Key prefixes come from the data layout the step code uses (lambdas/core/storage-keys.ts), so a
 * grant cannot drift from what a step writes.
 */

/** Where each zone lives inside its bucket. Objects keep their zone prefix in every bucket. */
export const KEYS = {
  landingTraining: LANDING_TRAINING_PREFIX,
  landingInference: LANDING_INFERENCE_PREFIX,
  features: FEATURES_PREFIX,
  quarantine: QUARANTINE_PREFIX,
  ingested: INGESTED_PREFIX,
  trainingSets: TRAINING_SETS_PREFIX,
  runs: RUNS_PREFIX,
  /** The predictions table's `dt=` partitions, and the batch reports under `reports/` beside them. */
  predictions: PREDICTIONS_PREFIX,
  /** `lake/predictions/dt=`: the partitions only, which the reports beside them do not start with. */
  predictionPartitions: `${PREDICTIONS_PREFIX}${PARTITION_COLUMN.name}=`,
  batchReports: BATCH_REPORTS_PREFIX,
  /** Markers: this content was scored (`<sha256>.json`, create-only). */
  scored: SCORED_PREFIX,
  /** The scored-files ledger: one entry per landing key and ETag (create-only). */
  ledger: LEDGER_PREFIX,
  /** The batch Distributed Map's ResultWriter output (one folder per Map Run). */
  mapResults: MAP_RESULTS_PREFIX,
  /** Per batch: the file list, drift.json, summary.json. */
  batches: BATCHES_PREFIX,
  /** The drift retrain cooldown record (compare-and-swap). */
  lastRetrain: LAST_RETRAIN_KEY,
  models: MODELS_PREFIX,
  champion: CHAMPION_KEY,
  /** One file per pointer value Promote swaps in (rollback's history). */
  championHistory: CHAMPION_HISTORY_PREFIX,
  /** Athena query results, in the query-results bucket. */
  queryResults: QUERY_RESULTS_PREFIX,
} as const;

export type BucketRole = 'landing' | 'lake' | 'models' | 'queryResults';

export interface DataLakeNames {
  readonly stage: string;
  /** Export name of each bucket's generated name. */
  readonly bucketExports: Readonly<Record<BucketRole, string>>;
  /** Glue database (lowercase, underscores). */
  readonly glueDatabase: string;
  readonly featureTable: string;
  readonly predictionsTable: string;
  /** Athena workgroup. */
  readonly workGroup: string;
}

/** The names of one stage's data lake. */
export function dataLakeNames(stage: string): DataLakeNames {
  const prefix = `Prognos-${stage}`;
  return {
    stage,
    bucketExports: {
      landing: `${prefix}:LandingBucket`,
      lake: `${prefix}:LakeBucket`,
      models: `${prefix}:ModelsBucket`,
      queryResults: `${prefix}:QueryResultsBucket`,
    },
    glueDatabase: `prognos_${stage.replace(/-/g, '_')}`,
    featureTable: FEATURE_TABLE,
    predictionsTable: PREDICTIONS_TABLE,
    workGroup: `prognos-${stage}`,
  };
}

/** The data lake as another stack sees it: imported buckets and the ARNs its grants name. */
export class DataLakeRefs {
  readonly buckets: Readonly<Record<BucketRole, s3.IBucket>>;

  constructor(
    private readonly scope: Construct,
    readonly names: DataLakeNames,
  ) {
    const bucket = (role: BucketRole, id: string) =>
      s3.Bucket.fromBucketAttributes(scope, id, { bucketName: Fn.importValue(names.bucketExports[role]) });
    this.buckets = {
      landing: bucket('landing', 'LandingBucket'),
      lake: bucket('lake', 'LakeBucket'),
      models: bucket('models', 'ModelsBucket'),
      queryResults: bucket('queryResults', 'QueryResultsBucket'),
    };
  }

  get glueDatabase(): string {
    return this.names.glueDatabase;
  }

  get workGroup(): string {
    return this.names.workGroup;
  }

  /** `s3://<query-results bucket>/results/`: where the workgroup writes query results. */
  get queryResultsLocation(): string {
    return `s3://${this.buckets.queryResults.bucketName}/${KEYS.queryResults}`;
  }

  workGroupArn(): string {
    return Stack.of(this.scope).formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.names.workGroup });
  }

  glueCatalogArn(): string {
    return Stack.of(this.scope).formatArn({ service: 'glue', resource: 'catalog' });
  }

  glueDatabaseArn(): string {
    return Stack.of(this.scope).formatArn({ service: 'glue', resource: 'database', resourceName: this.names.glueDatabase });
  }

  glueTableArn(table: string): string {
    return Arn.format(
      { service: 'glue', resource: 'table', resourceName: `${this.names.glueDatabase}/${table}`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
      Stack.of(this.scope),
    );
  }
}
