import { z } from 'zod';
import { InvalidDataError } from '../errors.ts';
import ai4i2020 from './ai4i2020.contract.json' with { type: 'json' };
import { ExpressionSyntaxError, featureReferences } from './expression.ts';
import { expressionSqlLength } from './expression-sql.ts';
import { expressionTree } from './derived.ts';
import { formatIssues } from './issues.ts';
import { describeValue } from './messages.ts';
import { columnNameProblem, IDENTIFIER_PATTERN, oneHotColumnName } from './names.ts';

/**
 * The data contract: one JSON document that describes a sensor data set (its id, optional
 * timestamp, label and features, with types, units and valid ranges) and from which the row
 * validator, the feature encoding, the lake table columns, the training-set SQL and the API
 * request schema are all generated. docs/contract.md describes every field.
 */

/** The one contract format version this build reads. */
export const CONTRACT_VERSION = 1;

/** Zod's error option: "is required" when the field is absent, else what was expected and what came. */
function expecting(what: string) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined ? 'is required' : `must be ${what}, got ${describeValue(issue.input)}`,
  };
}

function strictObject<Shape extends z.ZodRawShape>(shape: Shape, what: string) {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `'${k}'`).join(', ')} (a typo?); allowed: ${Object.keys(shape).join(', ')}`;
      }
      return issue.input === undefined ? 'is required' : `must be ${what}, got ${describeValue(issue.input)}`;
    },
  });
}

const columnName = z.string(expecting('a column name')).superRefine((name, ctx) => {
  const problem = columnNameProblem(name);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

// Headers and cells are trimmed before they are compared, so a token with outer spaces could never match.
const token = z
  .string(expecting('a string'))
  .min(1, 'must not be empty')
  .refine((s) => s === s.trim(), 'must not start or end with whitespace (cells and headers are trimmed)');

const uniqueTokens = (tokens: string[], ctx: z.RefinementCtx, what: string) =>
  tokens.forEach((t, j) => {
    if (tokens.indexOf(t) < j) ctx.addIssue({ code: 'custom', path: [j], message: `${what} '${t}' appears twice` });
  });

const description = z.string(expecting('a string')).optional();

const idColumnSchema = strictObject(
  {
    name: columnName,
    /** CSV header of the column; defaults to `name`. */
    source: token.optional(),
    type: z.enum(['string', 'integer'], expecting("'string' or 'integer'")),
    description,
  },
  'an object { name, source, type }',
);

const timestampColumnSchema = strictObject(
  { name: columnName, source: token.optional(), description },
  'an object { name, source }',
);

const labelColumnSchema = strictObject(
  {
    name: columnName,
    source: token.optional(),
    positive: z
      .array(token, expecting('a list of tokens'))
      .min(1, 'needs at least one token meaning 1')
      .superRefine((tokens, ctx) => uniqueTokens(tokens, ctx, 'token')),
    negative: z
      .array(token, expecting('a list of tokens'))
      .min(1, 'needs at least one token meaning 0')
      .superRefine((tokens, ctx) => uniqueTokens(tokens, ctx, 'token')),
    description,
  },
  'an object { name, source, positive, negative }',
);

const numericFeatureSchema = strictObject(
  {
    name: columnName,
    source: token.optional(),
    type: z.enum(['number', 'integer']),
    unit: z.string({
      error: (issue) => (issue.input === undefined ? 'is required (use "" for a dimensionless feature)' : 'must be a string'),
    }),
    min: z.number(expecting('a finite number')),
    max: z.number(expecting('a finite number')),
    description,
  },
  'a feature object',
).superRefine((f, ctx) => {
  if (!(f.min < f.max)) {
    ctx.addIssue({ code: 'custom', path: ['max'], message: `max (${f.max}) must be greater than min (${f.min})` });
  }
});

const categoricalFeatureSchema = strictObject(
  {
    name: columnName,
    source: token.optional(),
    type: z.literal('categorical'),
    levels: z
      .array(token, expecting('a list of levels'))
      .min(1, 'needs at least one level')
      .superRefine((levels, ctx) => uniqueTokens(levels, ctx, 'level')),
    description,
  },
  'a feature object',
);

/** Longest SQL a derived expression may compile to: guards repeat their arguments (expression-sql.ts). */
export const MAX_DERIVED_SQL_LENGTH = 20_000;

const derivedFeatureSchema = strictObject(
  {
    name: columnName,
    /** Arithmetic over numeric features (expression.ts; docs/contract.md). */
    expression: z.string(expecting('an expression')),
    unit: z.string({
      error: (issue) => (issue.input === undefined ? 'is required (use "" for a dimensionless feature)' : 'must be a string'),
    }),
    /** Optional valid range, ends included: a value outside quarantines the row like a bad reading. */
    min: z.number(expecting('a finite number')).optional(),
    max: z.number(expecting('a finite number')).optional(),
    description,
  },
  'a derived feature object { name, expression, unit }',
).superRefine((d, ctx) => {
  if (d.min !== undefined && d.max !== undefined && !(d.min < d.max)) {
    ctx.addIssue({ code: 'custom', path: ['max'], message: `max (${d.max}) must be greater than min (${d.min})` });
  }
  try {
    expressionTree(d.expression);
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    ctx.addIssue({ code: 'custom', path: ['expression'], message: `${error.message} of ${quoteExpression(d.expression)}` });
  }
});

/** The expression as messages show it: quoted, on one line, cut when very long. */
function quoteExpression(text: string): string {
  const oneLine = text.replace(/\s/g, ' ');
  return `'${oneLine.length > 120 ? `${oneLine.slice(0, 120)}…` : oneLine}'`;
}

const featureSchema = z.discriminatedUnion('type', [numericFeatureSchema, categoricalFeatureSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' && issue.input !== null && typeof issue.input === 'object'
      ? `type must be 'number', 'integer' or 'categorical'`
      : `must be a feature object, got ${describeValue(issue.input)}`,
});

const contractInputSchema = strictObject(
  {
    name: z.string(expecting('a name')).regex(IDENTIFIER_PATTERN, 'must be a lower-case identifier (a letter, then a-z, 0-9 or _)'),
    version: z.literal(CONTRACT_VERSION, {
      error: (issue) =>
        issue.input === undefined
          ? `is required (${CONTRACT_VERSION})`
          : `unsupported contract version ${describeValue(issue.input)}; this build reads version ${CONTRACT_VERSION}`,
    }),
    description,
    id: idColumnSchema,
    timestamp: timestampColumnSchema.optional(),
    label: labelColumnSchema,
    features: z.array(featureSchema, expecting('a list of features')).min(1, 'needs at least one feature'),
    /** Model inputs computed from the numeric features, after them in the model's columns. */
    derived: z.array(derivedFeatureSchema, expecting('a list of derived features')).default([]),
    /** Source columns present in files that must not be used (identifiers, leakage columns). */
    drop: z
      .array(token, expecting('a list of source column names'))
      .superRefine((drop, ctx) => uniqueTokens(drop, ctx, 'column'))
      .default([]),
  },
  'a data contract object',
);

type ContractInput = z.output<typeof contractInputSchema>;
type WithSource<T extends { source?: string }> = Omit<T, 'source'> & { readonly source: string };

export type IdColumn = WithSource<ContractInput['id']>;
export type TimestampColumn = WithSource<NonNullable<ContractInput['timestamp']>>;
export type LabelColumn = WithSource<ContractInput['label']>;
export type NumericFeature = WithSource<z.output<typeof numericFeatureSchema>>;
export type CategoricalFeature = WithSource<z.output<typeof categoricalFeatureSchema>>;
export type Feature = NumericFeature | CategoricalFeature;
export type DerivedFeature = z.output<typeof derivedFeatureSchema>;

/** A parsed, checked contract: every column has its `source` filled in (default: its `name`). */
export interface DataContract {
  readonly name: string;
  readonly version: typeof CONTRACT_VERSION;
  readonly description?: string;
  readonly id: IdColumn;
  readonly timestamp?: TimestampColumn;
  readonly label: LabelColumn;
  readonly features: readonly Feature[];
  /** Model inputs computed from the numeric features; none when the contract lists none. */
  readonly derived: readonly DerivedFeature[];
  readonly drop: readonly string[];
}

function withSource<T extends { name: string; source?: string }>(column: T): Omit<T, 'source'> & { source: string } {
  return { ...column, source: column.source ?? column.name };
}

const contractSchema = contractInputSchema
  .transform(
    ({ id, timestamp, label, features, ...rest }): DataContract => ({
      ...rest,
      id: withSource(id),
      ...(timestamp === undefined ? {} : { timestamp: withSource(timestamp) }),
      label: withSource(label),
      features: features.map((f): Feature => ({ ...f, source: f.source ?? f.name })),
    }),
  )
  .superRefine(checkConsistency);

/**
 * Checks a contract (parsed JSON) and fills in the defaults; the result is deeply frozen.
 * @throws InvalidDataError listing every problem as `path: message`, e.g. `features[2].max: …`
 */
export function parseContract(json: unknown): DataContract {
  const result = contractSchema.safeParse(json);
  if (!result.success) {
    throw new InvalidDataError(`invalid data contract:\n  ${formatIssues(result.error).join('\n  ')}`);
  }
  // One contract is shared by every generator; freezing it keeps them in agreement.
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** The contract of the AI4I 2020 data set, shipped as `ai4i2020.contract.json`. */
export const DEFAULT_CONTRACT: DataContract = parseContract(ai4i2020);

export function isCategorical(feature: Feature): feature is CategoricalFeature {
  return feature.type === 'categorical';
}

export function isNumeric(feature: Feature): feature is NumericFeature {
  return feature.type !== 'categorical';
}

interface PlacedColumn {
  readonly path: (string | number)[];
  readonly name: string;
  readonly source: string;
}

/** Cross-field rules: unique names and sources, unambiguous headers, ranges, levels, label tokens. */
function checkConsistency(contract: DataContract, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const columns: PlacedColumn[] = [
    { path: ['id'], ...contract.id },
    ...(contract.timestamp ? [{ path: ['timestamp'], ...contract.timestamp }] : []),
    { path: ['label'], ...contract.label },
    ...contract.features.map((f, i) => ({ path: ['features', i], name: f.name, source: f.source })),
  ];
  const where = (column: PlacedColumn) => column.path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('');

  const byName = new Map<string, PlacedColumn>();
  const bySource = new Map<string, string>();
  for (const column of columns) {
    const other = byName.get(column.name);
    if (other) issue([...column.path, 'name'], `name '${column.name}' is already used by ${where(other)}`);
    else byName.set(column.name, column);
    const owner = bySource.get(column.source);
    if (owner !== undefined) issue([...column.path, 'source'], `source '${column.source}' is already the source of ${owner}`);
    else bySource.set(column.source, where(column));
  }
  contract.drop.forEach((source, i) => {
    const owner = bySource.get(source);
    if (owner !== undefined) issue(['drop', i], `'${source}' is listed under drop but is the source of ${owner}`);
    else bySource.set(source, 'drop');
  });
  // A header is matched against both sources and names, so one column's name must not be another's source.
  for (const column of columns) {
    const owner = bySource.get(column.name);
    if (owner === 'drop') {
      issue([...column.path, 'name'], `name '${column.name}' is also listed under drop; a header '${column.name}' would be ambiguous`);
    } else if (owner !== undefined && owner !== where(column)) {
      issue([...column.path, 'name'], `name '${column.name}' is also the source of ${owner}; a header '${column.name}' would be ambiguous`);
    }
  }

  // One-hot columns share the model's namespace with the numeric features.
  const modelColumns = new Map<string, string>();
  contract.features.forEach((f, i) => {
    if (isNumeric(f)) modelColumns.set(f.name, `features[${i}]`);
  });
  contract.features.forEach((feature, i) => {
    if (!isCategorical(feature)) return;
    feature.levels.forEach((level, j) => {
      const path = ['features', i, 'levels', j];
      if (feature.levels.indexOf(level) < j) return; // reported by the schema
      const column = oneHotColumnName(feature.name, level);
      if (column === undefined) {
        issue(path, `level '${level}' has no letter or digit to name its one-hot column`);
        return;
      }
      const owner = modelColumns.get(column);
      if (owner !== undefined) issue(path, `level '${level}' gives the model column '${column}', already taken by ${owner}`);
      else modelColumns.set(column, `level '${level}' of features[${i}]`);
    });
  });

  checkDerived(contract, columns, modelColumns, issue);

  const { positive, negative } = contract.label;
  negative.forEach((t, j) => {
    if (positive.includes(t)) issue(['label', 'negative', j], `label token '${t}' is also positive; a token means either 1 or 0`);
  });
}

/** Derived features: names free in both namespaces, expressions over numeric features only, SQL of bounded size. */
function checkDerived(
  contract: DataContract,
  columns: readonly PlacedColumn[],
  modelColumns: Map<string, string>,
  issue: (path: (string | number)[], message: string) => void,
): void {
  const columnOwner = new Map(columns.map((c) => [c.name, c.path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('')]));
  const numeric = contract.features.filter(isNumeric).map((f) => f.name);
  const roles = new Map<string, string>([
    [contract.id.name, 'the id column'],
    ...(contract.timestamp ? [[contract.timestamp.name, 'the timestamp column'] as [string, string]] : []),
    [contract.label.name, 'the label; a model input computed from the label would give the answer away'],
    ...contract.features.filter(isCategorical).map((f): [string, string] => [f.name, 'a categorical feature']),
  ]);
  const derivedNames = new Map<string, number>();
  contract.derived.forEach((d, i) => {
    const owner = columnOwner.get(d.name) ?? modelColumns.get(d.name);
    const earlier = derivedNames.get(d.name);
    if (owner !== undefined) issue(['derived', i, 'name'], `name '${d.name}' is already used by ${owner}`);
    else if (earlier !== undefined) issue(['derived', i, 'name'], `name '${d.name}' is already used by derived[${earlier}]`);
    else derivedNames.set(d.name, i);
  });
  contract.derived.forEach((d, i) => {
    let tree;
    try {
      tree = expressionTree(d.expression);
    } catch {
      return; // reported by the schema
    }
    const path = ['derived', i, 'expression'];
    for (const ref of featureReferences(tree)) {
      if (numeric.includes(ref.name)) continue;
      const role = roles.get(ref.name) ?? (derivedNames.has(ref.name) ? 'a derived feature; derived features are computed from numeric features only' : undefined);
      const problem = role === undefined ? `unknown feature '${ref.name}'` : `'${ref.name}' is ${role}`;
      issue(path, `${problem} at character ${ref.at + 1}; an expression uses the numeric features ${numeric.join(', ') || '(none)'}`);
    }
    const sqlLength = expressionSqlLength(tree);
    if (sqlLength > MAX_DERIVED_SQL_LENGTH) {
      issue(path, `compiles to ${sqlLength > 1e9 ? 'over a billion' : sqlLength} characters of SQL (min, max, log and sqrt repeat their arguments); at most ${MAX_DERIVED_SQL_LENGTH}: nest fewer of them`);
    }
  });
}
