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
 * features and label, ordered by id.
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
  const columns = [...measured, ...derived, label];
  // One derived column per line: the stored query.sql is read by people auditing a run.
  const select =
    contract.derived.length === 0
      ? [`  SELECT ${columns.join(', ')},`]
      : [`  SELECT ${measured.join(', ')},`, ...contract.derived.map((d, j) => `    ${derivedSql(d)} AS ${derived[j]},`), `    ${label},`];
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
