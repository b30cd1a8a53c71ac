import type { DataContract } from './contract.ts';
import { derivedSql, derivedValidSql } from './derived.ts';
import { LINEAGE_COLUMN_NAMES, PARTITION_COLUMN_NAME } from './names.ts';
import { FEATURE_TABLE, isPartitionValue } from './table.ts';

/**
 * SQL generated from the contract. The same text runs in DuckDB locally and in Athena engine v3
 * (Trino) in AWS, so it keeps to their common subset; docs/sql.md lists what is allowed and why.
 */

/** The ingest dates (partitions `dt`) to train on, 'YYYY-MM-DD', both ends included. */
export interface TrainingWindow {
  readonly from: string;
  readonly to: string;
}

/** `"name"`: every identifier is quoted, so no engine can read it as a keyword or fold its case. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The training set: labelled readings ingested inside the window, keeping only the latest reading
 * of each id (latest by timestamp when the contract has one, then by ingest time, then by file
 * and line, so the choice is deterministic), as id, timestamp (if any), features, derived
 * features, label and the reading's source file and line, ordered by id.
 *
 * Unlabelled readings are removed before ranking, so a later unlabelled reading of an id (one
 * uploaded for scoring) does not hide its labelled one. So are readings whose derived value is
 * not a valid model input (ingested before the derived feature existed): ingest under today's
 * contract would have quarantined them.
 * @throws RangeError unless `from` and `to` are real dates 'YYYY-MM-DD' with from ≤ to
 */
export function trainingSetSql(contract: DataContract, window: TrainingWindow): string {
  const { from, to } = checkWindow(window);
  const [sourceKey, sourceLine, ingestedAt] = LINEAGE_COLUMN_NAMES.map(quoteIdentifier);
  const id = quoteIdentifier(contract.id.name);
  const label = quoteIdentifier(contract.label.name);
  const timestamp = contract.timestamp ? quoteIdentifier(contract.timestamp.name) : undefined;
  const measured = [id, ...(timestamp ? [timestamp] : []), ...contract.features.map((f) => quoteIdentifier(f.name))];
  const derived = contract.derived.map((d) => quoteIdentifier(d.name));
  const columns = [...measured, ...derived, label, sourceKey, sourceLine];
  // One derived column per line: the stored query.sql is read by people auditing a run.
  const select =
    contract.derived.length === 0
      ? [`  SELECT ${columns.join(', ')},`]
      : [`  SELECT ${measured.join(', ')},`, ...contract.derived.map((d, j) => `    ${derivedSql(d)} AS ${derived[j]},`), `    ${label}, ${sourceKey}, ${sourceLine},`];
  const recency = [...(timestamp ? [timestamp] : []), ingestedAt, sourceKey, sourceLine].map((c) => `${c} DESC`);
  const rank = quoteIdentifier('_reading_rank'); // contract names start with a letter, so this cannot collide
  const dt = quoteIdentifier(PARTITION_COLUMN_NAME);
  return [
    `SELECT ${columns.join(', ')}`,
    'FROM (',
    ...select,
    `    ROW_NUMBER() OVER (PARTITION BY ${id} ORDER BY ${recency.join(', ')}) AS ${rank}`,
    `  FROM ${quoteIdentifier(FEATURE_TABLE)}`,
    `  WHERE ${dt} BETWEEN '${from}' AND '${to}'`,
    `    AND ${label} IS NOT NULL`,
    ...contract.derived.map((d) => `    AND ${derivedValidSql(d)}`),
    ') AS "latest"',
    `WHERE ${rank} = 1`,
    `ORDER BY ${id}`,
  ].join('\n');
}

/**
 * What became of the readings in the window, one row: every reading (`readings`), those without
 * a label (`unlabelled`), those labelled and with valid derived values (`usable`), the distinct
 * ids among these (`ids`; usable − ids readings were replaced by a later reading of the same id),
 * and the earliest and latest ingest time (`first_ingested`, `last_ingested`) — and reading time
 * (`first_reading`, `last_reading`) when the contract has a timestamp. The same filters as
 * {@link trainingSetSql}, so the counts add up to its rows.
 * @throws RangeError as trainingSetSql
 */
export function trainingSetAccountingSql(contract: DataContract, window: TrainingWindow): string {
  const { from, to } = checkWindow(window);
  const ingestedAt = quoteIdentifier(LINEAGE_COLUMN_NAMES[2]);
  const id = quoteIdentifier(contract.id.name);
  const label = quoteIdentifier(contract.label.name);
  const usable = [`${label} IS NOT NULL`, ...contract.derived.map((d) => derivedValidSql(d))].join(' AND ');
  const timestamp = contract.timestamp ? quoteIdentifier(contract.timestamp.name) : undefined;
  return [
    'SELECT COUNT(*) AS "readings",',
    `  SUM(CASE WHEN ${label} IS NULL THEN 1 ELSE 0 END) AS "unlabelled",`,
    `  SUM(CASE WHEN ${usable} THEN 1 ELSE 0 END) AS "usable",`,
    `  COUNT(DISTINCT CASE WHEN ${usable} THEN ${id} END) AS "ids",`,
    ...(timestamp ? [`  MIN(${timestamp}) AS "first_reading",`, `  MAX(${timestamp}) AS "last_reading",`] : []),
    `  MIN(${ingestedAt}) AS "first_ingested",`,
    `  MAX(${ingestedAt}) AS "last_ingested"`,
    `FROM ${quoteIdentifier(FEATURE_TABLE)}`,
    `WHERE ${quoteIdentifier(PARTITION_COLUMN_NAME)} BETWEEN '${from}' AND '${to}'`,
  ].join('\n');
}

// The window is inlined as literals, so it is checked strictly first: only digits and dashes get through.
function checkWindow(window: TrainingWindow): TrainingWindow {
  for (const end of ['from', 'to'] as const) {
    const value: unknown = window[end];
    if (typeof value !== 'string' || !isPartitionValue(value)) {
      throw new RangeError(`training window '${end}' must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
    }
  }
  if (window.from > window.to) {
    throw new RangeError(`training window is empty: from ${window.from} is after to ${window.to}`);
  }
  return window;
}
