import { z } from 'zod';

/** The variable that carries the deployment's data contract to every function (see {@link contractEnvironment}). */
export const CONTRACT_VARIABLE = 'PROGNOS_CONTRACT';

/**
 * What the handlers read from their environment. Each handler asks for the variables it needs
 * with `required`, so a missing one fails its first invocation loudly, naming the variable.
 */
const environmentSchema = z.object({
  LANDING_BUCKET: z.string().min(3).optional(),
  LAKE_BUCKET: z.string().min(3).optional(),
  MODELS_BUCKET: z.string().min(3).optional(),
  GLUE_DATABASE: z.string().min(1).optional(),
  ATHENA_WORKGROUP: z.string().min(1).optional(),
  STATE_MACHINE_ARN: z.string().startsWith('arn:').optional(),
  /** JSON of pipeline settings (PipelineConfig) the starter passes to every run. */
  PIPELINE_CONFIG: z.string().optional(),
  /** The batch inference state machine (its starter only). */
  BATCH_STATE_MACHINE_ARN: z.string().startsWith('arn:').optional(),
  /** JSON of batch settings (BatchConfig) the batch starter passes to every batch. */
  BATCH_CONFIG: z.string().optional(),
  /** Origins the prediction API allows by CORS, comma-separated (its function only); unset: CORS off. */
  API_CORS_ORIGINS: z.string().optional(),
  /** JSON of the deployment's data contract, the one lib/ also gives Glue and the API (every function). */
  [CONTRACT_VARIABLE]: z.string().min(1).optional(),
});

export type HandlerEnvironment = z.infer<typeof environmentSchema>;

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): HandlerEnvironment {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) throw new TypeError(`handler environment is incomplete:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** A variable only some handlers need; throws naming it when the deployment forgot it. */
export function required<K extends keyof HandlerEnvironment>(env: HandlerEnvironment, name: K): NonNullable<HandlerEnvironment[K]> {
  const value = env[name];
  if (value === undefined) throw new TypeError(`handler environment: ${name} is not set`);
  return value as NonNullable<HandlerEnvironment[K]>;
}

/**
 * The variable lib/ sets on every function: the contract as compact JSON. A contract is a few
 * KB at most (the AI4I one is 2,030 bytes); PrognosFunction refuses an environment beyond
 * Lambda's 4 KB at synth.
 */
export function contractEnvironment(contract: unknown): { readonly [CONTRACT_VARIABLE]: string } {
  return { [CONTRACT_VARIABLE]: JSON.stringify(contract) };
}
