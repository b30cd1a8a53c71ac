import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DEFAULT_CONTRACT } from '../core/contract/contract.ts';
import { ChampionCache } from '../core/serving/champion-cache.ts';
import { handleApiRequest } from '../core/serving/predict-api.ts';
import { objectStore } from './aws-context.ts';
import { lambdaHandler, logger, metrics } from './powertools.ts';

let champion: ChampionCache | undefined;

/** One cache per container: the champion loads once and is refreshed when champion.json changes. */
function championCache(): ChampionCache {
  champion ??= new ChampionCache(objectStore(), {
    fallbackContract: DEFAULT_CONTRACT,
    onError: (error) => logger.error(error.message, { error }),
  });
  return champion;
}

/**
 * `POST /predict`, `GET /model`, `GET /health` (API Gateway REST proxy). The request handling —
 * validation against the champion's contract, 400/413/415/503, scoring — is the same function
 * `prognos serve` runs; body parsing and error formatting are its own, so no middy body parser.
 */
export const handler = lambdaHandler(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  return handleApiRequest(event, {
    champion: championCache(),
    onError: (error) => logger.error('unexpected error while answering a request', { error }),
    onPredictions: (count) => metrics.addMetric('PredictionsServed', MetricUnit.Count, count),
  });
});

/** For tests: forget the container's champion cache. */
export function resetChampionCache(): void {
  champion = undefined;
}
