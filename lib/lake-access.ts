import type { BucketRole, DataLakeRefs } from './data-lake.ts';
import { KEYS } from './data-lake.ts';
import type { PrognosFunction } from './prognos-function.ts';

/**
 * Least-privilege grants on the data lake, written out per function: objects by key prefix and
 * action, never a whole bucket's objects unless the function owns them all. Every statement has a
 * Sid that says what it is for, so a reviewer can read a role's policy in the template.
 */
export class LakeAccess {
  constructor(private readonly lake: DataLakeRefs) {}

  private objects(role: BucketRole, prefix: string): string {
    return this.lake.buckets[role].arnForObjects(`${prefix}*`);
  }

  /** s3:GetObject on `<bucket>/<prefix>*`. */
  read(fn: PrognosFunction, sid: string, role: BucketRole, prefix: string, reason: string): void {
    fn.grant(sid, ['s3:GetObject'], [this.objects(role, prefix)], reason);
  }

  /** s3:PutObject on `<bucket>/<prefix>*` (conditional writes need nothing more). */
  write(fn: PrognosFunction, sid: string, role: BucketRole, prefix: string, reason: string): void {
    fn.grant(sid, ['s3:PutObject'], [this.objects(role, prefix)], reason);
  }

  /** s3:GetObject and s3:PutObject on `<bucket>/<prefix>*`. */
  readWrite(fn: PrognosFunction, sid: string, role: BucketRole, prefix: string, reason: string): void {
    fn.grant(sid, ['s3:GetObject', 's3:PutObject'], [this.objects(role, prefix)], reason);
  }

  /** s3:PutObject on exactly one key. */
  writeKey(fn: PrognosFunction, sid: string, role: BucketRole, key: string): void {
    fn.grant(sid, ['s3:PutObject'], [this.lake.buckets[role].arnForObjects(key)], `writes ${key}`);
  }

  /** s3:GetObject and s3:PutObject on exactly one key (a record updated by compare-and-swap). */
  readWriteKey(fn: PrognosFunction, sid: string, role: BucketRole, key: string, reason: string): void {
    fn.grant(sid, ['s3:GetObject', 's3:PutObject'], [this.lake.buckets[role].arnForObjects(key)], reason);
  }

  /**
   * s3:ListBucket on the bucket. Besides listing, S3 needs it to answer 404 (not 403) for a key
   * that does not exist, which the object store turns into "not found" (e.g. no champion yet).
   */
  list(fn: PrognosFunction, sid: string, role: BucketRole): void {
    fn.grant(sid, ['s3:ListBucket'], [this.lake.buckets[role].bucketArn], 'tells a missing key from a forbidden one');
  }

  /**
   * Reads the model registry (the champion pointer, a version's artifact and records): s3:GetObject
   * on `models/*`, and s3:ListBucket first, so "no champion yet" reads as 404, not 403.
   */
  readModels(fn: PrognosFunction, reason: string): void {
    this.list(fn, 'ListModels', 'models');
    this.read(fn, 'ReadModels', 'models', KEYS.models, reason);
  }

  /**
   * Runs Athena queries over `tables` in the workgroup: the four query actions on the workgroup,
   * Glue metadata reads on the catalogue, database and tables, the data files under `dataPrefix`
   * of the lake bucket (Athena reads them with the caller's credentials), and the results
   * location.
   */
  query(fn: PrognosFunction, tables: string[], dataPrefix: string): void {
    const lake = this.lake;
    fn.grant(
      'AthenaQueries',
      ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
      [lake.workGroupArn()],
      'runs its queries in the Prognos workgroup',
    );
    fn.grant(
      'GlueCatalogRead',
      ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
      [lake.glueCatalogArn(), lake.glueDatabaseArn(), ...tables.map((t) => lake.glueTableArn(t))],
      'Athena reads the table definitions',
    );
    fn.grant('AthenaReadsLakeBucket', ['s3:ListBucket', 's3:GetBucketLocation'], [lake.buckets.lake.bucketArn], 'Athena lists the partition folders');
    this.read(fn, 'AthenaReadsTableData', 'lake', dataPrefix, `Athena reads the table's Parquet files under ${dataPrefix} with the caller's credentials`);
    fn.grant(
      'AthenaResultsBucket',
      ['s3:ListBucket', 's3:GetBucketLocation'],
      [lake.buckets.queryResults.bucketArn],
      'Athena checks the results location',
    );
    fn.grant(
      'AthenaResultsObjects',
      ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      [this.objects('queryResults', KEYS.queryResults)],
      `Athena writes and reads this function's query results under ${KEYS.queryResults}`,
    );
  }
}
