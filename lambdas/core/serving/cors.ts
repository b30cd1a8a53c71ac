import type { APIGatewayProxyResult } from 'aws-lambda';

/**
 * CORS on the function's answers. API Gateway answers the preflight (`OPTIONS`) itself; with a
 * proxy integration the actual answer's `Access-Control-Allow-Origin` must come from the function.
 * The allowed origins are the deployment's `prognos:apiCors` (lib/config.ts), handed over as
 * `API_CORS_ORIGINS` (comma-separated); none means CORS is off and no header is added.
 */

/** Response headers a browser script may read besides the simple ones. */
export const CORS_EXPOSED_HEADERS = ['x-model-version'];

/** `API_CORS_ORIGINS` → the origin list (empty: off). */
export function parseCorsOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
}

/** The CORS headers for a request from `origin` (its `Origin` header), given the allowed origins. */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  if (allowed.length === 0) return {};
  const expose = { 'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(', ') };
  if (allowed.includes('*')) return { 'access-control-allow-origin': '*', ...expose };
  // The answer depends on Origin, so a shared cache must key on it even when it names none.
  if (origin === undefined || !allowed.includes(origin)) return { vary: 'Origin' };
  return { 'access-control-allow-origin': origin, vary: 'Origin', ...expose };
}

/** `result` with the CORS headers for `origin` added. */
export function withCors(result: APIGatewayProxyResult, origin: string | undefined, allowed: readonly string[]): APIGatewayProxyResult {
  const headers = corsHeaders(origin, allowed);
  return Object.keys(headers).length === 0 ? result : { ...result, headers: { ...result.headers, ...headers } };
}
