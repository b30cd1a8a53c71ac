import type { APIGatewayProxyEvent } from 'aws-lambda';

/**
 * The event API Gateway (REST API, Lambda proxy integration) would hand the Lambda for an HTTP
 * request, built from plain request data — so a local server can call the very same handler.
 * As API Gateway does: `headers` holds the last value of each header and `multiValueHeaders` all
 * of them, the query string is split likewise, a textual body arrives as UTF-8 text and any other
 * body in base64, and an empty body is null.
 */

export interface HttpRequestData {
  readonly method: string;
  /** Path and query, as on the request line: `/predict?debug=1`. */
  readonly url: string;
  /** Header name (any case) → its values in arrival order. */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  readonly body: Uint8Array;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly receivedAt: Date;
  /** The stage name in `requestContext`. @default 'local' */
  readonly stage?: string;
}

/** Media types whose bodies API Gateway passes as text (anything else is binary, in base64). */
function isTextual(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type.startsWith('text/') || /^application\/([\w.+-]*\+)?(json|xml)$/.test(type) || type === 'application/x-www-form-urlencoded' || type === 'application/javascript';
}

function lastValues(multi: Record<string, string[]>): Record<string, string> | null {
  const entries = Object.entries(multi);
  return entries.length === 0 ? null : Object.fromEntries(entries.map(([key, values]) => [key, values[values.length - 1]]));
}

export function proxyEvent(request: HttpRequestData): APIGatewayProxyEvent {
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(request.headers)) {
    if (values !== undefined && values.length > 0) multiValueHeaders[name.toLowerCase()] = [...(multiValueHeaders[name.toLowerCase()] ?? []), ...values];
  }
  const headers = lastValues(multiValueHeaders) ?? {};

  const url = new URL(request.url, 'http://localhost');
  const multiQuery: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (multiQuery[key] ??= []).push(value);

  const textual = isTextual(headers['content-type']);
  const body = request.body.byteLength === 0 ? null : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength).toString(textual ? 'utf8' : 'base64');
  const method = request.method.toUpperCase();
  const stage = request.stage ?? 'local';
  return {
    resource: '/{proxy+}',
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: lastValues(multiQuery),
    multiValueQueryStringParameters: Object.keys(multiQuery).length === 0 ? null : multiQuery,
    pathParameters: { proxy: url.pathname.slice(1) },
    stageVariables: null,
    body,
    isBase64Encoded: body !== null && !textual,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: headers['user-agent'] ?? null,
        userArn: null,
      },
      path: `/${stage}${url.pathname}`,
      stage,
      requestId: request.requestId,
      requestTimeEpoch: request.receivedAt.getTime(),
      resourceId: 'local',
      resourcePath: '/{proxy+}',
    },
  };
}
