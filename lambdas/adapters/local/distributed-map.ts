/**
 * aws-local-stepfunctions has no Distributed Map (no ItemReader, ItemBatcher, ResultWriter). This
 * transform lets the runner execute a definition that has one: each top-level Distributed Map
 * becomes an inline Map whose items are what its ItemReader would have read, handed to the engine
 * in the context object (`$$.PrognosLocalItems.<Map state name>`), never in the state data: the
 * items do not count against the 256 KiB limit or reach the steps, as in AWS.
 *
 * The items are read when the Map starts, as in AWS: a local Task `<Map>.ReadItems` is put in
 * front of the Map (every transition to the Map goes to it instead); it reads the items with the
 * reader Parameters resolved against the Map's input (`"Key.$": "$.manifest.key"`), puts them in
 * the context object and passes its input on unchanged. So a reader may read what an earlier
 * state wrote (a manifest).
 *
 * The ItemSelector, the item processor and everything after the Map stay exactly as written, so
 * each iteration gets the same payload in both runtimes.
 */
import { type AslDefinition, type AslState, isDistributedMap, StateMachineDefinitionError } from './asl-definition.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';

/** The context object's field under which the runner puts each Distributed Map's items. */
export const LOCAL_ITEMS_CONTEXT_FIELD = 'PrognosLocalItems';

/** Step Functions' ItemReader for an S3 listing: one item per object under a prefix, sorted by key. */
export const S3_LIST_OBJECTS_V2 = 'arn:aws:states:::s3:listObjectsV2';
/** Step Functions' ItemReader for one S3 object; with `ReaderConfig.InputType` JSON, a JSON array whose elements are the items. */
export const S3_GET_OBJECT = 'arn:aws:states:::s3:getObject';

/** What a Distributed Map's ItemReader asks for, with its (static) Parameters. */
export interface ItemReaderRequest {
  /** The Map state's name. */
  readonly state: string;
  /** The reader's Resource, e.g. {@link S3_LIST_OBJECTS_V2}. */
  readonly resource: string;
  /** The reader's Parameters: as written in the definition, or with each path (`"Key.$"`) resolved against the Map's input by {@link resolveReader}. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** ReaderConfig.InputType (CSV, JSON, …), for an `s3:getObject` reader. */
  readonly inputType?: string;
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

/** The states this transform adds, which have no counterpart in AWS (no transition, no Lambda there). */
const STAND_IN_SUFFIXES = ['.ReadItems', '.ToleratedFailures', '.IterationFailed', '.IterationSucceeded'] as const;

/** Whether `state` is one of the states this transform adds to a definition. */
export function isLocalStandInState(state: string): boolean {
  return STAND_IN_SUFFIXES.some((suffix) => state.endsWith(suffix));
}

/** The local Task in front of a Distributed Map that reads its items when it starts: `<Map>.ReadItems`. */
export function readItemsStateName(map: string): string {
  return `${map}.ReadItems`;
}

/** The Map's failed iterations exceed its ToleratedFailurePercentage. */
export class ToleratedFailureThresholdError extends Error {
  override readonly name = TOLERATED_FAILURE_ERROR;
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
    if (!isDistributedMap(name, state)) {
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
    readers.push(readerSpec(name, state));
    states[name] = { ...map, ItemsPath: `$$.${LOCAL_ITEMS_CONTEXT_FIELD}.${name}`, ItemProcessor: inline };
  }
  if (readers.length === 0) {
    const changed = Object.entries(states).some(([name, state]) => state !== definition.States[name]);
    return { definition: changed ? { ...definition, States: states } : definition, readers, handlers };
  }
  // Every transition into a read Map goes to its ReadItems Task first.
  const entry = new Map(readers.map((reader) => [reader.state, readItemsStateName(reader.state)]));
  const redirected: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(states)) redirected[name] = redirect(state, entry);
  for (const reader of readers) {
    redirected[readItemsStateName(reader.state)] = {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:prognos-local-read-items',
      Next: reader.state,
    };
  }
  return { definition: { ...definition, StartAt: entry.get(definition.StartAt) ?? definition.StartAt, States: redirected }, readers, handlers };
}

/** `state` with each transition (Next, Default, a Choice's or a Catch's Next) to a key of `to` sent to its value instead. */
function redirect(state: AslState, to: ReadonlyMap<string, string>): AslState {
  const target = (next: unknown): unknown => (typeof next === 'string' ? (to.get(next) ?? next) : next);
  const out: Record<string, unknown> = { ...state };
  if (state.Next !== undefined) out.Next = target(state.Next);
  if (state.Default !== undefined) out.Default = target(state.Default);
  if (Array.isArray(state.Choices)) out.Choices = (state.Choices as Record<string, unknown>[]).map((choice) => ({ ...choice, Next: target(choice.Next) }));
  if (state.Catch !== undefined) out.Catch = (state.Catch as Record<string, unknown>[]).map((c) => ({ ...c, Next: target(c.Next) }));
  return out as AslState;
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

function readerSpec(name: string, state: AslState): ItemReaderRequest {
  const reader = state.ItemReader as { Resource?: unknown; Parameters?: Record<string, unknown>; ReaderConfig?: { MaxItems?: unknown; InputType?: unknown } } | undefined;
  if (typeof reader?.Resource !== 'string') throw new StateMachineDefinitionError(`Map ${name}: its ItemReader has no Resource`);
  const parameters = reader.Parameters ?? {};
  for (const [field, value] of Object.entries(parameters)) {
    if (field.endsWith('.$') && (typeof value !== 'string' || !SIMPLE_PATH.test(value))) {
      throw new StateMachineDefinitionError(`Map ${name}: ItemReader Parameter ${field} must be a path of the form $.field.field locally`);
    }
  }
  const maxItems = reader.ReaderConfig?.MaxItems;
  const inputType = reader.ReaderConfig?.InputType;
  return {
    state: name,
    resource: reader.Resource,
    parameters,
    ...(typeof inputType === 'string' ? { inputType } : {}),
    ...(typeof maxItems === 'number' ? { maxItems } : {}),
  };
}

/** The reader paths the local runner resolves: `$.a.b` into the Map's input (no filters, no context object). */
const SIMPLE_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/**
 * The request of `spec` when its Map starts with `input`: each `"Field.$": "$.a.b"` becomes
 * `Field` with the value at that path.
 * @throws StateMachineDefinitionError when a path leads nowhere
 */
export function resolveReader(spec: ItemReaderRequest, input: unknown): ItemReaderRequest {
  const parameters: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(spec.parameters)) {
    if (!field.endsWith('.$')) {
      parameters[field] = value;
      continue;
    }
    const found = (value as string)
      .slice(2)
      .split('.')
      .reduce<unknown>((at, key) => (typeof at === 'object' && at !== null && !Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined), input);
    if (found === undefined) throw new StateMachineDefinitionError(`Map ${spec.state}: ItemReader Parameter ${field} (${String(value)}) is not in the Map's input`);
    parameters[field.slice(0, -2)] = found;
  }
  return { ...spec, parameters };
}

/** Distributed Maps run as the top-level fan-out only: inside a Map iteration the items would differ per iteration. */
function rejectNested(parent: string, state: AslState): void {
  const inner = [state.ItemProcessor ?? state.Iterator, ...(state.Branches ?? [])].filter((d): d is AslDefinition => d !== undefined);
  for (const sub of inner) {
    for (const [name, nested] of Object.entries(sub.States)) {
      if (isDistributedMap(name, nested)) throw new StateMachineDefinitionError(`Map ${name} inside ${parent}: only a top-level Distributed Map can run locally`);
      rejectNested(name, nested);
    }
  }
}

/**
 * The handlers of the ReadItems Tasks: each resolves its reader against the Map's input, reads
 * the items into `items[<Map>]` (the object the context field holds) and passes its input on.
 * @throws StateMachineDefinitionError when there are readers but no `read` function
 */
export function readItemsHandlers(readers: readonly ItemReaderRequest[], read: ItemReader | undefined, items: Record<string, unknown[]>): Record<string, (payload: unknown) => Promise<unknown>> {
  if (readers.length === 0) return {};
  if (read === undefined) {
    throw new StateMachineDefinitionError(`the definition has a Distributed Map (${readers.map((r) => r.state).join(', ')}): give the runner itemReaders to read its items`);
  }
  return Object.fromEntries(
    readers.map((spec) => [
      readItemsStateName(spec.state),
      async (payload: unknown) => {
        items[spec.state] = await read(resolveReader(spec, payload));
        return payload;
      },
    ]),
  );
}

/**
 * The ItemReaders of a local workspace (the local folder stands in for every bucket; keys carry
 * their zone): `s3:listObjectsV2` lists the prefix through the ObjectStore, sorted by key as S3
 * lists, one {@link S3ListItem} per object; `s3:getObject` with InputType JSON reads the object
 * at Key, whose JSON array holds the items.
 * @throws StateMachineDefinitionError for another reader Resource or input type, a missing
 *   Prefix or Key, or an object that is not a JSON array
 */
export function objectStoreItemReader(store: ObjectStore): ItemReader {
  return async (request) => {
    const items = request.resource === S3_GET_OBJECT ? await readJsonArray(store, request) : request.resource === S3_LIST_OBJECTS_V2 ? await listPrefix(store, request) : undefined;
    if (items === undefined) {
      throw new StateMachineDefinitionError(`Map ${request.state}: ItemReader ${request.resource} has no local stand-in (only ${S3_LIST_OBJECTS_V2} and ${S3_GET_OBJECT})`);
    }
    return request.maxItems === undefined ? items : items.slice(0, request.maxItems);
  };
}

async function listPrefix(store: ObjectStore, request: ItemReaderRequest): Promise<S3ListItem[]> {
  const prefix = request.parameters.Prefix;
  if (typeof prefix !== 'string') throw new StateMachineDefinitionError(`Map ${request.state}: the listObjectsV2 ItemReader needs a Prefix`);
  // S3 orders a listing by the keys' UTF-8 bytes; for these keys that is code-unit order.
  const objects = [...(await store.list(prefix))].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return objects.map((object) => ({
    Key: object.key,
    Etag: object.etag.startsWith('"') ? object.etag : `"${object.etag}"`,
    Size: object.size,
    LastModified: Math.floor(object.lastModified.getTime() / 1000),
    StorageClass: 'STANDARD',
  }));
}

async function readJsonArray(store: ObjectStore, request: ItemReaderRequest): Promise<unknown[]> {
  const key = request.parameters.Key;
  if (typeof key !== 'string') throw new StateMachineDefinitionError(`Map ${request.state}: the getObject ItemReader needs a Key`);
  if (request.inputType !== 'JSON') throw new StateMachineDefinitionError(`Map ${request.state}: the getObject ItemReader runs locally with ReaderConfig.InputType JSON only`);
  const { body } = await store.get(key);
  const items: unknown = JSON.parse(new TextDecoder().decode(body));
  if (!Array.isArray(items)) throw new StateMachineDefinitionError(`Map ${request.state}: ${key} is not a JSON array`);
  return items;
}
