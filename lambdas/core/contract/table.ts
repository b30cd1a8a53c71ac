import type { TableColumn, TableColumnType } from '../data/table-column.ts';
import { type DataContract, isNumeric } from './contract.ts';
import { derivedRange } from './derived.ts';
import { LINEAGE_COLUMN_NAMES, PARTITION_COLUMN_NAME } from './names.ts';
import { validRange } from './range.ts';

/**
 * The feature table `sensor_readings`: the columns the contract generates for the Parquet files
 * under `lake/features/dt=YYYY-MM-DD/` and for the Glue table over them.
 */

export type { TableColumn, TableColumnType };

/** Name of the feature table (Glue table in AWS, view in DuckDB). */
export const FEATURE_TABLE = 'sensor_readings';

/** A table column with the comment Glue shows next to it. */
export interface DescribedColumn extends TableColumn {
  readonly comment?: string;
}

/** Where each reading came from: the landing object's key, its 1-based line, and when it was ingested. */
export const LINEAGE_COLUMNS: readonly DescribedColumn[] = [
  { name: LINEAGE_COLUMN_NAMES[0], type: 'string', nullable: false, comment: 'Key of the landing file the reading came from' },
  { name: LINEAGE_COLUMN_NAMES[1], type: 'bigint', nullable: false, comment: 'Line of the reading in that file (1 = header)' },
  { name: LINEAGE_COLUMN_NAMES[2], type: 'timestamp', nullable: false, comment: 'When ingest wrote the reading (UTC)' },
];

/**
 * The partition column: a 'YYYY-MM-DD' string, the ingest date in UTC, carried by the path
 * (`dt=2024-05-01/`) rather than inside the Parquet files.
 */
export const PARTITION_COLUMN: DescribedColumn = {
  name: PARTITION_COLUMN_NAME,
  type: 'string',
  nullable: false,
  comment: 'Ingest date (UTC), YYYY-MM-DD; partition',
};

// Glue rejects column comments longer than 255 characters.
const MAX_COMMENT = 255;

/** Columns of the Parquet files, in a stable order: id, timestamp (if any), features, label, lineage. */
export function featureTableColumns(contract: DataContract): DescribedColumn[] {
  const { id, timestamp, label } = contract;
  const columns: DescribedColumn[] = [
    { name: id.name, type: id.type === 'integer' ? 'bigint' : 'string', nullable: false, comment: comment(id.description ?? 'Reading identifier', id.source) },
  ];
  if (timestamp) {
    columns.push({ name: timestamp.name, type: 'timestamp', nullable: false, comment: comment(timestamp.description ?? 'Time of the reading (UTC)', timestamp.source) });
  }
  for (const feature of contract.features) {
    if (isNumeric(feature)) {
      const what = `${feature.description ?? feature.name}, valid ${validRange(feature)}`;
      columns.push({ name: feature.name, type: feature.type === 'integer' ? 'bigint' : 'double', nullable: false, comment: comment(what, feature.source) });
    } else {
      const what = `${feature.description ?? feature.name}, one of ${feature.levels.join(', ')}`;
      columns.push({ name: feature.name, type: 'string', nullable: false, comment: comment(what, feature.source) });
    }
  }
  const labelText = `${label.description ?? 'Label'}: 1, 0, or null when unlabelled`;
  columns.push({ name: label.name, type: 'bigint', nullable: true, comment: comment(labelText, label.source) });
  columns.push(...LINEAGE_COLUMNS);
  return columns;
}

/**
 * Columns of a training set (`lake/training-sets/<run>/`), as the training-set query returns them:
 * id, timestamp (if any), features, derived features (DOUBLE, computed by the query; rows where
 * one is not valid are left out), label, and the reading's source file and line, so a training row
 * can be traced back to the file it came from.
 */
export function trainingSetColumns(contract: DataContract): DescribedColumn[] {
  const table = featureTableColumns(contract);
  const labelAt = table.findIndex((c) => c.name === contract.label.name);
  const derived = contract.derived.map((d): DescribedColumn => {
    const range = d.min === undefined && d.max === undefined ? '' : `, valid ${derivedRange(d)}`;
    return { name: d.name, type: 'double', nullable: false, comment: cut(`${d.description ?? d.name} = ${d.expression}${range}`) };
  });
  const source = table.filter((c) => c.name === 'source_key' || c.name === 'source_line');
  return [...table.slice(0, labelAt), ...derived, table[labelAt]!, ...source];
}

const SQL_TYPES: Record<TableColumnType, string> = {
  double: 'DOUBLE',
  bigint: 'BIGINT',
  string: 'VARCHAR',
  timestamp: 'TIMESTAMP',
};

/** The DuckDB / Athena (Trino) SQL type of a column type; the Glue (Hive) name is the type itself. */
export function sqlTypeOf(type: TableColumnType): string {
  return SQL_TYPES[type];
}

/** The partition value (`dt`) of an instant: its UTC date, 'YYYY-MM-DD'. */
export function partitionOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** True for a real calendar date written 'YYYY-MM-DD' (the only form `dt` takes). */
export function isPartitionValue(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && partitionOf(date) === text;
}

function comment(what: string, source: string): string {
  return cut(`${what} (CSV: ${source})`);
}

function cut(text: string): string {
  return text.length <= MAX_COMMENT ? text : `${text.slice(0, MAX_COMMENT - 1)}…`;
}
