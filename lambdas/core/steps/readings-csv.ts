import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { DataContract } from '../contract/contract.ts';
import { bindHeader } from '../contract/header.ts';
import { type Reading, validateRecord } from '../contract/validate.ts';
import { UnusableFileError } from '../errors.ts';

/**
 * A landing file of readings, streamed through csv-parse with each record checked against the
 * contract as it arrives: valid readings with their line, and every bad row with its line and
 * reason (quarantine). Training files must carry the label; files to be scored need not.
 */

/** A rejected row, as stored in quarantine (one JSON object per line). */
export interface QuarantinedRow {
  readonly source: string;
  readonly line: number;
  readonly reason: string;
  /** The raw fields by header name, so the row can be fixed and re-uploaded. */
  readonly values: Record<string, string>;
}

export interface ReadingRows {
  readonly valid: { readonly line: number; readonly reading: Reading }[];
  readonly quarantined: QuarantinedRow[];
  readonly rowsRead: number;
}

/** Rejects what cannot be a CSV before parsing: empty, binary content, or text that is not UTF-8. */
function decodeCsvText(key: string, body: Uint8Array): string {
  if (body.byteLength === 0) throw new UnusableFileError(`${key} is empty`);
  if (body.includes(0)) throw new UnusableFileError(`${key} is not a CSV file: it contains binary data`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new UnusableFileError(`${key} is not a CSV file: it is not UTF-8 text`);
  }
}

/**
 * @throws UnusableFileError naming the file when it cannot be scored as a whole: empty, binary,
 *   not UTF-8, not CSV, no header, a header that does not match the contract, no data row, or no
 *   valid row
 */
export async function readReadingsCsv(key: string, body: Uint8Array, contract: DataContract, options: { readonly requireLabel: boolean }): Promise<ReadingRows> {
  const text = decodeCsvText(key, body);
  const parser = Readable.from([text]).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  let header: string[] | undefined;
  let binding: ReturnType<typeof bindHeader> | undefined;
  const valid: ReadingRows['valid'] = [];
  const quarantined: QuarantinedRow[] = [];
  // A reading's identity in one file, as ingest has it: its id, and its time when the contract has one.
  const firstLineOf = new Map<string, number>();
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (binding === undefined) {
        header = record.map((name) => name.trim());
        try {
          binding = bindHeader(contract, header, { requireLabel: options.requireLabel });
        } catch (error) {
          if (error instanceof UnusableFileError) throw new UnusableFileError(`${key}: ${error.message}`, { cause: error });
          throw error;
        }
        continue;
      }
      const line = info.lines;
      const checked = validateRecord(binding, record);
      if (!checked.ok) {
        quarantined.push({ source: key, line, reason: checked.reason, values: valuesOf(header!, record) });
        continue;
      }
      const reading = checked.reading;
      const identity = JSON.stringify([reading[contract.id.name], contract.timestamp ? String(reading[contract.timestamp.name]) : null]);
      const first = firstLineOf.get(identity);
      if (first !== undefined) {
        const reason = `duplicate reading: ${contract.id.name} ${String(reading[contract.id.name])} already appears on line ${first}`;
        quarantined.push({ source: key, line, reason, values: valuesOf(header!, record) });
        continue;
      }
      firstLineOf.set(identity, line);
      valid.push({ line, reading });
    }
  } catch (error) {
    if (error instanceof CsvError) throw new UnusableFileError(`${key} is not a valid CSV file: ${error.message}`, { cause: error });
    throw error;
  }
  if (binding === undefined) throw new UnusableFileError(`${key} has no header row`);
  const rowsRead = valid.length + quarantined.length;
  if (rowsRead === 0) throw new UnusableFileError(`${key} has a header but no data rows`);
  if (valid.length === 0) {
    const reasons = [...new Set(quarantined.slice(0, 3).map((row) => `line ${row.line}: ${row.reason}`))].join('; ');
    throw new UnusableFileError(`${key}: none of its ${rowsRead} rows is valid (${reasons})`);
  }
  return { valid, quarantined, rowsRead };
}

/** The raw fields by header name, so a quarantined row can be fixed and landed again. */
function valuesOf(header: readonly string[], record: readonly string[]): Record<string, string> {
  return Object.fromEntries(header.map((name, i) => [name, record[i] ?? '']));
}
