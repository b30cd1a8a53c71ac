import type { AthenaClient} from '@aws-sdk/client-athena';
import { GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { FEATURE_TABLE } from '../core/contract/table.ts';
import { PREDICTIONS_TABLE } from '../core/contract/predictions-table.ts';
import { generateCsv } from './generate.ts';
import { CHAMPION_KEY } from '../core/storage-keys.ts';

/**
 * `npm run smoke -- --stage dev`: checks a fresh deployment end to end, with the caller's AWS
 * credentials, and says what passed. It reads the stack outputs `cdk deploy --outputs-file`
 * wrote, lands a generated training file, waits for its training execution, reads the champion,
 * calls the API (signed with SigV4, and once unsigned, to see API Gateway's own error shape), lands
 * a file to score and waits for its batch, and runs one Athena query over each table: the things
 * docs/architecture.md lists as unproven without an account. bin/smoke.ts wires real clients;
 * test/unit/cli/smoke.test.ts runs this logic against the SDK client mock.
 */

/** `cdk deploy --all --outputs-file cdk-outputs.json`: stack name → output name → value. */
export const stackOutputsSchema = z.record(z.string(), z.record(z.string(), z.string()));

export interface SmokeTargets {
  readonly landingBucket: string;
  readonly modelsBucket: string;
  readonly trainingStateMachineArn: string;
  readonly batchStateMachineArn: string;
  readonly apiUrl: string;
  readonly glueDatabase: string;
  readonly workGroup: string;
}

/** What the smoke test talks to in `stage`, from the deploy's outputs file. @throws TypeError naming a missing output */
export function smokeTargets(outputs: unknown, stage: string): SmokeTargets {
  const parsed = stackOutputsSchema.safeParse(outputs);
  if (!parsed.success) throw new TypeError('the outputs file is not { stack: { output: value } } (write it with cdk deploy --all --outputs-file cdk-outputs.json)');
  const get = (stack: string, output: string): string => {
    const value = parsed.data[`Prognos-${stage}-${stack}`]?.[output];
    if (value === undefined) throw new TypeError(`the outputs file has no ${output} of stack Prognos-${stage}-${stack}: deploy every stack (cdk deploy --all) with --outputs-file`);
    return value;
  };
  const apiUrl = get('Api', 'ApiUrl');
  return {
    landingBucket: get('Data', 'LandingBucketName'),
    modelsBucket: get('Data', 'ModelsBucketName'),
    trainingStateMachineArn: get('Pipeline', 'TrainingStateMachineArn'),
    batchStateMachineArn: get('Pipeline', 'BatchStateMachineArn'),
    apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
    glueDatabase: `prognos_${stage.replace(/-/g, '_')}`,
    workGroup: `prognos-${stage}`,
  };
}

export interface SmokeDependencies {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly athena: AthenaClient;
  /** fetch, signing the request with SigV4 for execute-api when `signed`. */
  readonly request: (url: string, init: { method: string; body?: string; signed: boolean }) => Promise<{ status: number; text: string }>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Told each check as it ends. */
  readonly report?: (check: SmokeCheck) => void;
}

export interface SmokeOptions {
  /** Longest wait for one execution or query. @default 30 minutes */
  readonly timeoutMs?: number;
  /** Between polls. @default 10 s */
  readonly pollMs?: number;
}

export interface SmokeCheck {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

class SmokeFailure extends Error {
  override readonly name = 'SmokeFailure' as const;
}

const INSTANCE = { air_temperature_k: 300.1, process_temperature_k: 310.2, rotational_speed_rpm: 1500, torque_nm: 42.8, tool_wear_min: 120, product_type: 'M' };

/** Runs every check in order (later ones need earlier ones: a failure skips the rest) and returns them all. */
export async function runSmoke(targets: SmokeTargets, deps: SmokeDependencies, options: SmokeOptions = {}): Promise<SmokeCheck[]> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const pollMs = options.pollMs ?? 10_000;
  const checks: SmokeCheck[] = [];
  const stamp = deps.now().toISOString().replace(/[-:.]/g, '');
  const today = deps.now().toISOString().slice(0, 10);

  const poll = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = deps.now().getTime() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (deps.now().getTime() >= deadline) throw new SmokeFailure(`${what}: still waiting after ${Math.round(timeoutMs / 1000)} s`);
      await deps.sleep(pollMs);
    }
  };

  /** The first execution of `stateMachineArn` started at or after `since`, waited for to its end. */
  const execution = async (stateMachineArn: string, since: Date, what: string): Promise<string> => {
    const arn = await poll(`${what} to start`, async () => {
      const listed = await deps.sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 20 }));
      return (listed.executions ?? []).filter((e) => e.startDate !== undefined && e.startDate >= since).sort((a, b) => a.startDate!.getTime() - b.startDate!.getTime())[0]?.executionArn;
    });
    const status = await poll(`${what} to end`, async () => {
      const described = await deps.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return described.status === 'RUNNING' || described.status === 'PENDING_REDRIVE' ? undefined : described.status;
    });
    if (status !== 'SUCCEEDED') throw new SmokeFailure(`${arn} ended ${status}`);
    return arn;
  };

  const checksInOrder: [string, () => Promise<string>][] = [
    [
      'training: an upload starts a run that succeeds',
      async () => {
        const since = new Date(deps.now().getTime() - 60_000);
        const key = `landing/training/smoke-${stamp}.csv`;
        await deps.s3.send(new PutObjectCommand({ Bucket: targets.landingBucket, Key: key, Body: generateCsv('ai4i', 1000, 7).text, ContentType: 'text/csv' }));
        return `${key} → ${await execution(targets.trainingStateMachineArn, since, 'the training execution')}`;
      },
    ],
    [
      'registry: models/champion.json names a version',
      async () => {
        const object = await deps.s3.send(new GetObjectCommand({ Bucket: targets.modelsBucket, Key: CHAMPION_KEY }));
        const pointer = z.object({ version: z.string() }).safeParse(JSON.parse((await object.Body?.transformToString()) ?? ''));
        if (!pointer.success) throw new SmokeFailure(`${CHAMPION_KEY} has no version`);
        return `champion ${pointer.data.version}`;
      },
    ],
    [
      'API: a signed POST /predict scores and echoes the id',
      async () => {
        const answer = await deps.request(`${targets.apiUrl}predict`, { method: 'POST', body: JSON.stringify({ instances: [{ ...INSTANCE, id: 'smoke-1' }] }), signed: true });
        if (answer.status !== 200) throw new SmokeFailure(`answered ${answer.status}: ${answer.text.slice(0, 300)}`);
        const body = z.object({ modelVersion: z.string(), predictions: z.array(z.object({ id: z.unknown(), probability: z.number() })).length(1) }).safeParse(JSON.parse(answer.text));
        if (!body.success || body.data.predictions[0].id !== 'smoke-1') throw new SmokeFailure(`unexpected answer: ${answer.text.slice(0, 300)}`);
        return `probability ${body.data.predictions[0].probability.toFixed(4)} from ${body.data.modelVersion}`;
      },
    ],
    [
      'API: GET /openapi.json is the OpenAPI document',
      async () => {
        const answer = await deps.request(`${targets.apiUrl}openapi.json`, { method: 'GET', signed: true });
        const openapi = answer.status === 200 ? (JSON.parse(answer.text) as { openapi?: unknown }).openapi : undefined;
        if (typeof openapi !== 'string' || !openapi.startsWith('3.')) throw new SmokeFailure(`answered ${answer.status}: ${answer.text.slice(0, 200)}`);
        return `OpenAPI ${openapi}`;
      },
    ],
    [
      "API Gateway's own refusals are JSON in the API's error shape",
      async () => {
        const answer = await deps.request(`${targets.apiUrl}predict`, { method: 'POST', body: '{}', signed: false });
        let code: unknown;
        try {
          code = (JSON.parse(answer.text) as { error?: { code?: unknown } }).error?.code;
        } catch {
          throw new SmokeFailure(`an unsigned request got ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`);
        }
        if (answer.status !== 403 || code !== 'not_found_or_unsigned') throw new SmokeFailure(`an unsigned request got ${answer.status} ${String(code)}`);
        return `unsigned request: 403 ${code}`;
      },
    ],
    [
      'batch: an inference upload starts a batch that succeeds',
      async () => {
        const since = new Date(deps.now().getTime() - 60_000);
        const key = `landing/inference/smoke-${stamp}.csv`;
        await deps.s3.send(new PutObjectCommand({ Bucket: targets.landingBucket, Key: key, Body: generateCsv('ai4i', 200, 8).text, ContentType: 'text/csv' }));
        return `${key} → ${await execution(targets.batchStateMachineArn, since, 'the batch execution')}`;
      },
    ],
    ...[FEATURE_TABLE, PREDICTIONS_TABLE].map((table): [string, () => Promise<string>] => [
      `Athena: a query over ${table} succeeds`,
      async () => {
        const started = await deps.athena.send(
          new StartQueryExecutionCommand({
            QueryString: `SELECT count(*) FROM "${targets.glueDatabase}"."${table}" WHERE dt >= '${today.slice(0, 8)}01'`,
            WorkGroup: targets.workGroup,
          }),
        );
        const id = started.QueryExecutionId;
        if (id === undefined) throw new SmokeFailure('Athena gave no query id');
        const state = await poll(`the query over ${table}`, async () => {
          const q = await deps.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
          const s = q.QueryExecution?.Status;
          return s?.State === 'QUEUED' || s?.State === 'RUNNING' || s?.State === undefined ? undefined : { state: s.State, reason: s.StateChangeReason ?? '' };
        });
        if (state.state !== 'SUCCEEDED') throw new SmokeFailure(`query ${id} ${state.state}: ${state.reason}`);
        return `query ${id} succeeded`;
      },
    ]),
  ];

  for (const [name, check] of checksInOrder) {
    let result: SmokeCheck;
    try {
      result = { name, passed: true, detail: await check() };
    } catch (error) {
      result = { name, passed: false, detail: error instanceof SmokeFailure ? error.message : `${(error as Error).name}: ${(error as Error).message}` };
    }
    checks.push(result);
    deps.report?.(result);
    if (!result.passed) break;
  }
  return checks;
}
