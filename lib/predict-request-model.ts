import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import type { DataContract } from '../lambdas/core/contract/contract.ts';
import { MAX_INSTANCES_PER_REQUEST, predictRequestJsonSchema as requestJsonSchema } from '../lambdas/core/serving/request-json-schema.ts';

export { MAX_INSTANCES_PER_REQUEST };

/**
 * The API Gateway model of `POST /predict`: JSON Schema draft 4 from the same generator as the
 * OpenAPI document (lambdas/core/serving/request-json-schema.ts), so the gateway, the handler and
 * the document accept the same shape.
 */
export function predictRequestJsonSchema(contract: DataContract, maxInstances = MAX_INSTANCES_PER_REQUEST): JsonSchema {
  return requestJsonSchema(contract, { maxInstances, target: 'draft-4' }) as JsonSchema;
}
