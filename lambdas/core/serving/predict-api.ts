import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { type DataContract, DEFAULT_CONTRACT } from '../contract/contract.ts';
import { type PredictRequest, predictRequestSchema } from '../contract/instance.ts';
import { issuePath } from '../contract/issues.ts';
import { ChampionLoadError, type ChampionSource, type LoadedChampion } from './champion-cache.ts';
import { modelInfo } from './model-info.ts';
import { openApiDocument } from './openapi.ts';
import { predictInstances } from './predictions.ts';
import { readJsonBody } from './request-body.ts';
import { ApiError, type ErrorDetail, errorResponse, jsonResponse } from './responses.ts';

/**
 * The prediction API as one function from an API Gateway (REST, proxy integration) event to its
 * result: the Lambda calls it behind API Gateway, `prognos serve` behind node:http, unchanged.
 *
 *   POST /predict  { "instances": [ {feature: value, …}, … ], "explain"?: true } → a prediction per instance (with its reasons)
 *   GET  /model    the champion's metadata and holdout metrics
 *   GET  /health   200 while the process runs; says whether a champion is in memory
 *   GET  /openapi.json  the OpenAPI 3 document of this API, for the champion's contract
 *
 * Requests are checked against the champion's own data contract (the schema is generated from
 * it), so a new champion with other features changes what the API accepts.
 */

export const DEFAULT_MAX_INSTANCES = 1000;
/** 1 MiB: about 6,000 AI4I instances, far above maxInstances; API Gateway's own cap is 10 MB. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;
/** Field-level details listed in one 400 answer; a request with more problems gets the first ones. */
export const MAX_ERROR_DETAILS = 100;

export interface ApiDependencies {
  readonly champion: ChampionSource;
  /** The contract GET /openapi.json describes while no champion is loaded. @default DEFAULT_CONTRACT */
  readonly contract?: DataContract;
  /** Most instances per request. @default 1000 */
  readonly maxInstances?: number;
  /** Largest body accepted, decoded. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Told about every unexpected error (answered 500) for logging. */
  readonly onError?: (error: unknown, event: APIGatewayProxyEvent) => void;
  /** Told how many instances each successful POST /predict scored (for a metric). */
  readonly onPredictions?: (count: number) => void;
}

type Route = (event: APIGatewayProxyEvent, deps: ApiDependencies) => Promise<APIGatewayProxyResult>;

const ROUTES: Readonly<Record<string, Readonly<Record<string, Route>>>> = {
  '/predict': { POST: predict },
  '/model': { GET: model },
  '/health': { GET: health },
  '/openapi.json': { GET: openapi },
};

export async function handleApiRequest(event: APIGatewayProxyEvent, deps: ApiDependencies): Promise<APIGatewayProxyResult> {
  try {
    const path = normalizePath(event.path);
    const methods = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
    if (methods === undefined) {
      throw new ApiError(404, 'not_found', `no such resource: ${event.path}; the API has POST /predict, GET /model, GET /health and GET /openapi.json`);
    }
    const method = (event.httpMethod ?? '').toUpperCase();
    const route = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (route === undefined) {
      const allow = Object.keys(methods).join(', ');
      throw new ApiError(405, 'method_not_allowed', `${path} does not take ${method || 'this method'}; use ${allow}`, undefined, { allow });
    }
    return await route(event, deps);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    deps.onError?.(error, event);
    return errorResponse(new ApiError(500, 'internal_error', 'the server could not answer this request; the error has been logged'));
  }
}

/** `/predict/` and `/predict` are one resource. */
function normalizePath(path: string | undefined): string {
  const p = path ?? '/';
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

async function champion(deps: ApiDependencies): Promise<LoadedChampion> {
  let loaded: LoadedChampion | undefined;
  try {
    loaded = await deps.champion.current();
  } catch (error) {
    // The cache has reported the cause; the client learns only that no model can serve.
    if (error instanceof ChampionLoadError) throw new ApiError(503, 'model_unavailable', 'the champion model cannot be loaded right now; try again later');
    throw error;
  }
  if (loaded === undefined) throw new ApiError(503, 'no_champion', 'no model is serving yet: train and promote a champion first (npx prognos run)');
  return loaded;
}

async function predict(event: APIGatewayProxyEvent, deps: ApiDependencies): Promise<APIGatewayProxyResult> {
  const json = readJsonBody(event, deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const serving = await champion(deps);
  const parsed = requestSchema(serving.contract, deps.maxInstances ?? DEFAULT_MAX_INSTANCES).safeParse(json);
  if (!parsed.success) throw invalidRequest(parsed.error);
  const response = predictInstances(serving, parsed.data.instances, { explain: parsed.data.explain === true });
  deps.onPredictions?.(parsed.data.instances.length);
  return jsonResponse(200, response, { 'x-model-version': serving.version });
}

async function model(_event: APIGatewayProxyEvent, deps: ApiDependencies): Promise<APIGatewayProxyResult> {
  const serving = await champion(deps);
  return jsonResponse(200, modelInfo(serving), { 'x-model-version': serving.version });
}

/** No I/O: load balancers and uptime checks call this often. */
async function health(_event: APIGatewayProxyEvent, deps: ApiDependencies): Promise<APIGatewayProxyResult> {
  const loaded = deps.champion.loaded();
  return jsonResponse(200, { status: 'ok', modelLoaded: loaded !== undefined, modelVersion: loaded?.version ?? null });
}

/**
 * The document for the champion's contract (what POST /predict accepts now); before any champion
 * is loaded, or when none can be, for the contract the cache falls back to.
 */
async function openapi(_event: APIGatewayProxyEvent, deps: ApiDependencies): Promise<APIGatewayProxyResult> {
  let contract: DataContract | undefined;
  try {
    contract = (await deps.champion.current())?.contract;
  } catch (error) {
    if (!(error instanceof ChampionLoadError)) throw error;
  }
  contract ??= deps.contract ?? DEFAULT_CONTRACT;
  const maxInstances = deps.maxInstances ?? DEFAULT_MAX_INSTANCES;
  let byLimit = documents.get(contract);
  if (byLimit === undefined) documents.set(contract, (byLimit = new Map()));
  let document = byLimit.get(maxInstances);
  if (document === undefined) byLimit.set(maxInstances, (document = openApiDocument(contract, { maxInstances })));
  return jsonResponse(200, document);
}
const documents = new WeakMap<DataContract, Map<number, unknown>>();

// One schema per contract and limit: building it per request would cost more than validating.
const schemas = new WeakMap<DataContract, Map<number, z.ZodType<PredictRequest>>>();

function requestSchema(contract: DataContract, maxInstances: number): z.ZodType<PredictRequest> {
  let byLimit = schemas.get(contract);
  if (byLimit === undefined) schemas.set(contract, (byLimit = new Map()));
  let schema = byLimit.get(maxInstances);
  if (schema === undefined) byLimit.set(maxInstances, (schema = predictRequestSchema(contract, { maxInstances })));
  return schema;
}

function invalidRequest(error: z.ZodError): ApiError {
  // Request-level problems (too many instances, wrong top-level shape) first: they explain the rest.
  const issues = [...error.issues].sort((a, b) => Math.min(a.path.length, 2) - Math.min(b.path.length, 2));
  const details: ErrorDetail[] = issues.slice(0, MAX_ERROR_DETAILS).map((issue) => ({ path: issuePath(issue.path), message: issue.message }));
  const first = `${details[0].path}: ${details[0].message}`;
  const more = issues.length - 1;
  const message = more === 0 ? first : `${first} (and ${more} more problem${more === 1 ? '' : 's'}${issues.length > MAX_ERROR_DETAILS ? `; the first ${MAX_ERROR_DETAILS} are in details` : ''})`;
  return new ApiError(400, 'invalid_request', message, details);
}
