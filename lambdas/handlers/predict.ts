import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ChampionCache } from '../core/serving/champion-cache.ts';
import { parseCorsOrigins, withCors } from '../core/serving/cors.ts';
import { handleApiRequest } from '../core/serving/predict-api.ts';
import { headerValue } from '../core/serving/request-body.ts';
import { deploymentContract, objectStore } from './support/aws-context.ts';
import { readEnvironment } from './support/environment.ts';
import { lambdaHandler, logger, metrics } from './support/powertools.ts';

let champion: ChampionCache | undefined;

/** One cache per container: the champion loads once and is refreshed when champion.json changes. */
function championCache(): ChampionCache {
  champion ??= new ChampionCache(objectStore(), {
    fallbackContract: deploymentContract(),
    onError: (error) => logger.error(error.message, { error }),
  });
  return champion;
}

let corsOrigins: string[] | undefined;

/**
 * `POST /predict`, `GET /model`, `GET /health`, `GET /openapi.json` (API Gateway REST proxy). The
 * request handling — validation against the champion's contract, 400/413/415/503, scoring — is
 * the same function `prognos serve` runs; body parsing and error formatting are its own, so no
 * middy body parser. CORS headers, when the deployment allows origins (API_CORS_ORIGINS), are
 * added here: API Gateway answers only the preflight.
 */
export const handler = lambdaHandler(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  corsOrigins ??= parseCorsOrigins(readEnvironment().API_CORS_ORIGINS);
  const result = await handleApiRequest(event, {
    champion: championCache(),
    contract: deploymentContract(),
    onError: (error) => logger.error('unexpected error while answering a request', { error }),
    onPredictions: (count) => metrics.addMetric('PredictionsServed', MetricUnit.Count, count),
  });
  return withCors(result, headerValue(event, 'origin'), corsOrigins);
});

/** For tests: forget the container's champion cache (and the CORS origins read from the environment). */
export function resetChampionCache(): void {
  champion = undefined;
  corsOrigins = undefined;
}
