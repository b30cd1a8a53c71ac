import { CsvError, parse } from 'csv-parse/sync';
import { InvalidDataError } from '../core/errors.ts';
import { denseMatrix, type DenseMatrix } from '../core/ml/dense.ts';

/**
 * Reads the feature columns a model needs from CSV text, by name and in the model's order; other
 * columns (ids, labels, notes) are ignored. Same rules as core/data/csv.ts (header row, UTF-8 with
 * or without BOM, plain decimal numbers only), which needs a label column and so cannot read rows
 * that are yet to be scored.
 *
 * @returns the rows in file order, one column per feature name
 * @throws InvalidDataError naming every missing column, or the line, column and value of a bad cell
 */
export function parseFeatureCsv(text: string, featureNames: readonly string[]): DenseMatrix {
  const records = parseRecords(text);
  if (records.length === 0) throw new InvalidDataError('CSV is empty: expected a header row');
  const header = records[0].record.map((name) => name.trim());
  const missing = featureNames.filter((name) => !header.includes(name));
  if (missing.length > 0) {
    throw new InvalidDataError(
      `missing feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} ` +
        `(the model needs ${featureNames.join(', ')}; the file has ${header.join(', ')})`,
    );
  }
  const columns = featureNames.map((name) => header.indexOf(name));
  const rows = records.length - 1;
  if (rows === 0) throw new InvalidDataError('CSV has a header but no data rows');
  const x = denseMatrix(rows, featureNames.length);
  for (let i = 0; i < rows; i++) {
    const { record, line } = records[i + 1];
    columns.forEach((column, j) => {
      x.data[i * columns.length + j] = parseCell(record[column], line, header[column]);
    });
  }
  return x;
}

interface CsvRecord {
  readonly record: string[];
  readonly line: number;
}

function parseRecords(text: string): CsvRecord[] {
  try {
    // With `info: true` each record comes as { record, info }; the typings do not model that option.
    const parsed = parse(text, { bom: true, info: true, skip_empty_lines: true }) as unknown as { record: string[]; info: { lines: number } }[];
    return parsed.map(({ record, info }) => ({ record, line: info.lines }));
  } catch (error) {
    if (error instanceof CsvError) throw new InvalidDataError(`malformed CSV: ${error.message}`);
    throw error;
  }
}

/** Plain decimal or scientific notation only: no hex, no "Infinity"/"NaN", no empty cell. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseCell(raw: string, line: number, column: string): number {
  const text = raw.trim();
  const value = NUMBER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) throw new InvalidDataError(`line ${line}, column "${column}": "${raw}" is not a finite number`);
  return value;
}
