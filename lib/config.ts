import { z } from 'zod';
import { TRAINING_MEMORY_MB } from '../lambdas/core/cost/function-memory.ts';
import { batchConfigSchema } from '../lambdas/core/steps/batch/batch-state.ts';
import { CronExpressionError, eventBridgeSchedule } from '../lambdas/core/triggers/cron-expression.ts';
import { pipelineConfigSchema, type PipelineConfig } from '../lambdas/core/steps/run-state.ts';

/** Batch settings as a deployment writes them (every field optional); see lambdas/core/steps/batch/batch-state.ts. */
export type BatchConfigInput = z.input<typeof batchConfigSchema>;

/**
 * The deployment's settings: every `prognos:*` key of the CDK context (cdk.json, `-c key=value`),
 * checked here once and handed to the stacks as typed props. bin/app.ts reads the context and
 * calls {@link parseConfig}; nothing under lib/ reads context or the environment itself.
 *
 * Values given on the command line arrive as strings (`-c prognos:apiThrottleRate=20`), values in
 * cdk.json with their JSON type; both are accepted.
 */

/** Lowercase letters, digits and hyphens, 1–20 characters: safe inside stack, bucket and resource names. */
export const STAGE_PATTERN = /^[a-z0-9-]{1,20}$/;

/** CloudWatch Logs retention periods, in days (the values the service accepts). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Context keys, and the default each takes when absent. */
export const CONTEXT_DEFAULTS = {
  /** Deployment stage: part of every stack and resource name. Required (cdk.json sets `dev`). */
  'prognos:stage': undefined,
  /** E-mail address subscribed to the alarm topic (alarms and failed runs); none: no subscription. */
  'prognos:alarmEmail': undefined,
  /** EventBridge schedule expression of the daily full retrain (UTC); `off` disables it. */
  'prognos:trainingSchedule': 'cron(0 3 * * ? *)',
  /** How callers authenticate to the prediction API: `iam` (SigV4) or `apiKey` (x-api-key + usage plan). */
  'prognos:apiAuth': 'iam',
  /** Steady-state request rate the API stage allows (requests per second). */
  'prognos:apiThrottleRate': 50,
  /** Burst of requests the API stage allows above the rate. */
  'prognos:apiThrottleBurst': 100,
  /** Requests per day one API key may make (apiKey mode only). */
  'prognos:apiQuotaPerDay': 100_000,
  /** Retention of every log group (Lambda, state machine, API access logs), in days. */
  'prognos:logRetentionDays': 30,
  /** POWERTOOLS_LOG_LEVEL of every function. */
  'prognos:logLevel': 'INFO',
  /** Settings passed to every training run (PIPELINE_CONFIG): an object, see lambdas/core/steps/run-state.ts. */
  'prognos:pipelineConfig': {},
  /** EventBridge schedule expression of a batch inference run over `landing/inference/` (UTC); `off`: uploads only. */
  'prognos:batchSchedule': 'off',
  /** Settings passed to every batch (BATCH_CONFIG): drift thresholds, retrain on drift; see lambdas/core/steps/batch/batch-state.ts. */
  'prognos:batchConfig': {},
  /** Most data one Athena query may scan before Athena cancels it, in GB. */
  'prognos:athenaScanLimitGb': 10,
  /** Memory of the Train function in MB; Lambda's vCPUs grow with it, 6 at 10,240 MB, and the linear-algebra pool uses them all. */
  'prognos:trainMemoryMb': TRAINING_MEMORY_MB.Train,
  /** Days after which landing files move to S3 Glacier Instant Retrieval (still readable at once). */
  'prognos:landingArchiveDays': 90,
  /** Days a run's training set (`lake/training-sets/<run>/`) is kept; it can be rebuilt from the lake. */
  'prognos:trainingSetRetentionDays': 90,
  /** Put a WAF web ACL (AWS managed common rules + a per-IP rate limit) in front of the API stage. */
  'prognos:apiWaf': false,
  /** Browser origins allowed to call the API (CORS): `off`, `*`, or origins (`https://a.example,https://b.example` or a JSON list). */
  'prognos:apiCors': 'off',
  /** Concurrent executions reserved for (and capping) the prediction function; `off`: the account's unreserved pool. */
  'prognos:predictReservedConcurrency': 'off',
} as const;

export type ContextKey = keyof typeof CONTEXT_DEFAULTS;
export const CONTEXT_KEYS = Object.keys(CONTEXT_DEFAULTS) as ContextKey[];

export type ApiAuthMode = 'iam' | 'apiKey';

/** The parsed settings of one deployment. */
export interface PrognosConfig {
  readonly stage: string;
  readonly alarmEmail?: string;
  /** Schedule expression, or undefined when the schedule is off. */
  readonly trainingSchedule?: string;
  readonly apiAuth: ApiAuthMode;
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly apiQuotaPerDay: number;
  readonly apiWaf: boolean;
  /** Origins allowed by CORS (`*` alone, or exact origins); empty: CORS off. */
  readonly apiCorsOrigins: readonly string[];
  /** Reserved concurrency of the prediction function, or undefined for none. */
  readonly predictReservedConcurrency?: number;
  readonly logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly pipelineConfig: Partial<PipelineConfig>;
  /** Schedule expression of batch inference, or undefined when it runs on uploads only. */
  readonly batchSchedule?: string;
  readonly batchConfig: BatchConfigInput;
  readonly athenaScanLimitBytes: number;
  readonly trainMemoryMb: number;
  readonly landingArchiveDays: number;
  readonly trainingSetRetentionDays: number;
}

/** `true`/`false` from cdk.json, or the strings from `-c key=true`. */
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const SCHEDULE = /^(cron\(\S+( \S+){5}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;
/** An EventBridge expression, or a five-field cron pattern as `prognos schedule` takes it (converted: one cron syntax). */
const schedule = (example: string) =>
  z.string().transform((s, ctx) => {
    if (s === 'off') return s;
    const usage = `must be an EventBridge expression such as '${example}' or 'rate(1 day)', a cron pattern such as '0 3 * * *', or 'off'`;
    try {
      const expression = eventBridgeSchedule(s);
      if (SCHEDULE.test(expression)) return expression;
    } catch (error) {
      if (!(error instanceof CronExpressionError)) throw error;
      // A pattern with five fields that does not convert: say why; anything else gets the usage.
      if (s.trim().split(/\s+/).length === 5) {
        ctx.addIssue({ code: 'custom', message: `${error.message} (${usage})` });
        return z.NEVER;
      }
    }
    ctx.addIssue({ code: 'custom', message: usage });
    return z.NEVER;
  });

/**
 * A JSON object checked with one of the handlers' own schemas but passed on as given: the defaults
 * stay in one place, the handler, and the environment variable shows only what this deployment
 * changed.
 */
const settings = (schema: z.ZodType) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? parseJson(v) : v),
    z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
      const checked = schema.safeParse(value);
      for (const issue of checked.success ? [] : checked.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }),
  );

/** `scheme://host[:port]`, as a browser sends it in `Origin` (no path, no trailing slash). */
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;
const corsOrigins = z.preprocess(
  (v) => (typeof v === 'string' ? (v.trim().startsWith('[') ? parseJson(v) : v === 'off' ? [] : v.split(',').map((o) => o.trim())) : v),
  z
    .array(z.string().refine((o) => o === '*' || ORIGIN.test(o), 'each origin must be * or scheme://host[:port], e.g. https://app.example.com'))
    .refine((origins) => !origins.includes('*') || origins.length === 1, '* allows every origin: give it alone'),
);

const contextSchema = z.strictObject({
  'prognos:stage': z.string({ error: 'is required, e.g. -c prognos:stage=dev' }).regex(STAGE_PATTERN, 'use 1-20 lowercase letters, digits or hyphens, e.g. -c prognos:stage=dev'),
  'prognos:alarmEmail': z.union([z.literal(''), z.email('must be an e-mail address')]).optional(),
  'prognos:trainingSchedule': schedule('cron(0 3 * * ? *)'),
  'prognos:batchSchedule': schedule('cron(0 6 * * ? *)'),
  'prognos:apiAuth': z.enum(['iam', 'apiKey']),
  'prognos:apiThrottleRate': z.coerce.number().positive().max(10_000),
  'prognos:apiThrottleBurst': int(1, 5_000),
  'prognos:apiQuotaPerDay': int(1, 100_000_000),
  'prognos:apiWaf': bool,
  'prognos:apiCors': corsOrigins,
  'prognos:predictReservedConcurrency': z.union([z.literal('off'), int(1, 10_000)]),
  'prognos:logRetentionDays': z.coerce
    .number()
    .refine((d): d is (typeof LOG_RETENTION_DAYS)[number] => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`),
  'prognos:logLevel': z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
  'prognos:pipelineConfig': settings(pipelineConfigSchema),
  'prognos:batchConfig': settings(batchConfigSchema),
  'prognos:athenaScanLimitGb': z.coerce.number().min(0.01).max(10_000),
  'prognos:trainMemoryMb': int(1024, 10_240),
  'prognos:landingArchiveDays': int(1, 3650),
  'prognos:trainingSetRetentionDays': int(1, 3650),
});

/**
 * Checks the context values of the `prognos:*` keys (absent keys take their defaults) and returns
 * the typed configuration, or throws one error that names every bad key.
 * @param read returns the raw context value of a key (e.g. `app.node.tryGetContext`)
 * @param present every context key that is set (e.g. `Object.keys(app.node.getAllContext())`), to
 *   catch a misspelt `prognos:` key that would otherwise be ignored silently
 */
export function parseConfig(read: (key: ContextKey) => unknown, present: readonly string[] = []): PrognosConfig {
  parseStage(read('prognos:stage'));
  const unknown = present.filter((key) => key.startsWith('prognos:') && !(CONTEXT_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new Error(`Invalid CDK context: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (a typo?); known keys: ${CONTEXT_KEYS.join(', ')}`);
  }
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = read(key);
    raw[key] = value ?? CONTEXT_DEFAULTS[key];
  }
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const [key, ...rest] = issue.path;
      return `  ${String(key)}${rest.length ? `.${rest.join('.')}` : ''}: ${issue.message} (got ${JSON.stringify(raw[String(key)])})`;
    });
    throw new Error(`Invalid CDK context:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const off = (expression: string) => (expression === 'off' ? undefined : expression);
  return {
    stage: c['prognos:stage'],
    alarmEmail: c['prognos:alarmEmail'] || undefined,
    trainingSchedule: off(c['prognos:trainingSchedule']),
    apiAuth: c['prognos:apiAuth'],
    apiThrottle: { rateLimit: c['prognos:apiThrottleRate'], burstLimit: c['prognos:apiThrottleBurst'] },
    apiQuotaPerDay: c['prognos:apiQuotaPerDay'],
    apiWaf: c['prognos:apiWaf'],
    apiCorsOrigins: c['prognos:apiCors'],
    predictReservedConcurrency: c['prognos:predictReservedConcurrency'] === 'off' ? undefined : c['prognos:predictReservedConcurrency'],
    logRetentionDays: c['prognos:logRetentionDays'],
    logLevel: c['prognos:logLevel'],
    pipelineConfig: c['prognos:pipelineConfig'] as Partial<PipelineConfig>,
    batchSchedule: off(c['prognos:batchSchedule']),
    batchConfig: c['prognos:batchConfig'] as BatchConfigInput,
    athenaScanLimitBytes: Math.round(c['prognos:athenaScanLimitGb'] * 1024 ** 3),
    trainMemoryMb: c['prognos:trainMemoryMb'],
    landingArchiveDays: c['prognos:landingArchiveDays'],
    trainingSetRetentionDays: c['prognos:trainingSetRetentionDays'],
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // reported by the schema as "expected record"
  }
}

/** The configuration with every key at its default, for `stage`. */
export function defaultConfig(stage: string): PrognosConfig {
  return parseConfig((key) => (key === 'prognos:stage' ? stage : undefined));
}

/** Checks a stage value (typically from the `prognos:stage` context key) and returns it. */
export function parseStage(value: unknown): string {
  if (typeof value !== 'string' || !STAGE_PATTERN.test(value)) {
    throw new Error(
      `Invalid stage ${JSON.stringify(value)} (context key 'prognos:stage'): ` +
        'use 1-20 lowercase letters, digits or hyphens, e.g. -c prognos:stage=dev',
    );
  }
  return value;
}
