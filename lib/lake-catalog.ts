import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { DataContract } from '../lambdas/core/contract/contract.ts';
import { predictionTableColumns } from '../lambdas/core/contract/predictions-table.ts';
import { type DescribedColumn, featureTableColumns, PARTITION_COLUMN } from '../lambdas/core/contract/table.ts';
import { KEYS } from './data-lake.ts';

/**
 * The `dt` range partition projection knows of. `dt` is a reading's own day when the contract
 * has a timestamp (else the day its file landed), and ingest does not bound timestamps, so the
 * range is wide: from 1970 to a year ahead of today (clocks set wrong, time zones). Every query
 * the pipeline sends names its `dt` window, so Athena only lists the days inside it; an ad hoc
 * query without a `dt` condition lists every day of the range (about 20,000). Readings dated
 * outside it are in the lake (and in DuckDB locally) but not in Athena: docs/architecture.md,
 * "Partitions".
 */
export const PARTITION_PROJECTION_START = '1970-01-01';
export const PARTITION_PROJECTION_END = 'NOW+1YEARS';

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
};

export interface LakeCatalogProps {
  /** The data contract the table columns come from. */
  readonly contract: DataContract;
  readonly databaseName: string;
  readonly featureTable: string;
  readonly predictionsTable: string;
  /** The bucket holding `lake/features/` and `lake/predictions/`. */
  readonly lakeBucket: s3.IBucket;
  /** Where Athena writes query results (`results/` is used inside it). */
  readonly queryResultsBucket: s3.IBucket;
  readonly workGroupName: string;
  /** Most bytes one query may scan before Athena cancels it. */
  readonly bytesScannedCutoffPerQuery: number;
}

/**
 * The Glue catalogue over the lake and the Athena workgroup that queries it.
 *
 * Both tables are external Parquet tables partitioned by `dt` ('YYYY-MM-DD', see {@link PARTITION_PROJECTION_START}) with
 * partition projection: Athena computes the partitions from the `dt` range in a query instead of
 * reading them from the catalogue, so no crawler or `MSCK REPAIR` is ever needed after an ingest.
 * Their columns are generated from the data contract, exactly as the Parquet writer and the DuckDB
 * views use them.
 *
 * Athena reads a projected table only at `storage.location.template`, `<prefix>dt=<date>/`, and
 * a `dt` of format yyyy-MM-dd names no other folder: the batch reports (HTML) that batch
 * inference writes beside the predictions, under `lake/predictions/reports/`, are never read as
 * table data, although they sit under the table's location.
 */
export class LakeCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  readonly featureTable: glue.CfnTable;
  readonly predictionsTable: glue.CfnTable;
  readonly workGroup: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    const account = Stack.of(this).account;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: {
        name: props.databaseName,
        description: 'Prognos data lake: sensor readings and batch predictions (Parquet, partitioned by ingest date)',
      },
    });

    const table = (id: string, name: string, prefix: string, columns: DescribedColumn[], description: string) => {
      const location = `s3://${props.lakeBucket.bucketName}/${prefix}`;
      const t = new glue.CfnTable(this, id, {
        catalogId: account,
        databaseName: props.databaseName,
        tableInput: {
          name,
          description,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            EXTERNAL: 'TRUE',
            classification: 'parquet',
            'projection.enabled': 'true',
            [`projection.${PARTITION_COLUMN.name}.type`]: 'date',
            [`projection.${PARTITION_COLUMN.name}.format`]: 'yyyy-MM-dd',
            [`projection.${PARTITION_COLUMN.name}.range`]: `${PARTITION_PROJECTION_START},${PARTITION_PROJECTION_END}`,
            [`projection.${PARTITION_COLUMN.name}.interval`]: '1',
            [`projection.${PARTITION_COLUMN.name}.interval.unit`]: 'DAYS',
            'storage.location.template': `${location}${PARTITION_COLUMN.name}=\${${PARTITION_COLUMN.name}}/`,
          },
          partitionKeys: [glueColumn(PARTITION_COLUMN)],
          storageDescriptor: { ...PARQUET, location, columns: columns.map(glueColumn) },
        },
      });
      t.addResourceDependency(this.database);
      return t;
    };

    this.featureTable = table(
      'FeatureTable',
      props.featureTable,
      KEYS.features,
      featureTableColumns(props.contract),
      `Validated sensor readings (data contract '${props.contract.name}'), written by ingest`,
    );
    this.predictionsTable = table(
      'PredictionsTable',
      props.predictionsTable,
      KEYS.predictions,
      predictionTableColumns(props.contract),
      'Batch predictions: probability, label, uncertainty and model version per reading',
    );

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'Prognos: training-set queries over the lake',
      state: 'ENABLED',
      // The workgroup holds no data of its own (results live in the bucket); let it go with the stack.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // Clients cannot override the results location, its encryption or the scan limit.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.queryResultsBucket.bucketName}/${KEYS.queryResults}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          expectedBucketOwner: account,
        },
      },
    });
  }
}

function glueColumn(column: DescribedColumn): glue.CfnTable.ColumnProperty {
  // The lake's column types are the Glue (Hive) type names themselves.
  return { name: column.name, type: column.type, ...(column.comment ? { comment: column.comment } : {}) };
}
