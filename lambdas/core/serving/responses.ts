import type { APIGatewayProxyResult } from 'aws-lambda';

/**
 * How the prediction API answers: always JSON, errors as
 * `{ "error": { "code", "message", "details"?: [{ "path", "message" }] } }` — a stable `code` for
 * programs, a `message` for people, never a stack trace.
 */

/** Stable error codes, one per way a request can fail (docs/serving.md lists them). */
export type ApiErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'not_found'
  | 'method_not_allowed'
  | 'no_champion'
  | 'model_unavailable'
  | 'internal_error';

/** One field-level problem: where (`instances[3].torque_nm`) and what. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export interface ErrorBody {
  readonly error: {
    readonly code: ApiErrorCode;
    readonly message: string;
    readonly details?: readonly ErrorDetail[];
  };
}

/** A request the API refuses on purpose; thrown inside the handler and turned into its response. */
export class ApiError extends Error {
  override readonly name = 'ApiError' as const;
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: readonly ErrorDetail[],
    /** Extra response headers, e.g. `allow` for a 405. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  // Predictions depend on the champion of the moment; no cache may replay them.
  'cache-control': 'no-store',
};

export function jsonResponse(statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(error: ApiError): APIGatewayProxyResult {
  const body: ErrorBody = {
    error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
  };
  return jsonResponse(error.statusCode, body, error.headers);
}

/** The 413 answer, also given by `prognos serve` before it hands a request to the handler. */
export function payloadTooLarge(maxBodyBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `the request body is larger than ${maxBodyBytes} bytes; send fewer instances per request`);
}
