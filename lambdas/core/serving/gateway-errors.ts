/**
 * The answers API Gateway gives itself, before (or instead of) the predict function: a body the
 * request validator refuses, an unsigned request, a throttled one, a function that timed out.
 * Each gets the API's own error shape, `{ "error": { "code", "message", "details"? } }`
 * (responses.ts), so a client parses one shape whoever answered. lib/gateway-responses.ts turns
 * this list into API Gateway gateway responses; the OpenAPI document lists the codes.
 */

/** The `$context.error` field that holds API Gateway's own explanation. */
export type GatewayErrorContext = 'validationErrorString' | 'message';

export interface GatewayError {
  /** API Gateway's gateway response type (`BAD_REQUEST_BODY`, …). */
  readonly type: GatewayResponseType;
  /** The status API Gateway answers with (its default for the type; the DEFAULT_* ones keep whatever status they had). */
  readonly status: number | '4XX' | '5XX';
  readonly code: GatewayErrorCode;
  /** What the client should know; API Gateway's own words follow after a colon when `context` is set. */
  readonly message: string;
  /** API Gateway's explanation, appended to the message (and, with `detailPath`, given as the one detail). */
  readonly context?: GatewayErrorContext;
  /** The `path` of the one detail (`body`: the validator's message about the body). @default - no details */
  readonly detailPath?: string;
}

export type GatewayResponseType =
  | 'BAD_REQUEST_BODY'
  | 'BAD_REQUEST_PARAMETERS'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'ACCESS_DENIED'
  | 'INVALID_SIGNATURE'
  | 'EXPIRED_TOKEN'
  | 'INVALID_API_KEY'
  | 'UNAUTHORIZED'
  | 'WAF_FILTERED'
  | 'THROTTLED'
  | 'QUOTA_EXCEEDED'
  | 'REQUEST_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RESOURCE_NOT_FOUND'
  | 'INTEGRATION_TIMEOUT'
  | 'INTEGRATION_FAILURE'
  | 'DEFAULT_4XX'
  | 'DEFAULT_5XX';

/** Error codes only API Gateway gives (the function's own are in responses.ts). */
export type GatewayErrorCode =
  | 'invalid_request'
  | 'not_found_or_unsigned'
  | 'access_denied'
  | 'invalid_signature'
  | 'expired_token'
  | 'invalid_api_key'
  | 'unauthorized'
  | 'blocked'
  | 'throttled'
  | 'quota_exceeded'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'not_found'
  | 'timeout'
  | 'bad_gateway'
  | 'request_refused'
  | 'gateway_error';

export const GATEWAY_ERRORS: readonly GatewayError[] = [
  {
    type: 'BAD_REQUEST_BODY',
    status: 400,
    code: 'invalid_request',
    message: 'the request body does not match the PredictRequest model (GET /openapi.json)',
    context: 'validationErrorString',
    detailPath: 'body',
  },
  {
    type: 'BAD_REQUEST_PARAMETERS',
    status: 400,
    code: 'invalid_request',
    message: 'the request parameters are not valid',
    context: 'validationErrorString',
    detailPath: 'parameters',
  },
  // API Gateway answers an unknown route this way too, before it looks at any signature.
  {
    type: 'MISSING_AUTHENTICATION_TOKEN',
    status: 403,
    code: 'not_found_or_unsigned',
    message: 'no such route, or the request is not signed: the API has POST /predict, GET /model, GET /health and GET /openapi.json, and each needs a SigV4 signature (or an x-api-key header, if the deployment uses keys)',
  },
  { type: 'ACCESS_DENIED', status: 403, code: 'access_denied', message: 'the caller may not invoke this route', context: 'message' },
  { type: 'INVALID_SIGNATURE', status: 403, code: 'invalid_signature', message: 'the SigV4 signature does not match the request', context: 'message' },
  { type: 'EXPIRED_TOKEN', status: 403, code: 'expired_token', message: 'the credentials that signed the request have expired' },
  { type: 'INVALID_API_KEY', status: 403, code: 'invalid_api_key', message: 'the x-api-key header is missing or names no key of this API' },
  { type: 'UNAUTHORIZED', status: 401, code: 'unauthorized', message: 'the request is not authorized' },
  { type: 'WAF_FILTERED', status: 403, code: 'blocked', message: 'the request was blocked by the web application firewall' },
  { type: 'THROTTLED', status: 429, code: 'throttled', message: 'too many requests: the API is throttled; retry with backoff' },
  { type: 'QUOTA_EXCEEDED', status: 429, code: 'quota_exceeded', message: "the API key's daily quota is used up" },
  { type: 'REQUEST_TOO_LARGE', status: 413, code: 'payload_too_large', message: 'the request is larger than API Gateway accepts (10 MB); send fewer instances per request' },
  { type: 'UNSUPPORTED_MEDIA_TYPE', status: 415, code: 'unsupported_media_type', message: 'the content type is not supported; send application/json' },
  { type: 'RESOURCE_NOT_FOUND', status: 404, code: 'not_found', message: 'no such resource' },
  { type: 'INTEGRATION_TIMEOUT', status: 504, code: 'timeout', message: 'the prediction did not finish in time; send fewer instances per request or retry' },
  { type: 'INTEGRATION_FAILURE', status: 504, code: 'bad_gateway', message: 'the prediction function failed to answer; retry later' },
  { type: 'DEFAULT_4XX', status: '4XX', code: 'request_refused', message: 'the request was refused', context: 'message' },
  { type: 'DEFAULT_5XX', status: '5XX', code: 'gateway_error', message: 'the API could not answer; retry later', context: 'message' },
];
