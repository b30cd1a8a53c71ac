import { z } from 'zod';
import { type CategoricalFeature, type DataContract, isNumeric, type NumericFeature } from './contract.ts';
import { derivedProblems } from './derived.ts';
import { describeValue } from './messages.ts';
import { inRange, outOfRange } from './range.ts';

/**
 * The request schema of the prediction API, generated from the contract: one instance is an
 * object with exactly the contract's features, each valid as ingest would require it.
 * Messages name the feature; issue paths locate it (`instances[3].torque_nm`).
 */

/**
 * An instance may carry the client's own `id` (a string of 1–128 characters, or a safe integer),
 * echoed in its prediction so answers can be matched by id instead of by order. It is no feature:
 * a contract cannot have a feature named `id`.
 */
export const INSTANCE_ID_KEY = 'id';
export const INSTANCE_ID_MAX_LENGTH = 128;

const idMessage = `${INSTANCE_ID_KEY} must be a string of 1-${INSTANCE_ID_MAX_LENGTH} characters or a whole number`;
const instanceIdSchema = z.union(
  [
    z.string({ error: idMessage }).min(1, idMessage).max(INSTANCE_ID_MAX_LENGTH, idMessage),
    z.number({ error: idMessage }).int(idMessage).min(Number.MIN_SAFE_INTEGER, idMessage).max(Number.MAX_SAFE_INTEGER, idMessage),
  ],
  { error: idMessage },
);

/** One instance to score: feature name → number, or level for a categorical feature (and the optional `id`). */
export type PredictionInstance = Record<string, number | string>;

export interface PredictRequest {
  readonly instances: PredictionInstance[];
  /** Ask for each instance's reasons (the features that move its probability most). */
  readonly explain?: boolean;
}

export interface PredictRequestOptions {
  /** Most instances one request may carry. @default 1000 */
  readonly maxInstances?: number;
}

/**
 * Strict object schema of one instance: unknown keys are rejected, every feature is required, and
 * the contract's derived features, computed from it, must be valid model inputs (the issue's path
 * is the derived feature's name). Derived features are computed, never sent.
 */
export function instanceSchema(contract: DataContract): z.ZodType<PredictionInstance> {
  const names = contract.features.map((f) => f.name);
  const derived = contract.derived.map((d) => d.name);
  if ([...names, ...derived].includes(INSTANCE_ID_KEY)) throw new TypeError(`contract '${contract.name}' has a feature named '${INSTANCE_ID_KEY}', which requests use for the client's instance id`);
  const shape = Object.fromEntries([
    ...contract.features.map((f) => [f.name, isNumeric(f) ? numericField(f) : categoricalField(f)] as const),
    [INSTANCE_ID_KEY, instanceIdSchema.optional()] as const,
  ]);
  const schema = z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => `'${k}'`).join(', ');
        const computed = issue.keys.filter((k) => derived.includes(k));
        const note = computed.length === 0 ? '' : ` (${computed.map((k) => `'${k}'`).join(', ')} ${computed.length === 1 ? 'is' : 'are'} derived: computed from the features, never sent)`;
        return `unknown feature${issue.keys.length === 1 ? '' : 's'} ${keys}${note}; an instance has exactly the features ${names.join(', ')}`;
      }
      if (issue.code === 'invalid_type') return `an instance must be an object with the features ${names.join(', ')}`;
      return undefined;
    },
  });
  if (contract.derived.length === 0) return schema as unknown as z.ZodType<PredictionInstance>;
  return schema.superRefine((instance, ctx) => {
    for (const { name, message } of derivedProblems(contract, instance)) ctx.addIssue({ code: 'custom', path: [name], message });
  }) as unknown as z.ZodType<PredictionInstance>;
}

/**
 * Most instances one request may ask to explain: explaining an instance scores it once more per
 * contract feature, so an explained request of this many instances costs no more than the
 * largest plain one (AI4I, 6 features: 1,000 / 7 = 142).
 */
export function maxExplainedInstances(contract: DataContract, maxInstances: number): number {
  return Math.max(1, Math.floor(maxInstances / (contract.features.length + 1)));
}

/**
 * Schema of `{ "instances": [ … ], "explain"?: boolean }`: at least one instance, at most
 * `maxInstances` (with `explain: true`, at most {@link maxExplainedInstances}), no other keys.
 */
export function predictRequestSchema(contract: DataContract, options: PredictRequestOptions = {}): z.ZodType<PredictRequest> {
  const maxInstances = options.maxInstances ?? 1000;
  if (!Number.isInteger(maxInstances) || maxInstances < 1) {
    throw new RangeError(`maxInstances must be a positive integer, got ${maxInstances}`);
  }
  const instances = z
    .array(instanceSchema(contract), {
      error: (issue) => (issue.input === undefined ? 'instances is required' : 'instances must be an array of instances'),
    })
    .min(1, 'instances must contain at least one instance')
    .max(maxInstances, {
      error: (issue) => `too many instances: ${Array.isArray(issue.input) ? issue.input.length : 'more than ' + maxInstances}; at most ${maxInstances} per request`,
    });
  const explainLimit = maxExplainedInstances(contract, maxInstances);
  const explain = z.boolean({ error: (issue) => `explain must be true or false, got ${describeValue(issue.input)}` }).optional();
  return z
    .strictObject(
      { instances, explain },
      {
        error: (issue) => {
          if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `'${k}'`).join(', ')}; the request body is { "instances": [ … ] }, with an optional "explain": true`;
          if (issue.code === 'invalid_type') return 'the request body must be a JSON object { "instances": [ … ] }';
          return undefined;
        },
      },
    )
    .superRefine((request, ctx) => {
      if (request.explain === true && request.instances.length > explainLimit) {
        ctx.addIssue({
          code: 'custom',
          path: ['instances'],
          message: `too many instances to explain: ${request.instances.length}; at most ${explainLimit} per request with explain (each explanation scores the instance once more per feature), or send it without explain`,
        });
      }
    });
}

function numericField(feature: NumericFeature) {
  return z
    .number({
      error: (issue) =>
        issue.input === undefined
          ? `${feature.name} is required`
          : `${feature.name} must be a finite number, got ${describeValue(issue.input)}`,
    })
    .superRefine((value, ctx) => {
      if (feature.type === 'integer' && !Number.isInteger(value)) {
        ctx.addIssue({ code: 'custom', message: `${feature.name} must be a whole number, got ${value}`, input: value });
      } else if (!inRange(feature, value)) {
        ctx.addIssue({ code: 'custom', message: outOfRange(feature, value), input: value });
      }
    });
}

function categoricalField(feature: CategoricalFeature) {
  return z.enum(feature.levels as [string, ...string[]], {
    error: (issue) =>
      issue.input === undefined
        ? `${feature.name} is required`
        : `${feature.name} must be one of ${feature.levels.join(', ')}, got ${describeValue(issue.input)}`,
  });
}
