import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';

/**
 * Answers to requests the HTTP parser refuses before any handler sees them (a bad request line,
 * oversized headers, conflicting Content-Length and Transfer-Encoding, bad chunking, a timeout):
 * the same JSON error body as every other error of the API, written as a raw HTTP/1.1 response
 * on the socket, which is then closed (after such an error the byte stream cannot be trusted).
 */

/** Error codes only `prognos serve` gives (API Gateway answers these cases itself in AWS). */
export type ProtocolErrorCode = 'bad_request' | 'headers_too_large' | 'payload_too_large' | 'request_timeout' | 'expectation_failed' | 'method_not_allowed';

export interface ProtocolError {
  readonly statusCode: number;
  readonly code: ProtocolErrorCode;
  readonly message: string;
  /** Which part of the request was wrong (`request line`, `headers`, `body`) and the parser's words. */
  readonly details?: readonly { readonly path: string; readonly message: string }[];
}

/** Node's parser codes (llhttp `HPE_…`), by the part of the request they are about. */
const PART_OF: readonly [RegExp, string][] = [
  [/^HPE_(INVALID_METHOD|INVALID_URL|INVALID_VERSION|INVALID_CONSTANT|PAUSED_H2_UPGRADE)$/, 'request line'],
  [/^HPE_(INVALID_HEADER_TOKEN|INVALID_CONTENT_LENGTH|UNEXPECTED_CONTENT_LENGTH|INVALID_TRANSFER_ENCODING|LF_EXPECTED|CR_EXPECTED)$/, 'headers'],
  [/^HPE_(INVALID_CHUNK_SIZE|STRICT|CHUNK_EXTENSIONS_OVERFLOW|INVALID_EOF_STATE)$/, 'body'],
];

/**
 * What to answer for an error of the 'clientError' event; undefined when there is nobody to
 * answer (the client closed or reset the connection).
 */
export function protocolErrorOf(error: NodeJS.ErrnoException & { reason?: string }, timeouts: { readonly headersSeconds: number; readonly requestSeconds: number }): ProtocolError | undefined {
  const code = error.code ?? '';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'HPE_INVALID_EOF_STATE') return undefined;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      statusCode: 408,
      code: 'request_timeout',
      message: `the request did not arrive in time: headers must arrive within ${timeouts.headersSeconds} s and the whole request (body included) within ${timeouts.requestSeconds} s`,
    };
  }
  const reason = error.reason ?? error.message;
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { statusCode: 431, code: 'headers_too_large', message: 'the request line and headers are too large (16 KiB at most)', details: [{ path: 'headers', message: reason }] };
  }
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    return { statusCode: 413, code: 'payload_too_large', message: 'the chunk extensions of the body are too large', details: [{ path: 'body', message: reason }] };
  }
  const part = PART_OF.find(([pattern]) => pattern.test(code))?.[1] ?? 'request';
  return { statusCode: 400, code: 'bad_request', message: `malformed HTTP request (${part}): ${reason}`, details: [{ path: part, message: `${reason} (${code})` }] };
}

/** A complete HTTP/1.1 response with the JSON error body, closing the connection. */
export function rawErrorResponse(error: ProtocolError, extraHeaders: Readonly<Record<string, string>> = {}): string {
  const body = JSON.stringify({ error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } });
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': randomUUID(),
    ...extraHeaders,
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}
