import type { DataContract } from '../contract/contract.ts';
import { bindHeader, type HeaderBinding } from '../contract/header.ts';
import { type Reading, validateRecord } from '../contract/validate.ts';
import { splitCsvLine } from '../data/csv-fields.ts';
import { physicalLines } from '../data/csv-lines.ts';
import { UnusableFileError } from '../errors.ts';
import { FirstLines } from './first-lines.ts';

/**
 * The one reader of landing files (ingest, batch scoring, `prognos predict`): a byte stream of
 * CSV, split into physical lines, each line into fields, each record checked against the
 * contract as it arrives. Memory does not grow with the file: readings go to a sink one by one.
 *
 * A fault of one line (a stray or unbalanced quote, a wrong field count, bytes that are not
 * UTF-8, a value the contract refuses, a repeated reading) quarantines that line with its
 * number and reason; the rest of the file is read. Only faults of the file as a whole make it
 * unusable (UnusableFileError): empty, a first line that is not text, a header that does not
 * match the contract, no data rows.
 */

/** A rejected row, as stored in quarantine (one JSON object per line). */
export interface QuarantinedRow {
  readonly source: string;
  /** The physical line in the file, 1-based (the header is usually line 1). */
  readonly line: number;
  readonly reason: string;
  /** The raw fields by header name, so the row can be fixed and re-uploaded; empty when the line could not be split into fields. */
  readonly values: Record<string, string>;
  /** The line's text (cut at 500 characters) when it could not be split into fields. */
  readonly raw?: string;
}

export interface ReadingsSink {
  reading(line: number, reading: Reading): void | Promise<void>;
  quarantined(row: QuarantinedRow): void | Promise<void>;
}

export interface ReadSummary {
  readonly rowsRead: number;
  readonly rowsValid: number;
  readonly rowsQuarantined: number;
}

export interface ReadOptions {
  /** Training files must carry the label; files to be scored need not. */
  readonly requireLabel: boolean;
}

/** The bytes of a file: whole, or as a stream of chunks. */
export type CsvBytes = Uint8Array | AsyncIterable<Uint8Array>;

async function* chunksOf(bytes: CsvBytes): AsyncIterable<Uint8Array> {
  if (bytes instanceof Uint8Array) yield bytes;
  else yield* bytes;
}

const isBlank = (text: string): boolean => text.trim() === '';

/** Ends a read early (checkReadingsCsv): not an error. */
class StopReading extends Error {
  override readonly name = 'StopReading' as const;
}

/**
 * Reads every record of `bytes` into `sink`.
 * @param source names the file in messages and quarantined rows (the landing key, or a path)
 * @throws UnusableFileError naming the file when it cannot be used as a whole
 */
export async function streamReadingsCsv(source: string, bytes: CsvBytes, contract: DataContract, options: ReadOptions, sink: ReadingsSink): Promise<ReadSummary> {
  let binding: HeaderBinding | undefined;
  let valid = 0;
  let quarantined = 0;
  let sawLine = false;
  // A reading's identity in one file, as ingest has it: its id, and its time when the contract has one.
  const firstLineOf = new FirstLines();
  const identityOf = (reading: Reading): string | number => {
    const id = reading[contract.id.name] as string | number;
    if (contract.timestamp === undefined) return typeof id === 'number' ? id : `s${id}`;
    return `${typeof id === 'number' ? 'n' : 's'}${String(id)}\u0000${(reading[contract.timestamp.name] as Date).getTime()}`;
  };
  const reject = async (row: QuarantinedRow): Promise<void> => {
    quarantined++;
    await sink.quarantined(row);
  };

  for await (const physical of physicalLines(chunksOf(bytes))) {
    sawLine = true;
    const { line } = physical;
    if (binding === undefined) {
      if (physical.kind === 'fault') throw new UnusableFileError(`${source} is not a CSV text file: line ${line}: ${physical.reason}`);
      if (isBlank(physical.text)) continue;
      const split = splitCsvLine(physical.text);
      if (!split.ok) throw new UnusableFileError(`${source}: the header (line ${line}) is not valid CSV: ${split.reason}`);
      try {
        binding = bindHeader(contract, split.fields, { requireLabel: options.requireLabel });
      } catch (error) {
        if (error instanceof UnusableFileError) throw new UnusableFileError(`${source}: ${error.message}`, { cause: error });
        throw error;
      }
      continue;
    }
    if (physical.kind === 'fault') {
      await reject({ source, line, reason: physical.reason, values: {}, raw: physical.raw });
      continue;
    }
    if (isBlank(physical.text)) continue;
    const split = splitCsvLine(physical.text);
    if (!split.ok) {
      await reject({ source, line, reason: split.reason, values: {}, raw: cut(physical.text) });
      continue;
    }
    const checked = validateRecord(binding, split.fields);
    if (!checked.ok) {
      await reject({ source, line, reason: checked.reason, values: valuesOf(binding.header, split.fields) });
      continue;
    }
    const identity = identityOf(checked.reading);
    const first = firstLineOf.get(identity);
    if (first !== undefined) {
      const reason = `duplicate reading: ${contract.id.name} ${String(checked.reading[contract.id.name])} already appears on line ${first}`;
      await reject({ source, line, reason, values: valuesOf(binding.header, split.fields) });
      continue;
    }
    firstLineOf.set(identity, line);
    valid++;
    await sink.reading(line, checked.reading);
  }
  if (!sawLine) throw new UnusableFileError(`${source} is empty`);
  if (binding === undefined) throw new UnusableFileError(`${source} has no header row: every line is blank`);
  if (valid + quarantined === 0) throw new UnusableFileError(`${source} has a header but no data rows`);
  return { rowsRead: valid + quarantined, rowsValid: valid, rowsQuarantined: quarantined };
}

/**
 * Checks what makes a file usable or not — text, a header that matches the contract, at least
 * one data row — reading only as far as the first data row (`prognos ingest` before landing).
 * @throws UnusableFileError with the reason
 */
export async function checkReadingsCsv(source: string, bytes: CsvBytes, contract: DataContract, options: ReadOptions): Promise<void> {
  const stop = (): never => {
    throw new StopReading();
  };
  try {
    await streamReadingsCsv(source, bytes, contract, options, { reading: stop, quarantined: stop });
  } catch (error) {
    if (!(error instanceof StopReading)) throw error;
  }
}

export interface ReadingRows extends ReadSummary {
  readonly valid: { readonly line: number; readonly reading: Reading }[];
  readonly quarantined: QuarantinedRow[];
}

/** Reads the whole file into memory: for callers that need every row at once (scoring with a model). */
export async function readReadingsCsv(source: string, bytes: CsvBytes, contract: DataContract, options: ReadOptions): Promise<ReadingRows> {
  const valid: ReadingRows['valid'] = [];
  const quarantined: QuarantinedRow[] = [];
  const summary = await streamReadingsCsv(source, bytes, contract, options, {
    reading: (line, reading) => void valid.push({ line, reading }),
    quarantined: (row) => void quarantined.push(row),
  });
  return { ...summary, valid, quarantined };
}

/** The raw fields by header name, so a quarantined row can be fixed and landed again. */
function valuesOf(header: readonly string[], record: readonly string[]): Record<string, string> {
  const values = Object.fromEntries(header.map((name, i) => [name, record[i] ?? '']));
  // Fields beyond the header are kept too, under their position.
  for (let i = header.length; i < record.length; i++) values[`(field ${i + 1})`] = record[i];
  return values;
}

function cut(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
