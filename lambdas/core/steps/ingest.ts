import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { z } from 'zod';
import { bindHeader } from '../contract/header.ts';
import { featureTableColumns } from '../contract/table.ts';
import { type Reading, validateRecord } from '../contract/validate.ts';
import { encodeParquet } from '../data/parquet.ts';
import { UnusableFileError } from '../errors.ts';
import { ObjectNotFoundError, PreconditionFailedError } from '../ports/object-store.ts';
import type { IngestedFile } from '../report/report-data.ts';
import type { StepContext } from './context.ts';
import { parseStepInput, runName } from './run-state.ts';

/**
 * ValidateAndIngest: one landing CSV → typed readings as Parquet under `lake/features/dt=…/`,
 * every rejected row with its line and reason under `lake/quarantine/`. The landing file is only
 * read. Everything written is named by the file's content hash, and a marker written last
 * (create-only) says the content was ingested: the same bytes ingest once, under any key.
 */

export const LANDING_TRAINING_PREFIX = 'landing/training/';
export const FEATURES_PREFIX = 'lake/features/';
export const QUARANTINE_PREFIX = 'lake/quarantine/';
export const INGESTED_PREFIX = 'lake/ingested/';

const ingestInputSchema = z.looseObject({ key: z.string().min(1), runName });

/** A rejected row, as stored in quarantine (one JSON object per line). */
export interface QuarantinedRow {
  readonly source: string;
  readonly line: number;
  readonly reason: string;
  /** The raw fields by header name, so the row can be fixed and re-uploaded. */
  readonly values: Record<string, string>;
}

export interface IngestResult extends IngestedFile {
  readonly sha256: string;
  readonly featureKeys: readonly string[];
  readonly quarantineKey: string | null;
}

export const ingestResultSchema = z.object({
  key: z.string(),
  status: z.enum(['ingested', 'already-ingested']),
  rowsRead: z.int(),
  rowsValid: z.int(),
  rowsQuarantined: z.int(),
  sha256: z.string(),
  featureKeys: z.array(z.string()),
  quarantineKey: z.string().nullable(),
});

function utcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Rejects what cannot be a CSV before parsing: binary content or text that is not UTF-8. */
function decodeCsvText(key: string, body: Uint8Array): string {
  if (body.byteLength === 0) throw new UnusableFileError(`${key} is empty`);
  if (body.includes(0)) throw new UnusableFileError(`${key} is not a CSV file: it contains binary data`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new UnusableFileError(`${key} is not a CSV file: it is not UTF-8 text`);
  }
}

interface ParsedFile {
  readonly header: string[];
  readonly valid: { readonly line: number; readonly reading: Reading }[];
  readonly quarantined: QuarantinedRow[];
  readonly rowsRead: number;
}

/** Streams the CSV through csv-parse, validating each record against the contract as it arrives. */
async function parseAndValidate(key: string, text: string, context: StepContext): Promise<ParsedFile> {
  const parser = Readable.from([text]).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  let header: string[] | undefined;
  let binding: ReturnType<typeof bindHeader> | undefined;
  const valid: ParsedFile['valid'] = [];
  const quarantined: QuarantinedRow[] = [];
  // A reading's identity in one file: its id, and its time when the contract has one.
  const firstLineOf = new Map<string, number>();
  const { contract } = context;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (header === undefined) {
        header = record.map((name) => name.trim());
        try {
          binding = bindHeader(contract, header, { requireLabel: true });
        } catch (error) {
          // Name the file, as every other unusable-file message does (a run may ingest several).
          if (error instanceof UnusableFileError) throw new UnusableFileError(`${key}: ${error.message}`, { cause: error });
          throw error;
        }
        continue;
      }
      const line = info.lines;
      const values = Object.fromEntries(header.map((name, i) => [name, record[i] ?? '']));
      const checked = validateRecord(binding!, record);
      if (!checked.ok) {
        quarantined.push({ source: key, line, reason: checked.reason, values });
        continue;
      }
      const reading = checked.reading;
      const identity = JSON.stringify([reading[contract.id.name], contract.timestamp ? String(reading[contract.timestamp.name]) : null]);
      const first = firstLineOf.get(identity);
      if (first !== undefined) {
        quarantined.push({ source: key, line, reason: `duplicate reading: ${contract.id.name} ${String(reading[contract.id.name])} already appears on line ${first}`, values });
        continue;
      }
      firstLineOf.set(identity, line);
      valid.push({ line, reading });
    }
  } catch (error) {
    if (error instanceof CsvError) throw new UnusableFileError(`${key} is not a valid CSV file: ${error.message}`, { cause: error });
    throw error;
  }
  if (header === undefined) throw new UnusableFileError(`${key} has no header row`);
  const rowsRead = valid.length + quarantined.length;
  if (rowsRead === 0) throw new UnusableFileError(`${key} has a header but no data rows`);
  if (valid.length === 0) {
    const reasons = [...new Set(quarantined.slice(0, 3).map((row) => `line ${row.line}: ${row.reason}`))].join('; ');
    throw new UnusableFileError(`${key}: none of its ${rowsRead} rows is valid (${reasons})`);
  }
  return { header, valid, quarantined, rowsRead };
}

async function alreadyIngested(context: StepContext, markerKey: string): Promise<IngestResult | undefined> {
  try {
    const { body } = await context.store.get(markerKey);
    return ingestResultSchema.parse(JSON.parse(new TextDecoder().decode(body)));
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

export async function validateAndIngest(input: unknown, context: StepContext): Promise<IngestResult> {
  const { key } = parseStepInput('ValidateAndIngest', ingestInputSchema, input);
  if (!key.startsWith('landing/')) throw new RangeError(`ValidateAndIngest reads landing files only; ${key} is not under landing/`);
  let object;
  try {
    object = await context.store.get(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new UnusableFileError(`${key} does not exist in the landing zone`);
    throw error;
  }
  const sha256 = createHash('sha256').update(object.body).digest('hex');
  const markerKey = `${INGESTED_PREFIX}${sha256}.json`;
  const earlier = await alreadyIngested(context, markerKey);
  if (earlier !== undefined) {
    context.progress({ kind: 'message', text: `${key}: same content as ${earlier.key}, ingested before; nothing to do` });
    return { ...earlier, key, status: 'already-ingested' };
  }

  const { contract } = context;
  const parsed = await parseAndValidate(key, decodeCsvText(key, object.body), context);
  const ingestedAt = context.now();
  // A reading's partition is its own day when it has a timestamp, else the day the file landed.
  const dtOf = (reading: Reading): string =>
    contract.timestamp ? utcDate(reading[contract.timestamp.name] as Date) : utcDate(object.lastModified);
  const partitions = new Map<string, Record<string, number | string | Date | null>[]>();
  for (const { line, reading } of parsed.valid) {
    const dt = dtOf(reading);
    if (!partitions.has(dt)) partitions.set(dt, []);
    partitions.get(dt)!.push({ ...reading, source_key: key, source_line: line, ingested_at: ingestedAt });
  }
  const name = sha256.slice(0, 32);
  const columns = featureTableColumns(contract);
  const featureKeys: string[] = [];
  for (const [dt, rows] of [...partitions].sort(([a], [b]) => a.localeCompare(b))) {
    const featureKey = `${FEATURES_PREFIX}dt=${dt}/${name}.parquet`;
    await context.store.put(featureKey, encodeParquet(columns, rows));
    featureKeys.push(featureKey);
  }
  let quarantineKey: string | null = null;
  if (parsed.quarantined.length > 0) {
    quarantineKey = `${QUARANTINE_PREFIX}dt=${utcDate(ingestedAt)}/${name}.jsonl`;
    await context.store.put(quarantineKey, parsed.quarantined.map((row) => JSON.stringify(row)).join('\n') + '\n', { contentType: 'application/x-ndjson' });
  }
  const result: IngestResult = {
    key,
    status: 'ingested',
    rowsRead: parsed.rowsRead,
    rowsValid: parsed.valid.length,
    rowsQuarantined: parsed.quarantined.length,
    sha256,
    featureKeys,
    quarantineKey,
  };
  try {
    await context.store.put(markerKey, JSON.stringify(result, null, 2), { ifNoneMatch: '*', contentType: 'application/json' });
  } catch (error) {
    // A concurrent ingest of the same bytes wrote the same files under the same names first.
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  context.progress({
    kind: 'message',
    text: `${key}: ${result.rowsValid} of ${result.rowsRead} rows valid${quarantineKey ? `, ${result.rowsQuarantined} quarantined (${quarantineKey})` : ''}`,
  });
  return result;
}
