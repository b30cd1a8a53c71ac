import { z } from 'zod';
import { type DataContract, isNumeric } from '../contract/contract.ts';
import { maxExplainedInstances, predictRequestSchema } from '../contract/instance.ts';
import { validRange } from '../contract/range.ts';

/** Most instances one `POST /predict` may carry (API Gateway's model, the handler and the OpenAPI document agree). */
export const MAX_INSTANCES_PER_REQUEST = 1000;

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema };

/**
 * The JSON Schema of a `POST /predict` body, generated from the zod schema the handler parses with
 * (`predictRequestSchema`): `{ "instances": [ … ] }` with 1–`maxInstances` instances, each with
 * exactly the contract's features (categorical ones from their levels) and an optional `id`.
 *
 * zod cannot express the contract's valid ranges (the handler checks them in a refinement), so
 * they are added from the contract as `minimum`/`maximum`, with each feature's unit and
 * description. Integer features stay `number`: a JSON `1500.0` is a whole number to the handler
 * but not an `integer` to API Gateway's validator.
 *
 * `draft-4` is what API Gateway's models take; `openapi-3.0` is the OpenAPI document's dialect.
 */
export function predictRequestJsonSchema(contract: DataContract, options: { maxInstances?: number; target: 'draft-4' | 'openapi-3.0' }): Schema {
  const maxInstances = options.maxInstances ?? MAX_INSTANCES_PER_REQUEST;
  const schema = z.toJSONSchema(predictRequestSchema(contract, { maxInstances }), { target: options.target, io: 'input' }) as Schema;
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
  const id = instance.properties.id;
  if (id !== undefined) id.description = "The client's own id of this instance, echoed in its prediction: a string of 1-128 characters or a whole number";
  const explain = schema.properties?.explain;
  if (explain === undefined) throw new Error('predictRequestSchema: expected an explain property');
  explain.description = `true: each prediction carries its reasons, the features that move its probability most. At most ${maxExplainedInstances(contract, maxInstances)} instances per request with explain`;
  return {
    ...schema,
    title: 'PredictRequest',
    description: `Readings to score: { "instances": [ … ] }, 1–${maxInstances} per request, each with exactly the features of data contract '${contract.name}' (and optionally an id)`,
  };
}
