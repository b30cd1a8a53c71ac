/**
 * Reading an Amazon States Language (JSONPath) definition without running it: walk every state
 * (inside Map item processors and Parallel branches too), find its Tasks and Distributed Maps, find
 * the `${Name}` placeholders that CDK fills through `definitionSubstitutions`, and fill them with
 * local stand-ins. The one reader of the ASL files: `lib/` (the Workflow construct), the local
 * runner and the tests all see a definition through it.
 */

/** The parts of a state the runner and the checks look at; everything else passes through untouched. */
export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Retry?: readonly unknown[];
  readonly Catch?: readonly unknown[];
  readonly ItemProcessor?: AslDefinition;
  readonly Iterator?: AslDefinition;
  readonly Branches?: readonly AslDefinition[];
  readonly [field: string]: unknown;
}

/** A parsed state machine (or Map item processor / Parallel branch) definition. */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly [field: string]: unknown;
}

/** One state found by {@link walkStates}. */
export interface WalkedState {
  readonly name: string;
  readonly state: AslState;
  /** The Map or Parallel state that contains it; undefined at the top level. */
  readonly parent?: string;
}

/** The optimised Lambda integration: its result is `{ Payload, StatusCode, … }`, not the bare return value. */
export const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';

/** `${Name}` as CDK's `definitionSubstitutions` understands it: the one placeholder rule. */
const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
/** A `${` that does not start a placeholder by that rule (`${Bucket.Name}`, `${}`, an unclosed one). */
const MALFORMED_PLACEHOLDER = /\$\{(?![A-Za-z0-9_]+\})/;
/** A string that is exactly one placeholder. */
const WHOLE_PLACEHOLDER = /^\$\{([A-Za-z0-9_]+)\}$/;

/** Fields only a Distributed Map may have: Step Functions refuses them on an inline Map. */
const DISTRIBUTED_ONLY_FIELDS = ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage', 'ToleratedFailureCount', 'ToleratedFailurePercentagePath', 'ToleratedFailureCountPath'] as const;

/** One Task of a definition, as the Workflow construct checks it against its functions. */
export interface AslTask {
  readonly state: string;
  /** The placeholder name in `Parameters.FunctionName` (`${TrainFunctionArn}` → `TrainFunctionArn`), if it is one. */
  readonly placeholder: string | undefined;
  readonly timeoutSeconds: number | undefined;
}

/** An S3 ItemReader or ResultWriter: the integration it calls and its Parameters. */
export interface AslS3Access {
  readonly resource: unknown;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** One Distributed Map of a definition. */
export interface AslDistributedMap {
  readonly state: string;
  /** `ItemReader`, if the Map reads its items from S3. */
  readonly itemReader?: AslS3Access;
  /** `ResultWriter`, if the Map writes its results to S3. */
  readonly resultWriter?: AslS3Access;
}

/** A definition the runner cannot use: not an object, no States, a placeholder without a value. */
export class StateMachineDefinitionError extends Error {
  override readonly name = 'StateMachineDefinitionError' as const;
}

/**
 * Checks the outline (StartAt, States) of a parsed JSON value; the full validation is the engine's
 * (asl-validator) when the state machine is built.
 * @throws StateMachineDefinitionError
 */
export function asDefinition(value: unknown, source = 'definition'): AslDefinition {
  if (!isObject(value) || typeof value.StartAt !== 'string' || !isObject(value.States)) {
    throw new StateMachineDefinitionError(`${source} is not a state machine: it needs "StartAt" and "States"`);
  }
  return value as unknown as AslDefinition;
}

/** Every state, depth first in definition order, including those inside Map and Parallel states. */
export function walkStates(definition: AslDefinition, parent?: string): WalkedState[] {
  const found: WalkedState[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    found.push(parent === undefined ? { name, state } : { name, state, parent });
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor !== undefined) found.push(...walkStates(processor, name));
    for (const branch of state.Branches ?? []) found.push(...walkStates(branch, name));
  }
  return found;
}

/** Every Task state, nested ones included, in {@link walkStates} order. */
export function taskStates(definition: AslDefinition): AslTask[] {
  return walkStates(definition)
    .filter((s) => s.state.Type === 'Task')
    .map(({ name, state }) => {
      const fn = (state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName;
      const timeout = state.TimeoutSeconds;
      return { state: name, placeholder: typeof fn === 'string' ? placeholderOf(fn) : undefined, timeoutSeconds: typeof timeout === 'number' ? timeout : undefined };
    });
}

/** Names of the Task states, nested ones included. */
export function taskStateNames(definition: AslDefinition): string[] {
  return taskStates(definition).map((t) => t.state);
}

/**
 * Whether `state` is a Distributed Map: a Map whose `ItemProcessor.ProcessorConfig.Mode` is
 * `DISTRIBUTED` (Step Functions' own rule; an ItemReader alone does not make one).
 * @throws StateMachineDefinitionError for a Map with a field only a Distributed Map may have
 *   (`ItemReader`, `ResultWriter`, `ItemBatcher`, a tolerated failure) but another mode, which Step
 *   Functions would refuse at deployment
 */
export function isDistributedMap(name: string, state: AslState): boolean {
  if (state.Type !== 'Map') return false;
  const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: unknown } } | undefined;
  if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') return true;
  const distributedOnly = DISTRIBUTED_ONLY_FIELDS.filter((field) => state[field] !== undefined);
  if (distributedOnly.length > 0) {
    throw new StateMachineDefinitionError(`Map ${name}: ${distributedOnly.join(', ')} needs "ItemProcessor": { "ProcessorConfig": { "Mode": "DISTRIBUTED" } }`);
  }
  return false;
}

/** Every Distributed Map, nested ones included, with its S3 reader and writer. */
export function distributedMaps(definition: AslDefinition): AslDistributedMap[] {
  return walkStates(definition)
    .filter(({ name, state }) => isDistributedMap(name, state))
    .map(({ name, state }) => ({ state: name, ...s3Access('itemReader', state.ItemReader), ...s3Access('resultWriter', state.ResultWriter) }));
}

function s3Access<K extends string>(key: K, field: unknown): Partial<Record<K, AslS3Access>> {
  if (!isObject(field)) return {};
  const parameters = isObject(field.Parameters) ? field.Parameters : {};
  return { [key]: { resource: field.Resource, parameters } } as Record<K, AslS3Access>;
}

/** `Name` when `text` is exactly `${Name}`; undefined for any other string. */
export function placeholderOf(text: string): string | undefined {
  return WHOLE_PLACEHOLDER.exec(text)?.[1];
}

/**
 * Every distinct placeholder name (`Name` of `${Name}`) in any string of the definition, sorted.
 * @throws StateMachineDefinitionError for a `${` that is not a placeholder by the one rule
 *   (`${` + letters, digits, `_` + `}`): it would reach Step Functions unfilled
 */
export function placeholderNames(definition: AslDefinition): string[] {
  const names = new Set<string>();
  visitStrings(definition, (text) => {
    rejectMalformedPlaceholder(text);
    for (const match of text.matchAll(PLACEHOLDER)) names.add(match[1]);
  });
  return [...names].sort();
}

function rejectMalformedPlaceholder(text: string): void {
  if (MALFORMED_PLACEHOLDER.test(text)) {
    throw new StateMachineDefinitionError(`"${text}" has a \${ that is not a placeholder: a placeholder is \${Name} with letters, digits and _ only`);
  }
}

/**
 * A well-formed Lambda ARN for a placeholder, so that the engine's ARN validation accepts the
 * definition; the Task it names is overridden by a local handler and never invoked.
 */
export function fakeLambdaArn(placeholder: string): string {
  return `arn:aws:lambda:us-east-1:123456789012:function:prognos-local-${placeholder}`;
}

/**
 * The local value of a placeholder that is not a function ARN (e.g. `LandingBucketName` →
 * `prognos-local-landing-bucket-name`): a well-formed name; the local adapters ignore it (the
 * workspace folder stands in for every bucket).
 */
export function localStandIn(placeholder: string): string {
  return `prognos-local-${placeholder.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

/**
 * A copy of the definition with each `${Name}` replaced by `values[Name]`, or, when `values` has
 * no entry for it, by {@link fakeLambdaArn} for `…FunctionArn` and {@link localStandIn} for any
 * other name. The input is left untouched (the engine's validator adds fields to the object it
 * is given).
 */
export function substitutePlaceholders(
  definition: AslDefinition,
  values: Readonly<Record<string, string>> = {},
): AslDefinition {
  const fallback = (name: string): string => (name.endsWith('FunctionArn') ? fakeLambdaArn(name) : localStandIn(name));
  const substitute = (text: string): string => {
    rejectMalformedPlaceholder(text);
    return text.replace(PLACEHOLDER, (_match, name: string) => (Object.hasOwn(values, name) ? values[name] : fallback(name)));
  };
  return mapStrings(definition, substitute) as AslDefinition;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function visitStrings(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) visitStrings(item, visit);
  else if (isObject(value)) for (const item of Object.values(value)) visitStrings(item, visit);
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, map)]));
  return value;
}
