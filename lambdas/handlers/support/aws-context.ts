import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaQueryEngine } from '../../adapters/aws/athena-query-engine.ts';
import { S3ObjectStore } from '../../adapters/aws/s3-object-store.ts';
import { type DataContract, parseContract } from '../../core/contract/contract.ts';
import type { StepContext } from '../../core/steps/context.ts';
import { CONTRACT_VARIABLE, type HandlerEnvironment, readEnvironment, required } from './environment.ts';
import { logger, tracer } from './powertools.ts';

/**
 * The AWS adapters a step runs over and the deployment's contract, built once per container (SDK
 * clients keep their connections warm between invocations; the contract is parsed and validated
 * at cold start, so a bad one fails the first invocation) and traced by X-Ray.
 */
let cached: { store: S3ObjectStore; env: HandlerEnvironment; contract: DataContract; athena?: AthenaQueryEngine } | undefined;

function adapters(): NonNullable<typeof cached> {
  if (cached === undefined) {
    const env = readEnvironment();
    const contract = contractOf(env);
    const s3 = tracer.captureAWSv3Client(new S3Client({}));
    const buckets = { landing: required(env, 'LANDING_BUCKET'), lake: required(env, 'LAKE_BUCKET'), models: required(env, 'MODELS_BUCKET') };
    cached = { env, contract, store: new S3ObjectStore({ client: s3, buckets }) };
  }
  return cached;
}

/**
 * The contract lib/ deployed with the app (PROGNOS_CONTRACT), the same one that made the Glue
 * columns and the API request model; never a built-in default, which could disagree with them.
 * @throws TypeError when the variable is missing or not JSON; InvalidDataError when it is not a valid contract
 */
function contractOf(env: HandlerEnvironment): DataContract {
  const text = required(env, CONTRACT_VARIABLE);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`handler environment: ${CONTRACT_VARIABLE} is not JSON (${(error as Error).message})`, { cause: error });
  }
  return parseContract(json);
}

/** The deployment's data contract (see {@link contractOf}). */
export function deploymentContract(): DataContract {
  return adapters().contract;
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
    contract: deploymentContract(),
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
