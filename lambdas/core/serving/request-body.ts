import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ApiError, payloadTooLarge } from './responses.ts';

/**
 * The JSON body of a proxy event, checked in the order a client can fix things: size (413),
 * content type (415), encoding and syntax (400). API Gateway hands binary bodies over in base64
 * (`isBase64Encoded`); sizes are counted on the decoded bytes.
 */

/** A header's value, whatever case the client (or API Gateway) used for its name. */
export function headerValue(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

function checkContentType(value: string | undefined): void {
  const [mediaType = '', ...parameters] = (value ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') {
    throw new ApiError(415, 'unsupported_media_type', `the request body must be JSON sent with content-type application/json, got ${value === undefined ? 'no content type' : `'${value}'`}`);
  }
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/^"|"$/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError(415, 'unsupported_media_type', `the request body must be UTF-8 JSON, got charset ${charset}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The parsed JSON of a POST body.
 * @throws ApiError 413 (too large), 415 (not application/json), 400 (empty, not UTF-8, not JSON)
 */
export function readJsonBody(event: Pick<APIGatewayProxyEvent, 'headers' | 'body' | 'isBase64Encoded'>, maxBodyBytes: number): unknown {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.byteLength > maxBodyBytes) throw payloadTooLarge(maxBodyBytes);
  checkContentType(headerValue(event, 'content-type'));
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not valid UTF-8');
  }
  if (text.trim() === '') throw new ApiError(400, 'invalid_json', 'the request body is empty; send { "instances": [ … ] }');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
}
