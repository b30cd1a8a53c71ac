import { readFileSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse/sync';
import { InvalidDataError } from '../errors.ts';
import type { NumericDataset } from '../ml/dataset.ts';
import { denseMatrix, type DenseMatrix } from '../ml/dense.ts';

export type { NumericDataset } from '../ml/dataset.ts';

/** Options of {@link readNumericCsv} / {@link parseNumericCsv}. */
export interface NumericCsvOptions {
  /** Name of the 0/1 label column. */
  readonly label: string;
  /** Feature columns, in the order wanted; default: every column except the label, in file order. */
  readonly features?: readonly string[];
}

/** Where a CSV comes from: a file path (string or file: URL), or the text itself. */
export type CsvSource = string | URL | { readonly text: string };

/**
 * Reads a numeric CSV (header row, comma-separated, UTF-8 with or without BOM, LF or CRLF).
 * @param source a file path / file URL, or `{ text }` with the CSV contents
 * @throws InvalidDataError naming line, column and value for any non-numeric or non-finite cell or a
 *   label other than 0/1; listing the available columns for an unknown column
 */
export function readNumericCsv(source: CsvSource, options: NumericCsvOptions): NumericDataset {
  const text = typeof source === 'object' && 'text' in source ? source.text : readFileSync(source, 'utf8');
  return parseNumericCsv(text, options);
}

/** {@link readNumericCsv} on CSV text. */
export function parseNumericCsv(text: string, options: NumericCsvOptions): NumericDataset {
  const records = parseRecords(text);
  if (records.length === 0) throw new InvalidDataError('CSV is empty: expected a header row');
  const header = records[0].record.map((name) => name.trim());
  checkUniqueHeader(header);
  const labelIndex = columnIndex(header, options.label, 'label');
  const featureNames = options.features ? [...options.features] : header.filter((_, j) => j !== labelIndex);
  const featureIndex = featureNames.map((name) => columnIndex(header, name, 'feature'));
  if (featureIndex.includes(labelIndex)) {
    throw new InvalidDataError(`label column "${options.label}" cannot also be a feature`);
  }
  if (new Set(featureNames).size !== featureNames.length) {
    throw new InvalidDataError(`feature list has duplicates: ${featureNames.join(', ')}`);
  }

  const rows = records.length - 1;
  if (rows === 0) throw new InvalidDataError('CSV has a header but no data rows');
  const X = denseMatrix(rows, featureNames.length);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const { record, line } = records[i + 1];
    featureIndex.forEach((column, j) => {
      X.data[i * featureNames.length + j] = parseCell(record[column], line, header[column]);
    });
    const label = parseCell(record[labelIndex], line, header[labelIndex]);
    if (label !== 0 && label !== 1) {
      throw new InvalidDataError(
        `line ${line}, column "${header[labelIndex]}": label "${record[labelIndex]}" must be 0 or 1`,
      );
    }
    y[i] = label;
  }
  return { X, y, featureNames };
}

/**
 * Reads the feature columns a model needs, by name and in the model's order, from rows that have
 * no label yet (rows to be scored); other columns (ids, labels, notes) are ignored.
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

/** A cell value for {@link writeCsv}. */
export type CsvCell = string | number | boolean;

/**
 * Formats records as CSV text: a header of `columns`, then one line per row, `\n` line endings.
 * Numbers are written in JavaScript's shortest round-trip form, so reading them back gives the
 * identical doubles; booleans as 1/0; text is quoted when it holds a comma, quote or line break.
 * @throws InvalidDataError for a missing column, a NaN/±Infinity value or a value of another type
 */
export function writeCsv<C extends string>(
  rows: readonly Readonly<Record<NoInfer<C>, CsvCell>>[],
  columns: readonly C[],
): string {
  const lines = [columns.map(quote).join(',')];
  rows.forEach((r, i) => {
    const cells = columns.map((column) => {
      if (!(column in r)) throw new InvalidDataError(`writeCsv: row ${i} has no column "${column}"`);
      return formatCell(r[column], i, column);
    });
    lines.push(cells.join(','));
  });
  return lines.join('\n') + '\n';
}

interface CsvRecord {
  readonly record: string[];
  /** 1-based line number in the source where the record ends. */
  readonly line: number;
}

function parseRecords(text: string): CsvRecord[] {
  try {
    // With `info: true` each record comes as { record, info }; the typings do not model that option.
    const parsed = parse(text, { bom: true, info: true, skip_empty_lines: true }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    return parsed.map(({ record, info }) => ({ record, line: info.lines }));
  } catch (error) {
    // Ragged rows, unclosed quotes …: keep csv-parse's message (it names the line).
    if (error instanceof CsvError) throw new InvalidDataError(`malformed CSV: ${error.message}`);
    throw error;
  }
}

/** Plain decimal or scientific notation only: no hex, no "Infinity"/"NaN", no empty cell. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseCell(raw: string, line: number, column: string): number {
  const text = raw.trim();
  const value = NUMBER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) {
    throw new InvalidDataError(`line ${line}, column "${column}": "${raw}" is not a finite number`);
  }
  return value;
}

function columnIndex(header: readonly string[], name: string, role: 'label' | 'feature'): number {
  const index = header.indexOf(name);
  if (index < 0) {
    throw new InvalidDataError(`unknown ${role} column "${name}"; available columns: ${header.join(', ')}`);
  }
  return index;
}

function checkUniqueHeader(header: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new InvalidDataError(`CSV header names column "${name}" twice`);
    seen.add(name);
  }
}

function formatCell(value: unknown, row: number, column: string): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new InvalidDataError(`writeCsv: row ${row}, column "${column}" is ${value}; only finite numbers can be written`);
    }
    return String(value);
  }
  if (typeof value === 'string') return quote(value);
  throw new InvalidDataError(`writeCsv: row ${row}, column "${column}" is ${typeof value}; expected a number, string or boolean`);
}

function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
