/**
 * `prognos serve` against malformed requests, sent byte for byte over raw sockets (node:net): at
 * the HTTP level (what Node's parser refuses, timeouts, Host, Expect, CONNECT) and at the JSON
 * level (what the handler refuses). Every answer is a 4xx with the API's JSON error body. The
 * server runs with short timeouts (0.5 s for headers, 1 s for the request) so the suite stays
 * fast; the test asserts on status and body, not on elapsed time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.ts';
import { type RunningServer, startServer } from '../../lambdas/cli/serve.ts';
import { DEFAULT_CONTRACT } from '../../lambdas/core/contract/contract.ts';
import { promoteChampion } from '../../lambdas/core/registry/champion.ts';
import { FIXED_NOW, testVersion } from '../support/pipeline-fixture.ts';
import { INSTANCE, saveServingModel, trainServingModel } from '../unit/serving/serving-fixture.ts';

const HEADERS_TIMEOUT_SECONDS = 0.5;
const REQUEST_TIMEOUT_SECONDS = 1;

interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Sends `raw` on a fresh connection and reads one answer (until its Content-Length is in, or the server closes). */
function exchange(port: number, raw: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const parse = (final: boolean): void => {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (final) reject(new Error(`no complete answer: ${JSON.stringify(received.toString('latin1'))}`));
        return;
      }
      const [statusLine, ...headerLines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length'] ?? Number.NaN);
      const body = received.subarray(end + 4);
      if (!final && !(body.byteLength >= length)) return;
      socket.destroy();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: body.subarray(0, Number.isNaN(length) ? undefined : length).toString('utf8') });
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      parse(false);
    });
    socket.on('close', () => parse(true));
    socket.on('error', (error) => (received.byteLength > 0 ? parse(true) : reject(error)));
    socket.write(raw);
  });
}

const json = (value: unknown) => JSON.stringify(value);
/** A POST /predict with a body whose Content-Length is right. */
function post(body: string | Buffer, contentType = 'application/json', path = '/predict'): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.byteLength}\r\n\r\n`), bytes]);
}
const chunkedHead = 'POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
const big = 'a'.repeat(20_000);

/** [what, raw request, status, error code] */
const CASES: readonly (readonly [string, string | Buffer, number, string])[] = [
  // The request line
  ['garbage instead of a request line', 'HELLO\r\n\r\n', 400, 'bad_request'],
  ['a method with a space in it', 'GE T /health HTTP/1.1\r\nHost: localhost\r\n\r\n', 400, 'bad_request'],
  ['an HTTP version that does not exist', 'GET /health HTTP/9.9\r\nHost: localhost\r\n\r\n', 400, 'bad_request'],
  ['a space inside the path', 'GET /pre dict HTTP/1.1\r\nHost: localhost\r\n\r\n', 400, 'bad_request'],
  ['a control character in the path', 'GET /a\x01b HTTP/1.1\r\nHost: localhost\r\n\r\n', 400, 'bad_request'],
  ['the HTTP/2 connection preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, 'bad_request'],
  ['a 20 KB path', `GET /${big} HTTP/1.1\r\nHost: localhost\r\n\r\n`, 431, 'headers_too_large'],
  ['CONNECT, as to a proxy', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, 'method_not_allowed'],
  // Headers
  ['a header without a colon', 'GET /health HTTP/1.1\r\nHost localhost\r\n\r\n', 400, 'bad_request'],
  ['a space before the colon', 'GET /health HTTP/1.1\r\nHost : localhost\r\n\r\n', 400, 'bad_request'],
  ['a header name with parentheses', 'GET /health HTTP/1.1\r\nHost: localhost\r\nX(A): b\r\n\r\n', 400, 'bad_request'],
  ['a folded header line', 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-A: b\r\n c\r\n\r\n', 400, 'bad_request'],
  ['a NUL in a header value', 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-A: b\x00c\r\n\r\n', 400, 'bad_request'],
  ['bare LF line endings', 'GET /health HTTP/1.1\nHost: localhost\n\n', 400, 'bad_request'],
  ['a 20 KB header', `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${big}\r\n\r\n`, 431, 'headers_too_large'],
  ['no Host header in HTTP/1.1', 'GET /health HTTP/1.1\r\n\r\n', 400, 'bad_request'],
  ['an expectation other than 100-continue', `POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: magic\r\nContent-Length: 2\r\n\r\n{}`, 417, 'expectation_failed'],
  // Framing of the body
  ['Content-Length and Transfer-Encoding together', `POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'bad_request'],
  ['two different Content-Lengths', 'POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 400, 'bad_request'],
  ['a Content-Length that is not a number', 'POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n', 400, 'bad_request'],
  ['a negative Content-Length', 'POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n', 400, 'bad_request'],
  ['a Transfer-Encoding other than chunked', 'POST /predict HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\nabc', 400, 'bad_request'],
  ['chunked not last in Transfer-Encoding', 'POST /predict HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc', 400, 'bad_request'],
  ['a chunk size that is not hex', `${chunkedHead}zz\r\nabc\r\n0\r\n\r\n`, 400, 'bad_request'],
  ['a chunk longer than its size', `${chunkedHead}3\r\nabcdef\r\n0\r\n\r\n`, 400, 'bad_request'],
  ['20 KB of chunk extensions', `${chunkedHead}3;${big}\r\nabc\r\n0\r\n\r\n`, 413, 'payload_too_large'],
  ['a declared body of 2 MB', 'POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{', 413, 'payload_too_large'],
  // Timeouts
  ['headers that never end', 'GET /health HTTP/1.1\r\nHost: localhost\r\n', 408, 'request_timeout'],
  ['a body shorter than its Content-Length', 'POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"instances": [', 408, 'request_timeout'],
  // Routing
  ['an unknown path', 'GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n', 404, 'not_found'],
  ['GET on /predict', 'GET /predict HTTP/1.1\r\nHost: localhost\r\n\r\n', 405, 'method_not_allowed'],
  // The body as JSON
  ['an empty body', post(''), 400, 'invalid_json'],
  ['truncated JSON', post('{"instances": [{"torque_nm": 4'), 400, 'invalid_json'],
  ['a NaN literal', post('{"instances": [{"torque_nm": NaN}]}'), 400, 'invalid_json'],
  ['bytes that are not UTF-8', post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, 'invalid_json'],
  ['a chunked body that is not JSON', `${chunkedHead}5\r\n{"ins\r\n0\r\n\r\n`, 400, 'invalid_json'],
  ['text/plain', post(json({ instances: [INSTANCE] }), 'text/plain'), 415, 'unsupported_media_type'],
  ['JSON in latin1', post(json({ instances: [INSTANCE] }), 'application/json; charset=latin1'), 415, 'unsupported_media_type'],
  ['a top-level array', post(json([INSTANCE])), 400, 'invalid_request'],
  ['instances that is an object', post(json({ instances: INSTANCE })), 400, 'invalid_request'],
  ['no instances', post(json({ instances: [] })), 400, 'invalid_request'],
  ['an unknown feature', post(json({ instances: [{ ...INSTANCE, udi: 1 }] })), 400, 'invalid_request'],
  ['a number sent as a string', post(json({ instances: [{ ...INSTANCE, torque_nm: '42.8' }] })), 400, 'invalid_request'],
  ['a number that overflows to Infinity', post(`{"instances": [${json(INSTANCE).replace('42.8', '1e999')}]}`), 400, 'invalid_request'],
  ['50,000 nested arrays', post(`${'['.repeat(50_000)}${']'.repeat(50_000)}`), 400, 'invalid_request'],
];

describe('prognos serve answers malformed requests with a 4xx and the JSON error body', () => {
  let home: string;
  let server: RunningServer;
  let port: number;
  const logLines: string[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'prognos-serve-malformed-'));
    const store = new FsObjectStore(home);
    const version = testVersion(1);
    await saveServingModel(store, version, trainServingModel(120));
    await promoteChampion(store, version, 'test-run', undefined, FIXED_NOW);
    server = await startServer({
      home,
      contract: DEFAULT_CONTRACT,
      port: 0,
      refreshIntervalMs: 60_000,
      headersTimeoutSeconds: HEADERS_TIMEOUT_SECONDS,
      requestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS,
      log: (line) => logLines.push(line),
    });
    port = Number(new URL(server.url).port);
    await server.champion.current();
  });
  afterAll(async () => {
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  it(`has at least 30 cases`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.concurrent.each(CASES)('%s → %i %s', async (_what, raw, status, code) => {
    const answer = await exchange(port, raw);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(answer.body) as { error: { code: string; message: string; details?: { path: string; message: string }[] } };
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(body.error.message).not.toMatch(/\n\s+at /);
    for (const detail of body.error.details ?? []) expect(detail).toEqual({ path: expect.any(String), message: expect.any(String) });
  });

  it('says which part of the request the parser refused, and what the timeouts are', async () => {
    const line = JSON.parse((await exchange(port, 'HELLO\r\n\r\n')).body) as { error: { message: string; details: unknown } };
    expect(line.error.message).toBe('malformed HTTP request (request line): Invalid method encountered');
    expect(line.error.details).toEqual([{ path: 'request line', message: 'Invalid method encountered (HPE_INVALID_METHOD)' }]);
    const framing = JSON.parse((await exchange(port, CASES.find(([what]) => what.startsWith('Content-Length and'))![1])).body) as { error: { message: string } };
    expect(framing.error.message).toBe("malformed HTTP request (headers): Transfer-Encoding can't be present with Content-Length");
    const stalled = JSON.parse((await exchange(port, CASES.find(([what]) => what.startsWith('a body shorter'))![1])).body) as { error: { message: string } };
    expect(stalled.error.message).toBe('the request did not arrive in time: headers must arrive within 0.5 s and the whole request (body included) within 1 s');
  });

  it('logs the status really sent, and keeps serving', async () => {
    const ok = await exchange(port, post(json({ instances: [INSTANCE] })));
    expect(ok.status).toBe(200);
    expect(logLines).toContainEqual(expect.stringMatching(/^\S+Z POST \/predict 408 \d+\.\d ms \(request_timeout: the request did not arrive in time/));
    expect(logLines).toContainEqual(expect.stringMatching(/^\S+Z - - 400 \d+\.\d ms \(bad_request: malformed HTTP request \(request line\)/));
    expect(logLines).toContainEqual(expect.stringMatching(/^\S+Z - - 408 \d+\.\d ms \(request_timeout: /));
    expect(logLines.filter((line) => line.includes('aborted'))).toEqual([]);
  });
});

describe('serve timeouts', () => {
  it('refuses timeouts that are not positive, or a header timeout longer than the request timeout', async () => {
    await expect(startServer({ home: tmpdir(), contract: DEFAULT_CONTRACT, port: 0, headersTimeoutSeconds: 0 })).rejects.toThrow(/header timeout must be a number of seconds > 0, got 0/);
    await expect(startServer({ home: tmpdir(), contract: DEFAULT_CONTRACT, port: 0, headersTimeoutSeconds: 20, requestTimeoutSeconds: 10 })).rejects.toThrow(
      'the header timeout (20 s) cannot be longer than the request timeout (10 s)',
    );
  });
});
