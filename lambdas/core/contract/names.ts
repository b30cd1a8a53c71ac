/**
 * Naming rules of the data contract. Contract names become Parquet, Glue and SQL column names and
 * model feature names, so they are held to the strictest of those: lower-case identifiers that
 * need no quoting in DuckDB or Athena (Trino) and that no engine folds to another spelling.
 */

/** A lower-case SQL identifier: a letter, then letters, digits or underscores. */
export const IDENTIFIER_PATTERN = /^[a-z][a-z0-9_]*$/;

/** Columns that the lake adds to every reading; a contract column may not take their names. */
export const LINEAGE_COLUMN_NAMES = ['source_key', 'source_line', 'ingested_at'] as const;

/** The partition column of the lake tables (`lake/features/dt=YYYY-MM-DD/`). */
export const PARTITION_COLUMN_NAME = 'dt';

/**
 * Reserved keywords of Athena engine v3 (Trino) and of DuckDB, lower-case. A column with one of
 * these names would have to be quoted in every hand-written query, so the contract refuses them.
 * Trino: https://trino.io/docs/current/language/reserved.html;
 * DuckDB: `SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'`
 * (a test checks this list against the installed DuckDB).
 */
export const SQL_RESERVED_WORDS: ReadonlySet<string> = new Set([
  // Trino
  'alter', 'and', 'as', 'between', 'by', 'case', 'cast', 'constraint', 'create', 'cross', 'cube',
  'current_catalog', 'current_date', 'current_path', 'current_role', 'current_schema', 'current_time',
  'current_timestamp', 'current_user', 'deallocate', 'delete', 'describe', 'distinct', 'drop', 'else',
  'end', 'escape', 'except', 'execute', 'exists', 'extract', 'false', 'for', 'from', 'full', 'group',
  'grouping', 'having', 'in', 'inner', 'insert', 'intersect', 'into', 'is', 'join', 'json_array',
  'json_exists', 'json_object', 'json_query', 'json_table', 'json_value', 'left', 'like', 'listagg',
  'localtime', 'localtimestamp', 'natural', 'normalize', 'not', 'null', 'on', 'or', 'order', 'outer',
  'prepare', 'recursive', 'right', 'rollup', 'select', 'skip', 'table', 'then', 'trim', 'true',
  'uescape', 'union', 'unnest', 'using', 'values', 'when', 'where', 'with',
  // DuckDB (those not already above)
  'all', 'analyse', 'analyze', 'any', 'array', 'asc', 'asymmetric', 'both', 'check', 'collate',
  'column', 'default', 'deferrable', 'desc', 'do', 'fetch', 'foreign', 'initially', 'lambda',
  'lateral', 'leading', 'limit', 'offset', 'only', 'pivot', 'pivot_longer', 'pivot_wider', 'placing',
  'primary', 'qualify', 'references', 'returning', 'show', 'some', 'summarize', 'symmetric', 'to',
  'trailing', 'unique', 'unpivot', 'variadic', 'window',
]);

/** Why `name` cannot be a contract column name, or undefined when it can. */
export function columnNameProblem(name: string): string | undefined {
  if (!IDENTIFIER_PATTERN.test(name)) {
    return `'${name}' is not a lower-case identifier (a letter, then a-z, 0-9 or _)`;
  }
  if ((LINEAGE_COLUMN_NAMES as readonly string[]).includes(name) || name === PARTITION_COLUMN_NAME) {
    return `'${name}' is reserved for the lake's own columns (${[...LINEAGE_COLUMN_NAMES, PARTITION_COLUMN_NAME].join(', ')})`;
  }
  if (SQL_RESERVED_WORDS.has(name)) {
    return `'${name}' is a reserved SQL keyword in DuckDB or Athena; choose another name`;
  }
  return undefined;
}

/**
 * Name of the one-hot model column of `level` of categorical feature `feature`:
 * `<feature>_<level in lower case>`, with every run of other characters than a-z and 0-9 turned
 * into one underscore, so `product_type` level `L` gives `product_type_l`. Returns undefined when
 * the level has no letter or digit to build a name from.
 */
export function oneHotColumnName(feature: string, level: string): string | undefined {
  const slug = level
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return slug === '' ? undefined : `${feature}_${slug}`;
}
