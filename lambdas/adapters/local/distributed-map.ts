/**
 * aws-local-stepfunctions has no Distributed Map (no ItemReader, ItemBatcher, ResultWriter). This
 * transform lets the runner execute a definition that has one: each top-level Distributed Map
 * becomes an inline Map whose items are what its ItemReader would have read, computed by the
 * runner (through the ObjectStore for S3 listings) and handed to the engine in the context object
 * (`$$.PrognosLocalItems.<Map state name>`), never in the state data: the listing does not count
 * against the 256 KiB limit or reach the steps, as in AWS.
 *
 * The ItemSelector, the item processor and everything after the Map stay exactly as written, so
 * each iteration gets the same payload in both runtimes. The one difference: the items are read
 * when the execution starts rather than when the Map state starts; a Distributed Map that is not
 * the first state would see objects written by earlier states in AWS but not here.
 */
import { type AslDefinition, type AslState, StateMachineDefinitionError } from './asl-definition.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';

/** The context object's field under which the runner puts each Distributed Map's items. */
export const LOCAL_ITEMS_CONTEXT_FIELD = 'PrognosLocalItems';

/** Step Functions' ItemReader for an S3 listing: one item per object under a prefix, sorted by key. */
export const S3_LIST_OBJECTS_V2 = 'arn:aws:states:::s3:listObjectsV2';

/** What a Distributed Map's ItemReader asks for, with its (static) Parameters. */
export interface ItemReaderRequest {
  /** The Map state's name. */
  readonly state: string;
  /** The reader's Resource, e.g. {@link S3_LIST_OBJECTS_V2}. */
  readonly resource: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** ReaderConfig.MaxItems: the reader stops after this many items. */
  readonly maxItems?: number;
}

/** Reads the items of one ItemReader, in the order Step Functions would hand them to the Map. */
export type ItemReader = (request: ItemReaderRequest) => Promise<unknown[]>;

/** One object as the S3 listObjectsV2 reader gives it to the Map (`$$.Map.Item.Value`). */
export interface S3ListItem {
  readonly Key: string;
  /** Quoted, as S3 returns ETags. */
  readonly Etag: string;
  readonly Size: number;
  /** Seconds since the epoch. */
  readonly LastModified: number;
  readonly StorageClass: 'STANDARD';
}

/** The result of {@link inlineDistributedMaps}: the runnable definition, what each reader must read, and the handlers of the check states it added. */
export interface InlinedDefinition {
  readonly definition: AslDefinition;
  readonly readers: readonly ItemReaderRequest[];
  /** One per Map with ToleratedFailurePercentage, keyed by {@link toleranceStateName}. */
  readonly handlers: Readonly<Record<string, (payload: unknown) => Promise<unknown>>>;
}

/** Fields of a Distributed Map that have no local meaning; rejected rather than silently ignored. */
const UNSUPPORTED = ['ItemBatcher', 'ToleratedFailureCount', 'ToleratedFailureCountPath', 'ToleratedFailurePercentagePath'] as const;

/** Where the inline Map puts its iterations' marks (1 failed, 0 succeeded) for the check state, which removes them again. */
export const LOCAL_MAP_TALLY = 'PrognosLocalMapTally';
/** The error of a Map whose failed iterations exceed its tolerance, as Step Functions names it. */
export const TOLERATED_FAILURE_ERROR = 'States.ExceedToleratedFailureThreshold';

/** The local check that follows a Map with ToleratedFailurePercentage: `<Map>.ToleratedFailures`. */
export function toleranceStateName(map: string): string {
  return `${map}.ToleratedFailures`;
}

/** The Map's failed iterations exceed its ToleratedFailurePercentage. */
export class ToleratedFailureThresholdError extends Error {
  override readonly name = TOLERATED_FAILURE_ERROR;
}

function isDistributed(state: AslState): boolean {
  const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
  return state.Type === 'Map' && (state.ItemReader !== undefined || processor?.ProcessorConfig?.Mode === 'DISTRIBUTED');
}

/**
 * A copy of `definition` in which each top-level Distributed Map is an inline Map over
 * `$$.PrognosLocalItems.<name>`, and the ItemReader requests that fill it. A definition without a
 * Distributed Map comes back unchanged, with no readers.
 * A ResultWriter is dropped (its Map must have `"ResultPath": null`), and ToleratedFailurePercentage
 * is emulated (see {@link tolerateFailures}).
 * @throws StateMachineDefinitionError for what the local engine cannot honour: a Distributed Map
 *   nested in another state, an ItemBatcher, a tolerated failure count or a path to one, a reader
 *   Parameter given by a path (`"Prefix.$"`)
 */
export function inlineDistributedMaps(definition: AslDefinition): InlinedDefinition {
  const readers: ItemReaderRequest[] = [];
  const handlers: Record<string, (payload: unknown) => Promise<unknown>> = {};
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    rejectNested(name, state);
    if (!isDistributed(state)) {
      states[name] = state;
      continue;
    }
    const unsupported = UNSUPPORTED.filter((field) => state[field] !== undefined);
    if (unsupported.length > 0) {
      throw new StateMachineDefinitionError(`Map ${name}: ${unsupported.join(', ')} cannot run locally; keep one item per iteration`);
    }
    // Locally the results stay in memory; with ResultPath null the state cannot tell them from results written to S3.
    const { ItemReader: reader, ItemProcessor, ResultWriter: writer, ToleratedFailurePercentage: tolerance, ...rest } = state;
    if (writer !== undefined && state.ResultPath !== null) {
      throw new StateMachineDefinitionError(`Map ${name}: a ResultWriter runs locally only with "ResultPath": null (the written results are not read back)`);
    }
    let inline: AslDefinition = { ...(ItemProcessor as AslDefinition), ProcessorConfig: { Mode: 'INLINE' } };
    let map: AslState = rest;
    if (tolerance !== undefined) {
      ({ inline, map } = tolerateFailures(name, inline, map, tolerance, states, handlers));
    }
    if (reader === undefined) {
      // Items from the state (ItemsPath): only the processor's mode changes.
      states[name] = { ...map, ItemProcessor: inline };
      continue;
    }
    if (state.ItemsPath !== undefined) {
      throw new StateMachineDefinitionError(`Map ${name}: give its items either by an ItemReader or by ItemsPath, not both`);
    }
    readers.push(readerRequest(name, state));
    states[name] = { ...map, ItemsPath: `$$.${LOCAL_ITEMS_CONTEXT_FIELD}.${name}`, ItemProcessor: inline };
  }
  const changed = Object.entries(states).some(([name, state]) => state !== definition.States[name]);
  return { definition: changed ? { ...definition, States: states } : definition, readers, handlers };
}

/**
 * ToleratedFailurePercentage, which the engine's inline Map lacks: every state of an iteration
 * catches any error (after its own Retry and Catch), and an iteration ends in 1 when it failed,
 * in 0 when it succeeded (its output is not read: the Map's ResultPath is null); the Map puts
 * these marks in the state, and a check Task after it fails with
 * States.ExceedToleratedFailureThreshold, under the Map's Catch, when the failed share exceeds the
 * percentage, or else removes them and gives the state on unchanged. The errors stay in the run record.
 */
function tolerateFailures(
  name: string,
  inline: AslDefinition,
  map: AslState,
  tolerance: unknown,
  states: Record<string, AslState>,
  handlers: Record<string, (payload: unknown) => Promise<unknown>>,
): { inline: AslDefinition; map: AslState } {
  if (typeof tolerance !== 'number' || tolerance < 0 || tolerance > 100) {
    throw new StateMachineDefinitionError(`Map ${name}: ToleratedFailurePercentage must be a number from 0 to 100`);
  }
  if (map.ResultPath !== null || map.ResultSelector !== undefined || map.OutputPath !== undefined) {
    throw new StateMachineDefinitionError(`Map ${name}: ToleratedFailurePercentage runs locally only with "ResultPath": null and no ResultSelector or OutputPath`);
  }
  const failed = `${name}.IterationFailed`;
  const succeeded = `${name}.IterationSucceeded`;
  const catching = new Set(['Task', 'Map', 'Parallel']);
  const iteration: Record<string, AslState> = {};
  for (const [stateName, original] of Object.entries(inline.States)) {
    if (original.Type === 'Fail') throw new StateMachineDefinitionError(`Map ${name}: a Fail state (${stateName}) in its processor cannot run locally with ToleratedFailurePercentage`);
    let state: AslState = original.Type === 'Succeed' ? { Type: 'Pass', Next: succeeded } : original;
    if (catching.has(state.Type)) state = { ...state, Catch: [...(state.Catch ?? []), { ErrorEquals: ['States.ALL'], Next: failed }] };
    if (state.End === true) {
      const { End: _end, ...rest } = state;
      state = { ...rest, Next: succeeded } as AslState;
    }
    iteration[stateName] = state;
  }
  iteration[failed] = { Type: 'Pass', Result: 1, End: true };
  iteration[succeeded] = { Type: 'Pass', Result: 0, End: true };

  const check = toleranceStateName(name);
  const { Next: next, End: end, ...mapRest } = map;
  states[check] = {
    Type: 'Task',
    Resource: 'arn:aws:lambda:us-east-1:123456789012:function:prognos-local-tolerated-failures',
    ...(map.Catch === undefined ? {} : { Catch: map.Catch }),
    ...(next === undefined ? { End: end ?? true } : { Next: next }),
  };
  handlers[check] = async (payload) => {
    const { [LOCAL_MAP_TALLY]: marks, ...state } = payload as Record<string, unknown>;
    const items = (marks as number[]).length;
    const failures = (marks as number[]).filter((mark) => mark === 1).length;
    // Step Functions fails the Map when the failed share exceeds the percentage.
    if (failures * 100 > tolerance * items) {
      throw new ToleratedFailureThresholdError(`${failures} of ${items} iterations of ${name} failed, more than its ToleratedFailurePercentage of ${tolerance}; their errors are in the run record`);
    }
    return state;
  };
  return {
    inline: { ...inline, States: iteration },
    map: { ...mapRest, ResultPath: `$.${LOCAL_MAP_TALLY}`, Next: check },
  };
}

function readerRequest(name: string, state: AslState): ItemReaderRequest {
  const reader = state.ItemReader as { Resource?: unknown; Parameters?: Record<string, unknown>; ReaderConfig?: { MaxItems?: unknown } } | undefined;
  if (typeof reader?.Resource !== 'string') throw new StateMachineDefinitionError(`Map ${name}: its ItemReader has no Resource`);
  const parameters = reader.Parameters ?? {};
  const dynamic = Object.keys(parameters).filter((key) => key.endsWith('.$'));
  if (dynamic.length > 0) {
    // The items are read when the execution starts, before any state has run: only constants are known then.
    throw new StateMachineDefinitionError(`Map ${name}: ItemReader Parameters ${dynamic.join(', ')} are paths; locally they must be constants`);
  }
  const maxItems = reader.ReaderConfig?.MaxItems;
  return {
    state: name,
    resource: reader.Resource,
    parameters,
    ...(typeof maxItems === 'number' ? { maxItems } : {}),
  };
}

/** Distributed Maps run as the top-level fan-out only: inside a Map iteration the items would differ per iteration. */
function rejectNested(parent: string, state: AslState): void {
  const inner = [state.ItemProcessor ?? state.Iterator, ...(state.Branches ?? [])].filter((d): d is AslDefinition => d !== undefined);
  for (const sub of inner) {
    for (const [name, nested] of Object.entries(sub.States)) {
      if (isDistributed(nested)) throw new StateMachineDefinitionError(`Map ${name} inside ${parent}: only a top-level Distributed Map can run locally`);
      rejectNested(name, nested);
    }
  }
}

/**
 * Reads the items of every reader, keyed by Map state name, as the context field wants them.
 * @throws StateMachineDefinitionError when there are readers but no `read` function
 */
export async function readItems(readers: readonly ItemReaderRequest[], read: ItemReader | undefined): Promise<Record<string, unknown[]>> {
  if (readers.length === 0) return {};
  if (read === undefined) {
    throw new StateMachineDefinitionError(`the definition has a Distributed Map (${readers.map((r) => r.state).join(', ')}): give the runner itemReaders to read its items`);
  }
  const entries = await Promise.all(readers.map(async (request) => [request.state, await read(request)] as const));
  return Object.fromEntries(entries);
}

/**
 * The ItemReaders of a local workspace: `s3:listObjectsV2` lists the prefix through the
 * ObjectStore (the local folder stands in for every bucket; keys carry their zone), sorted by
 * key as S3 lists, one {@link S3ListItem} per object.
 * @throws StateMachineDefinitionError for another reader Resource or a missing Prefix
 */
export function objectStoreItemReader(store: ObjectStore): ItemReader {
  return async (request) => {
    if (request.resource !== S3_LIST_OBJECTS_V2) {
      throw new StateMachineDefinitionError(`Map ${request.state}: ItemReader ${request.resource} has no local stand-in (only ${S3_LIST_OBJECTS_V2})`);
    }
    const prefix = request.parameters.Prefix;
    if (typeof prefix !== 'string') throw new StateMachineDefinitionError(`Map ${request.state}: the listObjectsV2 ItemReader needs a Prefix`);
    // S3 orders a listing by the keys' UTF-8 bytes; for these keys that is code-unit order.
    const objects = [...(await store.list(prefix))].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const items: S3ListItem[] = objects.map((object) => ({
      Key: object.key,
      Etag: object.etag.startsWith('"') ? object.etag : `"${object.etag}"`,
      Size: object.size,
      LastModified: Math.floor(object.lastModified.getTime() / 1000),
      StorageClass: 'STANDARD',
    }));
    return request.maxItems === undefined ? items : items.slice(0, request.maxItems);
  };
}
