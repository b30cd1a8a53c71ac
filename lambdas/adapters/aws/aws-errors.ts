import { TransientError } from '../../core/errors.ts';

/**
 * Reading the errors of the AWS SDK v3 clients: which service error it is, and whether waiting and
 * trying again can help. The SDK has already retried such errors a few times when they reach us;
 * turning them into TransientError hands the next, slower retries to the state machine.
 */

/** The fields SDK service errors carry (ServiceException), all optional: network errors have none. */
interface SdkErrorFields {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

/** Error codes AWS uses for throttling (the SDK's own list, @smithy/service-error-classification). */
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
]);

/** Service-side failures and timeouts that say nothing about the request itself. */
const TRANSIENT = new Set([
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

/** Node's codes for a connection that dropped, was refused or timed out, or a DNS lookup that may work next time. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function fields(error: unknown): SdkErrorFields {
  return typeof error === 'object' && error !== null ? (error as SdkErrorFields) : {};
}

/** The service's error code (the SDK puts it in `name`), or the JavaScript error's name. */
export function errorName(error: unknown): string {
  const name = fields(error).name;
  return typeof name === 'string' ? name : '';
}

export function httpStatus(error: unknown): number | undefined {
  return fields(error).$metadata?.httpStatusCode;
}

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(errorName(error)) || httpStatus(error) === 429;
}

/** Throttling, a 5xx, a timeout or a dropped connection (also when wrapped as the cause of another error). */
export function isTransient(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && depth < 4; current = fields(current).cause, depth++) {
    const { code, $retryable } = fields(current);
    if (isThrottling(current) || TRANSIENT.has(errorName(current))) return true;
    if (TRANSIENT_STATUS.has(httpStatus(current) ?? 0) || $retryable !== undefined) return true;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

/** A TransientError saying what was being done, keeping the SDK's error as cause. */
export function transientError(doing: string, error: unknown): TransientError {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  return new TransientError(`${doing}: ${name === '' ? '' : `${name}: `}${message} (worth retrying)`, { cause: error });
}
