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

/** The result of {@link inlineDistributedMaps}: the runnable definition and what each reader must read. */
export interface InlinedDefinition {
  readonly definition: AslDefinition;
  readonly readers: readonly ItemReaderRequest[];
}

/** Fields of a Distributed Map that have no local meaning; rejected rather than silently ignored. */
const UNSUPPORTED = [
  'ItemBatcher',
  'ResultWriter',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
] as const;

function isDistributed(state: AslState): boolean {
  const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
  return state.Type === 'Map' && (state.ItemReader !== undefined || processor?.ProcessorConfig?.Mode === 'DISTRIBUTED');
}

/**
 * A copy of `definition` in which each top-level Distributed Map is an inline Map over
 * `$$.PrognosLocalItems.<name>`, and the ItemReader requests that fill it. A definition without a
 * Distributed Map comes back unchanged, with no readers.
 * @throws StateMachineDefinitionError for what the local engine cannot honour: a Distributed Map
 *   nested in another state, an ItemBatcher, ResultWriter or tolerated failures, a reader
 *   Parameter given by a path (`"Prefix.$"`)
 */
export function inlineDistributedMaps(definition: AslDefinition): InlinedDefinition {
  const readers: ItemReaderRequest[] = [];
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
    const { ItemReader: reader, ItemProcessor, ...rest } = state;
    const inline = { ...(ItemProcessor as AslDefinition), ProcessorConfig: { Mode: 'INLINE' } };
    if (reader === undefined) {
      // Items from the state (ItemsPath): only the processor's mode changes.
      states[name] = { ...rest, ItemProcessor: inline };
      continue;
    }
    if (state.ItemsPath !== undefined) {
      throw new StateMachineDefinitionError(`Map ${name}: give its items either by an ItemReader or by ItemsPath, not both`);
    }
    readers.push(readerRequest(name, state));
    states[name] = { ...rest, ItemsPath: `$$.${LOCAL_ITEMS_CONTEXT_FIELD}.${name}`, ItemProcessor: inline };
  }
  const changed = Object.entries(states).some(([name, state]) => state !== definition.States[name]);
  return { definition: changed ? { ...definition, States: states } : definition, readers };
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
