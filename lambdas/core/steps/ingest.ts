import { createHash } from 'node:crypto';
import { z } from 'zod';
import { featureTableColumns, partitionOf } from '../contract/table.ts';
import type { Reading } from '../contract/validate.ts';
import { encodeParquet } from '../data/parquet.ts';
import { UnusableFileError } from '../errors.ts';
import { ObjectNotFoundError, PreconditionFailedError } from '../ports/object-store.ts';
import type { IngestedFile } from '../report/report-data.ts';
import type { StepContext } from './context.ts';
import { readReadingsCsv } from './readings-csv.ts';
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

export type { QuarantinedRow } from './readings-csv.ts';

const ingestInputSchema = z.looseObject({ key: z.string().min(1), runName });

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
  const parsed = await readReadingsCsv(key, object.body, contract, { requireLabel: true });
  const ingestedAt = context.now();
  // A reading's partition is its own day when it has a timestamp, else the day the file landed.
  const dtOf = (reading: Reading): string =>
    contract.timestamp ? partitionOf(reading[contract.timestamp.name] as Date) : partitionOf(object.lastModified);
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
    quarantineKey = `${QUARANTINE_PREFIX}dt=${partitionOf(ingestedAt)}/${name}.jsonl`;
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
