import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { DataContract } from '../core/contract/contract.ts';
import { ChampionCache, DEFAULT_REFRESH_INTERVAL_MS } from '../core/serving/champion-cache.ts';
import { DEFAULT_MAX_BODY_BYTES, handleApiRequest } from '../core/serving/predict-api.ts';
import { proxyEvent } from '../core/serving/proxy-event.ts';
import { ApiError, errorResponse, jsonResponse, payloadTooLarge } from '../core/serving/responses.ts';
import { CliError } from './errors.ts';
import { displayPath } from './format.ts';
import type { CliIo } from './io.ts';
import { type ProtocolError, protocolErrorOf, rawErrorResponse } from './serve-protocol-errors.ts';
import { openWorkspace } from './workspace.ts';
import { watchAncestors } from './parent-watch.ts';

/**
 * `prognos serve`: API Gateway and Lambda on one laptop. A node:http server turns each request
 * into the REST proxy event API Gateway would send, calls the same handler the Lambda runs, and
 * writes its result back. Like API Gateway it refuses a body that is too large before the handler
 * sees it — at 1 MiB, our limit by design (API Gateway's hard cap is 10 MB), without buffering
 * more than that. What Node's HTTP parser refuses (malformed request lines, oversized headers,
 * conflicting lengths, bad chunking) and requests that do not arrive within the header and
 * request timeouts get the API's JSON error body too, and the access log shows the status that
 * was really sent.
 */

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
/** How long a shutdown waits for requests in flight before it closes their connections. */
const SHUTDOWN_GRACE_MS = 10_000;
/** Seconds for the request line and headers to arrive. */
export const DEFAULT_HEADERS_TIMEOUT_SECONDS = 10;
/** Seconds for the whole request, body included, to arrive. */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
/** How long a socket answered with a protocol error stays open for the client to read the answer. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Node checks for timed-out requests every `connectionsCheckingInterval` (30 s by default, which
 * is how a stalled body used to be held 330 s). Checking ten times per timeout, and giving Node
 * the timeout less one interval, answers within the configured time.
 */
function timeoutSettings(headersSeconds: number, requestSeconds: number): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  for (const [name, value] of [['header timeout', headersSeconds], ['request timeout', requestSeconds]] as const) {
    if (!(Number.isFinite(value) && value > 0)) throw new CliError(`the ${name} must be a number of seconds > 0, got ${value}`);
  }
  if (headersSeconds > requestSeconds) throw new CliError(`the header timeout (${headersSeconds} s) cannot be longer than the request timeout (${requestSeconds} s)`);
  const interval = Math.min(1_000, Math.max(10, Math.floor((headersSeconds * 1000) / 10)));
  return { headersTimeout: headersSeconds * 1000 - interval, requestTimeout: requestSeconds * 1000 - interval, connectionsCheckingInterval: interval };
}

export interface ServeOptions {
  readonly home: string;
  /** Validates requests for a model whose artifact carries no contract of its own. */
  readonly contract: DataContract;
  /** 0 picks a free port. @default 8080 */
  readonly port?: number;
  /** @default 127.0.0.1 (this machine only) */
  readonly host?: string;
  /** Least time between two checks for a new champion. @default 5000 */
  readonly refreshIntervalMs?: number;
  readonly maxBodyBytes?: number;
  readonly maxInstances?: number;
  /** Seconds for a request's line and headers to arrive before it is answered 408. @default 10 */
  readonly headersTimeoutSeconds?: number;
  /** Seconds for a whole request, body included, to arrive before it is answered 408. @default 30 */
  readonly requestTimeoutSeconds?: number;
  /** Receives one line per request and every problem worth an operator's eye. @default stderr */
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  /** `http://127.0.0.1:8080`, with the port actually bound. */
  readonly url: string;
  readonly champion: ChampionCache;
  /** Stops accepting connections, lets requests in flight finish (up to 10 s), then resolves. */
  close(): Promise<void>;
}

/** The body, or undefined once it passed `limit` bytes (the rest is not kept). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length']);
  if (declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength;
      if (size > limit) {
        request.off('data', onData);
        request.off('end', onEnd);
        // Read on, but throw the bytes away: a client still sending would not see the 413 otherwise.
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks, size));
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', reject);
  });
}

function send(response: ServerResponse, result: APIGatewayProxyResult): void {
  response.statusCode = result.statusCode;
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) response.setHeader(name, values.map(String));
  const body = Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.setHeader('content-length', body.byteLength);
  response.end(body);
}

/** A JSON error answer of the server itself (not the handler's), closing the connection. */
function closingError(response: ServerResponse, statusCode: number, code: string, message: string): void {
  response.setHeader('connection', 'close');
  send(response, jsonResponse(statusCode, { error: { code, message } }));
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Starts the server and resolves once it listens. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { store } = openWorkspace(options.home, options.contract);
  const champion = new ChampionCache(store, {
    refreshIntervalMs: options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS,
    fallbackContract: options.contract,
    onError: (error) => log(`champion: ${error.message}`),
  });
  let closing: Promise<void> | undefined;
  const headersSeconds = options.headersTimeoutSeconds ?? DEFAULT_HEADERS_TIMEOUT_SECONDS;
  const requestSeconds = options.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS;
  const timeouts = timeoutSettings(headersSeconds, requestSeconds);
  /** Sockets answered with a raw protocol error, and the status sent. */
  const answeredRaw = new WeakMap<Socket, ProtocolError>();
  /** The response in progress on a socket, if any. */
  const inFlight = new WeakMap<Socket, ServerResponse>();

  /** One line per request: time, method, path, the status sent (`-`: none), milliseconds, and why when it is unusual. */
  const accessLog = (receivedAt: Date, started: number, method: string, path: string, status: string, note?: string): void =>
    log(`${receivedAt.toISOString()} ${method} ${path} ${status} ${(performance.now() - started).toFixed(1)} ms${note === undefined ? '' : ` (${note})`}`);

  /** Logs the request once its connection is done with it: the status really sent, or why there was none. */
  function logWhenClosed(request: IncomingMessage, response: ServerResponse, receivedAt: Date, started: number): void {
    const socket = request.socket;
    inFlight.set(socket, response);
    response.on('close', () => {
      if (inFlight.get(socket) === response) inFlight.delete(socket);
      const raw = answeredRaw.get(socket);
      const [status, note] = response.writableFinished
        ? [String(response.statusCode)]
        : raw !== undefined
          ? [String(raw.statusCode), `${raw.code}: ${raw.message}`]
          : response.headersSent
            ? [String(response.statusCode), 'the connection closed before the whole answer was sent']
            : ['-', 'the client closed the connection before an answer'];
      accessLog(receivedAt, started, request.method ?? '-', (request.url ?? '/').split('?')[0], status, note);
    });
  }

  /**
   * Writes a raw JSON error answer on a socket the HTTP parser gave up on, then closes it; only
   * when no answer has started on it (otherwise the bytes would corrupt that answer).
   */
  function answerOnSocket(socket: Socket, error: ProtocolError | undefined, extraHeaders: Readonly<Record<string, string>> = {}): void {
    const started = performance.now();
    const receivedAt = new Date();
    const response = inFlight.get(socket);
    if (error === undefined || answeredRaw.has(socket) || !socket.writable || response?.headersSent === true) {
      socket.destroy();
      return;
    }
    answeredRaw.set(socket, error);
    socket.end(rawErrorResponse(error, extraHeaders));
    // Read (and drop) what the client still sends, so closing does not reset the connection before it reads the answer.
    socket.resume();
    socket.setTimeout(CLOSE_GRACE_MS, () => socket.destroy());
    // With a request in flight, its own log line shows this status when it closes.
    if (response === undefined) accessLog(receivedAt, started, '-', '-', String(error.statusCode), `${error.code}: ${error.message}`);
  }

  const server = createServer({ ...timeouts, requireHostHeader: false }, (request, response) => {
    const started = performance.now();
    const receivedAt = new Date();
    const requestId = randomUUID();
    const path = (request.url ?? '/').split('?')[0];
    response.setHeader('x-request-id', requestId);
    // A server that is stopping finishes this request and lets the client reconnect elsewhere.
    if (closing !== undefined) response.setHeader('connection', 'close');
    logWhenClosed(request, response, receivedAt, started);
    // Node would answer this itself with an empty 400; the API answers in JSON.
    if (request.httpVersion === '1.1' && request.headers.host === undefined) {
      closingError(response, 400, 'bad_request', 'an HTTP/1.1 request needs a Host header');
      return;
    }
    void (async () => {
      const body = await readBody(request, maxBodyBytes);
      if (body === undefined) {
        response.setHeader('connection', 'close');
        send(response, errorResponse(payloadTooLarge(maxBodyBytes)));
        return;
      }
      // The client gave up while the request waited its turn: scoring it would only delay the others.
      if (request.socket.destroyed) return;
      const event = proxyEvent({
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headersDistinct,
        body,
        sourceIp: request.socket.remoteAddress ?? '',
        requestId,
        receivedAt,
      });
      const result = await handleApiRequest(event, {
        champion,
        maxBodyBytes,
        maxInstances: options.maxInstances,
        onError: (error) => log(`unexpected error answering ${request.method} ${path} (request ${requestId}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      });
      send(response, result);
    })().catch((error: unknown) => {
      // Already answered (408, a malformed body) by the protocol error handler below.
      if (answeredRaw.has(request.socket)) return;
      // A client that went away while sending (the handler answers every error of its own).
      log(`request ${requestId} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent && !response.destroyed) send(response, errorResponse(new ApiError(500, 'internal_error', 'the server could not answer this request; the error has been logged')));
      else response.destroy();
    });
  });

  // What the parser refuses, and timeouts, before or while a request is read.
  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string }, socket: Socket) => {
    answerOnSocket(socket, protocolErrorOf(error, { headersSeconds, requestSeconds }));
  });
  // `Expect: 100-continue` is answered by Node; any other expectation cannot be met.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    logWhenClosed(request, response, new Date(), performance.now());
    closingError(response, 417, 'expectation_failed', `the expectation ${JSON.stringify(request.headers.expect)} cannot be met; only 100-continue is supported`);
  });
  // Not a proxy: without this listener Node would just drop a CONNECT's connection.
  server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    answerOnSocket(socket, { statusCode: 405, code: 'method_not_allowed', message: 'CONNECT is not supported: this server is not a proxy' }, { allow: 'GET, POST' });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${options.host ?? DEFAULT_HOST}:${options.port ?? DEFAULT_PORT}`;
      if (error.code === 'EADDRINUSE') reject(new CliError(`cannot listen on ${where}: the address is in use; choose another with --port`));
      else if (error.code === 'EACCES') reject(new CliError(`cannot listen on ${where}: permission denied; choose a port above 1023`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new CliError(`cannot listen on ${where}: no such address on this machine`));
      else reject(error);
    });
    server.listen(options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST, () => resolve());
  });
  const url = urlOf(server.address() as AddressInfo);

  // Load the champion now, not on the first request; a failure is logged by onError.
  const loadStarted = performance.now();
  champion.current().then(
    (loaded) =>
      log(
        loaded === undefined
          ? `no champion yet in ${displayPath(options.home)}: POST /predict answers 503 until one is promoted (npx prognos run)`
          : `serving champion ${loaded.version} (${loaded.manifest.nTrain} training rows, threshold ${loaded.model.threshold.value.toPrecision(3)}), loaded in ${(performance.now() - loadStarted).toFixed(0)} ms`,
      ),
    () => undefined,
  );

  return {
    url,
    champion,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
      });
      return closing;
    },
  };
}

/** `prognos serve`: serves until SIGINT or SIGTERM, then stops gracefully. */
export async function runServe(options: ServeOptions, io: CliIo): Promise<void> {
  const server = await startServer({ ...options, log: options.log ?? ((line) => io.err(`${line}\n`)) });
  io.out(`listening on ${server.url} (pid ${process.pid}; POST /predict, GET /model, GET /health); Ctrl-C or kill ${process.pid} stops\n`);
  const reason = await new Promise<string>((resolve) => {
    const stop = (received: NodeJS.Signals | string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      unwatch();
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Started through npm (`npm run prognos -- serve &`), `kill $!` ends npm, not this process.
    const unwatch = watchAncestors((pid) => stop(`the process that started the server (pid ${pid}) ended`));
  });
  io.err(`${reason}: finishing the requests in flight, then stopping\n`);
  await server.close();
  io.err('stopped\n');
}
