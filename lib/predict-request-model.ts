import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import { z } from 'zod';
import { type DataContract, isNumeric } from '../lambdas/core/contract/contract.ts';
import { predictRequestSchema } from '../lambdas/core/contract/instance.ts';
import { validRange } from '../lambdas/core/contract/range.ts';

/** Most instances one `POST /predict` may carry (API Gateway's model and the handler agree). */
export const MAX_INSTANCES_PER_REQUEST = 1000;

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema };

/**
 * The API Gateway model of `POST /predict`: JSON Schema draft 4, generated from the same zod
 * schema the handler parses with (`predictRequestSchema`), so the gateway and the handler accept
 * the same shape: `{ "instances": [ … ] }` with 1–1,000 instances, each with exactly the
 * contract's features, categorical ones from their levels.
 *
 * zod cannot express the contract's valid ranges (the handler checks them in a refinement), so
 * they are added here from the contract as `minimum`/`maximum`, with each feature's unit and
 * description. Integer features stay `number`: a JSON `1500.0` is a whole number to the handler
 * but not an `integer` to API Gateway's validator.
 */
export function predictRequestJsonSchema(contract: DataContract, maxInstances = MAX_INSTANCES_PER_REQUEST): JsonSchema {
  const schema = z.toJSONSchema(predictRequestSchema(contract, { maxInstances }), { target: 'draft-4' }) as Schema;
  const instance = schema.properties?.instances?.items;
  if (instance?.properties === undefined) throw new Error('predictRequestSchema: expected { instances: [ { …features } ] }');
  for (const feature of contract.features) {
    const property = instance.properties[feature.name];
    if (property === undefined) throw new Error(`predictRequestSchema: no property for feature '${feature.name}'`);
    if (isNumeric(feature)) {
      Object.assign(property, { minimum: feature.min, maximum: feature.max, description: `${feature.description ?? feature.name}, ${validRange(feature)}` });
    } else if (feature.description !== undefined) {
      property.description = feature.description;
    }
  }
  return {
    ...schema,
    title: 'PredictRequest',
    description: `Readings to score: { "instances": [ … ] }, 1–${maxInstances} per request, each with exactly the features of data contract '${contract.name}'`,
  } as JsonSchema;
}
