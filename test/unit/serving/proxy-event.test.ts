import { describe, expect, it } from 'vitest';
import { type HttpRequestData, proxyEvent } from '../../../lambdas/core/serving/proxy-event.ts';

const RECEIVED = new Date('2026-03-02T10:00:00.000Z');

function request(overrides: Partial<HttpRequestData> = {}): HttpRequestData {
  return { method: 'post', url: '/predict', headers: {}, body: new Uint8Array(0), sourceIp: '10.0.0.7', requestId: 'req-1', receivedAt: RECEIVED, ...overrides };
}

describe('proxyEvent', () => {
  it('builds the REST proxy event API Gateway would send', () => {
    const body = '{"instances":[]}';
    const event = proxyEvent(
      request({
        url: '/predict?verbose=1&tag=a&tag=b',
        headers: { 'Content-Type': ['application/json'], Accept: ['text/html', 'application/json'], 'user-agent': ['curl/8'] },
        body: new TextEncoder().encode(body),
      }),
    );
    expect(event).toMatchObject({
      resource: '/{proxy+}',
      path: '/predict',
      httpMethod: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'curl/8' },
      multiValueHeaders: { 'content-type': ['application/json'], accept: ['text/html', 'application/json'], 'user-agent': ['curl/8'] },
      queryStringParameters: { verbose: '1', tag: 'b' },
      multiValueQueryStringParameters: { verbose: ['1'], tag: ['a', 'b'] },
      pathParameters: { proxy: 'predict' },
      stageVariables: null,
      body,
      isBase64Encoded: false,
    });
    expect(event.requestContext).toMatchObject({
      httpMethod: 'POST',
      path: '/local/predict',
      stage: 'local',
      requestId: 'req-1',
      requestTimeEpoch: RECEIVED.getTime(),
      resourcePath: '/{proxy+}',
      identity: { sourceIp: '10.0.0.7', userAgent: 'curl/8' },
    });
  });

  it('passes a binary body in base64 and an empty one as null', () => {
    const bytes = Uint8Array.from([0, 255, 1, 128]);
    const binary = proxyEvent(request({ headers: { 'content-type': ['application/octet-stream'] }, body: bytes }));
    expect(binary.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.body!, 'base64')).toEqual(Buffer.from(bytes));

    const empty = proxyEvent(request({ method: 'GET', url: '/health' }));
    expect(empty).toMatchObject({ body: null, isBase64Encoded: false, headers: {}, multiValueHeaders: {}, queryStringParameters: null, multiValueQueryStringParameters: null });
  });

  it.each(['text/csv; charset=utf-8', 'application/json', 'application/problem+json', 'application/xml', 'application/x-www-form-urlencoded'])('passes a %s body as text', (type) => {
    const event = proxyEvent(request({ headers: { 'content-type': [type] }, body: new TextEncoder().encode('é') }));
    expect(event).toMatchObject({ body: 'é', isBase64Encoded: false });
  });
});
