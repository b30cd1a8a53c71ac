import { z } from 'zod';
import { INSTANCE_ID_KEY, INSTANCE_ID_MAX_LENGTH } from '../contract/instance.ts';
import type { GatewayErrorCode } from './gateway-errors.ts';
import type { ModelInfo } from './model-info.ts';
import type { PredictResponse } from './predictions.ts';
import type { ApiErrorCode, ErrorBody } from './responses.ts';

/**
 * The API's answers as zod schemas, for its OpenAPI document (openapi.ts). The answers themselves
 * are built as the TypeScript types of their own files; the checks at the end of this file make
 * the compiler refuse a schema that drifts from its type, and test/unit/serving/openapi.test.ts
 * parses real answers with these schemas.
 */

const instanceId = z
  .union([z.string().min(1).max(INSTANCE_ID_MAX_LENGTH), z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER)])
  .describe(`The instance's own ${INSTANCE_ID_KEY}, when the request gave one`);

const featureValue = z.union([z.number(), z.string()]);

export const reasonSchema = z
  .strictObject({
    feature: z.string().describe("A feature of the champion's data contract (a categorical feature is one feature, whatever its encoding)"),
    value: featureValue.describe("The instance's value of the feature (a level for a categorical feature)"),
    reference: featureValue.describe('What the feature is set to for the comparison: its training mean, or its most common training level'),
    change: z.number().min(-1).max(1).describe('probability minus the probability with this feature at its reference: positive when the value raises the risk'),
  })
  .describe('One reason for a probability (docs/serving.md, "Explanations")');

export const instancePredictionSchema = z
  .strictObject({
    [INSTANCE_ID_KEY]: instanceId.optional(),
    probability: z.number().min(0).max(1).describe('P(needs maintenance), averaged over the latent uncertainty'),
    label: z.union([z.literal(0), z.literal(1)]).describe('1 = needs maintenance: probability ≥ threshold'),
    latentMean: z.number().optional().describe('Mean of the latent function f (log-odds scale); absent when the model has no uncertainty (GET /model: uncertainty false)'),
    latentStd: z.number().min(0).optional().describe("Standard deviation of f: the model's uncertainty about this reading; absent when the model has none"),
    review: z
      .boolean()
      .optional()
      .describe("True when the chance, under the model's latent Gaussian, that the reading lies on the other side of the threshold from its label exceeds the model's review level (GET /model: threshold.reviewLevel): a person should look. Absent when the model has no uncertainty: never invented"),
    reasons: z.array(reasonSchema).optional().describe('Only with explain: true. The features that move this probability most (at most 3, largest |change| first; none that do not move it)'),
    modelVersion: z.string(),
  });

export const predictResponseSchema = z
  .strictObject({
    modelVersion: z.string(),
    threshold: z.number().describe("The champion's decision threshold on the probability"),
    predictions: z.array(instancePredictionSchema).describe('One per instance, in request order'),
  });

// As registry/decision-record.ts's headlineSchema, with the version a plain string in the published schema (the compiler checks the shape below).
const holdoutSchema = z.object({
  version: z.string(),
  recall: z.number(),
  precision: z.number(),
  averagePrecision: z.number(),
  rocAuc: z.number(),
  threshold: z.number(),
});

const featureInfoSchema = z.union([
  z.strictObject({ name: z.string(), type: z.enum(['number', 'integer']), unit: z.string(), min: z.number(), max: z.number(), description: z.string().optional() }),
  z.strictObject({ name: z.string(), type: z.literal('categorical'), levels: z.array(z.string()), description: z.string().optional() }),
]);

export const modelInfoSchema = z
  .strictObject({
    modelVersion: z.string(),
    since: z.string(),
    promotedBy: z.string(),
    previous: z.array(z.string()),
    createdAt: z.string(),
    contract: z.strictObject({ name: z.string(), version: z.number() }),
    features: z.array(featureInfoSchema),
    modelInputs: z.array(z.string()),
    threshold: z.strictObject({
      value: z.number(),
      targetRecall: z.number(),
      recall: z.number(),
      precision: z.number(),
      source: z.enum(['leave-one-out', 'out-of-fold']),
      rocAuc: z.number(),
      reviewLevel: z
        .number()
        .optional()
        .describe('A reading is sent to review when the chance that it lies on the other side of the threshold exceeds this. Absent for a model without uncertainty'),
    }),
    kind: z.enum(['gpc-exact', 'gpc-sparse', 'logistic-regression', 'gradient-boosting']).describe('The model family'),
    uncertainty: z.boolean().describe('False for a model without latent uncertainty (a challenger): its predictions have no latentMean, latentStd or review'),
    kernel: z.strictObject({ description: z.string(), constant: z.number(), lengthScales: z.array(z.number()) }).nullable().describe("The GP's kernel; null for a model that has none"),
    training: z.strictObject({ rows: z.number().int(), positives: z.number().int(), logMarginalLikelihood: z.number().nullable() }),
    evaluation: z.strictObject({ holdout: holdoutSchema, minRecall: z.number(), summary: z.string(), decidedAt: z.string() }).nullable(),
    loadedAt: z.string(),
  });

export const healthSchema = z
  .strictObject({ status: z.literal('ok'), modelLoaded: z.boolean(), modelVersion: z.string().nullable() });

/** Every code an error answer may carry: the function's (responses.ts) and API Gateway's (gateway-errors.ts). */
export const ERROR_CODES = [
  'invalid_json',
  'invalid_request',
  'payload_too_large',
  'unsupported_media_type',
  'not_found',
  'method_not_allowed',
  'no_champion',
  'model_unavailable',
  'internal_error',
  'not_found_or_unsigned',
  'access_denied',
  'invalid_signature',
  'expired_token',
  'invalid_api_key',
  'unauthorized',
  'blocked',
  'throttled',
  'quota_exceeded',
  'timeout',
  'bad_gateway',
  'request_refused',
  'gateway_error',
] as const satisfies readonly (ApiErrorCode | GatewayErrorCode)[];

export const errorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(ERROR_CODES).describe('Stable, for programs'),
      message: z.string().describe('For people'),
      details: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional().describe('Field-level problems'),
    }),
  });

// The compiler checks each schema against the type the code builds the answer with, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Plain<T> = T extends readonly (infer E)[] ? Plain<E>[] : T extends object ? { -readonly [K in keyof T]: Plain<T[K]> } : T;
const sameShape = <A, B>(check: Same<Plain<A>, Plain<B>>): boolean => check;
sameShape<z.infer<typeof predictResponseSchema>, PredictResponse>(true);
sameShape<z.infer<typeof modelInfoSchema>, ModelInfo>(true);
sameShape<z.infer<typeof errorBodySchema>['error']['code'], ApiErrorCode | GatewayErrorCode>(true);
sameShape<Omit<z.infer<typeof errorBodySchema>['error'], 'code'>, Omit<ErrorBody['error'], 'code'>>(true);
