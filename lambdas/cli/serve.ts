import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { DataContract } from '../core/contract/contract.ts';
import { ChampionCache, DEFAULT_REFRESH_INTERVAL_MS } from '../core/serving/champion-cache.ts';
import { DEFAULT_MAX_BODY_BYTES, handleApiRequest } from '../core/serving/predict-api.ts';
import { proxyEvent } from '../core/serving/proxy-event.ts';
import { ApiError, errorResponse, payloadTooLarge } from '../core/serving/responses.ts';
import { CliError } from './errors.ts';
import { displayPath } from './format.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';

/**
 * `prognos serve`: API Gateway and Lambda on one laptop. A node:http server turns each request
 * into the REST proxy event API Gateway would send, calls the same handler the Lambda runs, and
 * writes its result back. Like API Gateway it refuses a body that is too large before the handler
 * sees it — at 1 MiB, our limit by design (API Gateway's hard cap is 10 MB), without buffering
 * more than that.
 */

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
/** How long a shutdown waits for requests in flight before it closes their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

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

  const server = createServer((request, response) => {
    const started = performance.now();
    const receivedAt = new Date();
    const requestId = randomUUID();
    const path = (request.url ?? '/').split('?')[0];
    response.setHeader('x-request-id', requestId);
    // A server that is stopping finishes this request and lets the client reconnect elsewhere.
    if (closing !== undefined) response.setHeader('connection', 'close');
    response.on('close', () => {
      const status = response.writableFinished ? String(response.statusCode) : `${response.statusCode} (aborted)`;
      log(`${receivedAt.toISOString()} ${request.method} ${path} ${status} ${(performance.now() - started).toFixed(1)} ms`);
    });
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
      // A client that went away while sending (the handler answers every error of its own).
      log(`request ${requestId} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent && !response.destroyed) send(response, errorResponse(new ApiError(500, 'internal_error', 'the server could not answer this request; the error has been logged')));
      else response.destroy();
    });
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
          ? `no champion yet in ${displayPath(options.home)}: POST /predict answers 503 until one is promoted (prognos run)`
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
  io.out(`listening on ${server.url} (POST /predict, GET /model, GET /health); Ctrl-C stops\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.err(`${signal}: finishing the requests in flight, then stopping\n`);
  await server.close();
  io.err('stopped\n');
}
