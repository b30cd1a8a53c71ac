import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaQueryEngine } from '../adapters/aws/athena-query-engine.ts';
import { S3ObjectStore } from '../adapters/aws/s3-object-store.ts';
import { DEFAULT_CONTRACT } from '../core/contract/contract.ts';
import type { StepContext } from '../core/steps/context.ts';
import { type HandlerEnvironment, readEnvironment, required } from './environment.ts';
import { logger, tracer } from './powertools.ts';

/**
 * The AWS adapters a step runs over, built once per container (SDK clients keep their
 * connections warm between invocations) and traced by X-Ray.
 */
let cached: { store: S3ObjectStore; env: HandlerEnvironment; athena?: AthenaQueryEngine } | undefined;

function adapters(): NonNullable<typeof cached> {
  if (cached === undefined) {
    const env = readEnvironment();
    const s3 = tracer.captureAWSv3Client(new S3Client({}));
    const buckets = { landing: required(env, 'LANDING_BUCKET'), lake: required(env, 'LAKE_BUCKET'), models: required(env, 'MODELS_BUCKET') };
    cached = { env, store: new S3ObjectStore({ client: s3, buckets }) };
  }
  return cached;
}

export function objectStore(): S3ObjectStore {
  return adapters().store;
}

function queryEngine(): AthenaQueryEngine {
  const current = adapters();
  current.athena ??= new AthenaQueryEngine({
    client: tracer.captureAWSv3Client(new AthenaClient({})),
    workGroup: required(current.env, 'ATHENA_WORKGROUP'),
    database: required(current.env, 'GLUE_DATABASE'),
  });
  return current.athena;
}

/** The step context in a Lambda: S3 for storage, Athena (created on first query) for SQL, progress to the logs. */
export function awsStepContext(): StepContext {
  return {
    store: objectStore(),
    queries: { query: (sql) => queryEngine().query(sql), close: async () => undefined },
    contract: DEFAULT_CONTRACT,
    now: () => new Date(),
    progress: (event) => logger.info(event.kind === 'message' ? event.text : event.kind === 'fit' ? 'fit status' : 'optimizer step', { progress: event }),
  };
}

/** Bytes Athena reported for each query this container ran (for the per-invocation usage log). */
export function athenaBytesScanned(): readonly number[] {
  return cached?.athena?.dataScannedInBytes() ?? [];
}

/** For tests: forget the container's adapters (the next call reads the environment again). */
export function resetAwsContext(): void {
  cached = undefined;
}
