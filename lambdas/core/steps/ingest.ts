import { createHash } from 'node:crypto';
import { z } from 'zod';
import { featureTableColumns, partitionOf } from '../contract/table.ts';
import type { Reading } from '../contract/validate.ts';
import { UnusableFileError } from '../errors.ts';
import { ObjectNotFoundError, PreconditionFailedError, type StreamedObject } from '../ports/object-store.ts';
import type { IngestedFile } from '../report/model/report-data.ts';
import type { StepContext } from './context.ts';
import { readIngestedFile, readSetAside, type SetAsideRecord, writeIngestedFile, writeSetAside } from './landing-records.ts';
import { JsonLinesPartWriter, ParquetPartWriter } from './lake-parts.ts';
import { type QuarantinedRow, streamReadingsCsv } from './readings-csv.ts';
import { parseStepInput, runName } from './run-state.ts';
import { FEATURES_PREFIX, ingestedMarkerKey, LANDING_PREFIX, QUARANTINE_PREFIX, setAsideKey } from '../storage-keys.ts';

/**
 * ValidateAndIngest: one landing CSV → typed readings as Parquet under `lake/features/dt=…/`,
 * every rejected row with its line and reason under `lake/quarantine/`. The landing file is only
 * read, as a stream: parse → validate → Parquet parts of bounded size, so memory does not grow
 * with the file. Everything written is named by the file's content hash, and a marker written
 * last (create-only) says the content was ingested: the same bytes ingest once, under any key.
 *
 * A file that cannot be used as a whole (not text, no header, a header the contract does not
 * match, no data rows), or whose content changed after it was ingested, is set aside: a record
 * under `lake/quarantine/files/` with the reason, and a 'quarantined' result, so the run goes
 * on with the other files and later runs skip it. Only real errors (the store failing) throw.
 */


export type { QuarantinedRow } from './readings-csv.ts';

const ingestInputSchema = z.looseObject({
  key: z.string().min(1),
  runName,
  /**
   * The run's start (`$$.Execution.StartTime`), stamped on every reading as `ingested_at`: all
   * files of one run share it, so the latest reading per id is decided by run, then by key and
   * line, never by which file finished parsing first. Absent (a direct call): the step's clock.
   */
  runStartedAt: z.iso.datetime({ offset: true }).optional(),
});

export const ingestResultSchema = z.object({
  key: z.string(),
  /** 'quarantined': the whole file was set aside (see `reason`); nothing of it was ingested now. */
  status: z.enum(['ingested', 'already-ingested', 'quarantined']),
  rowsRead: z.int(),
  rowsValid: z.int(),
  rowsQuarantined: z.int(),
  sha256: z.string(),
  featureKeys: z.array(z.string()),
  /** Files of rejected rows (JSON Lines), in parts like the features. */
  quarantineKeys: z.array(z.string()).default([]),
  /** Why the file was set aside; null unless quarantined. */
  reason: z.string().nullable().default(null),
  /** The record of the file set aside (`lake/quarantine/files/…`); null unless quarantined. */
  setAsideKey: z.string().nullable().default(null),
});

export type IngestResult = z.infer<typeof ingestResultSchema> & IngestedFile;

/** The landing file changed between the two reads of one ingest (hash, then parse); a retry reads it again. */
export class LandingFileChangedError extends Error {
  override readonly name = 'LandingFileChangedError' as const;
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

async function openLanding(context: StepContext, key: string): Promise<StreamedObject> {
  try {
    return await context.store.getStream(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new UnusableFileError(`${key} does not exist in the landing zone`);
    throw error;
  }
}

async function hashOf(body: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk);
  return hash.digest('hex');
}

/** Passes the chunks on while hashing them; `digest()` after the last one. */
function hashing(body: AsyncIterable<Uint8Array>): { chunks: AsyncIterable<Uint8Array>; digest: () => string } {
  const hash = createHash('sha256');
  async function* chunks(): AsyncIterable<Uint8Array> {
    for await (const chunk of body) {
      hash.update(chunk);
      yield chunk;
    }
  }
  return { chunks: chunks(), digest: () => hash.digest('hex') };
}

function quarantinedResult(key: string, sha256: string, record: SetAsideRecord, recordKey: string): IngestResult {
  return {
    key,
    status: 'quarantined',
    rowsRead: 0,
    rowsValid: 0,
    rowsQuarantined: 0,
    sha256,
    featureKeys: [],
    quarantineKeys: [],
    reason: record.reason,
    setAsideKey: recordKey,
  };
}

export async function validateAndIngest(input: unknown, context: StepContext): Promise<IngestResult> {
  const { key, runStartedAt } = parseStepInput('ValidateAndIngest', ingestInputSchema, input);
  if (!key.startsWith(LANDING_PREFIX)) throw new RangeError(`ValidateAndIngest reads landing files only; ${key} is not under ${LANDING_PREFIX}`);
  const { store } = context;

  // First pass: the content hash names everything, so it is known before anything is written.
  const first = await openLanding(context, key);
  const sha256 = await hashOf(first.body);

  const setAside = await readSetAside(store, key);
  if (setAside !== undefined && setAside.sha256 === sha256) {
    context.progress({ kind: 'message', text: `${key}: set aside ${setAside.setAsideAt.slice(0, 10)}, skipped: ${setAside.reason}` });
    return quarantinedResult(key, sha256, setAside, setAsideKey(key));
  }
  const before = await readIngestedFile(store, key);
  if (before !== undefined && before.sha256 !== sha256) {
    const record: SetAsideRecord = {
      key,
      sha256,
      etag: first.etag,
      kind: 'edited',
      reason:
        `${key} changed after it was ingested on ${before.ingestedAt.slice(0, 10)} (content hash ${sha256.slice(0, 12)}…, was ${before.sha256.slice(0, 12)}…); ` +
        `landing files are never edited: its ${before.rowsValid} rows from the earlier content stay in the lake (${before.featureKeys.join(', ') || 'no feature files'}); land the corrected file under a new name`,
      setAsideAt: context.now().toISOString(),
      staleRows: { sha256: before.sha256, rows: before.rowsValid, featureKeys: before.featureKeys },
    };
    const recordKey = await writeSetAside(store, record);
    context.progress({ kind: 'message', text: `${key}: quarantined: ${record.reason}` });
    return quarantinedResult(key, sha256, record, recordKey);
  }

  const markerKey = ingestedMarkerKey(sha256);
  const earlier = await alreadyIngested(context, markerKey);
  if (earlier !== undefined) {
    await writeIngestedFile(store, { key, sha256, etag: first.etag, ingestedAt: context.now().toISOString(), rowsRead: earlier.rowsRead, rowsValid: earlier.rowsValid, rowsQuarantined: earlier.rowsQuarantined, featureKeys: earlier.featureKeys });
    context.progress({ kind: 'message', text: `${key}: same content as ${earlier.key}, ingested before; nothing to do` });
    return { ...earlier, key, status: 'already-ingested' };
  }

  // Second pass: parse → validate → Parquet parts, hashed again to be sure it is the same content.
  const second = await openLanding(context, key);
  const streamed = hashing(second.body);
  const { contract } = context;
  const ingestedAt = runStartedAt === undefined ? context.now() : new Date(runStartedAt);
  const name = sha256.slice(0, 32);
  const features = new ParquetPartWriter(store, name, featureTableColumns(contract));
  const rejected = new JsonLinesPartWriter<QuarantinedRow>(store, name);
  const quarantineFolder = `${QUARANTINE_PREFIX}dt=${partitionOf(ingestedAt)}/`;
  // A reading's partition is its own day when it has a timestamp, else the day the file landed.
  const dtOf = (reading: Reading): string => (contract.timestamp ? partitionOf(reading[contract.timestamp.name] as Date) : partitionOf(second.lastModified));
  let summary;
  try {
    summary = await streamReadingsCsv(key, streamed.chunks, contract, { requireLabel: true }, {
      reading: (line, reading) => features.add(`${FEATURES_PREFIX}dt=${dtOf(reading)}/`, { ...reading, source_key: key, source_line: line, ingested_at: ingestedAt }),
      quarantined: (row) => rejected.add(quarantineFolder, row),
    });
  } catch (error) {
    if (!(error instanceof UnusableFileError)) throw error;
    const record: SetAsideRecord = { key, sha256, etag: first.etag, kind: 'unusable', reason: error.message, setAsideAt: ingestedAt.toISOString(), staleRows: null };
    const recordKey = await writeSetAside(store, record);
    context.progress({ kind: 'message', text: `${key}: unusable, set aside (${recordKey}): ${error.message}` });
    return quarantinedResult(key, sha256, record, recordKey);
  }
  if (streamed.digest() !== sha256) {
    throw new LandingFileChangedError(`${key} changed while it was being ingested (its content hash differs between two reads); run again to ingest what it holds now`);
  }
  const featureKeys = await features.finish();
  const quarantineKeys = await rejected.finish();
  const result: IngestResult = {
    key,
    status: 'ingested',
    rowsRead: summary.rowsRead,
    rowsValid: summary.rowsValid,
    rowsQuarantined: summary.rowsQuarantined,
    sha256,
    featureKeys,
    quarantineKeys,
    reason: null,
    setAsideKey: null,
  };
  try {
    await store.put(markerKey, JSON.stringify(result, null, 2), { ifNoneMatch: '*', contentType: 'application/json' });
  } catch (error) {
    // A concurrent ingest of the same bytes wrote the same files under the same names first.
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  await writeIngestedFile(store, { key, sha256, etag: first.etag, ingestedAt: ingestedAt.toISOString(), rowsRead: result.rowsRead, rowsValid: result.rowsValid, rowsQuarantined: result.rowsQuarantined, featureKeys });
  context.progress({
    kind: 'message',
    text: `${key}: ${result.rowsValid} of ${result.rowsRead} rows valid${quarantineKeys.length > 0 ? `, ${result.rowsQuarantined} quarantined (${quarantineKeys.join(', ')})` : ''}`,
  });
  return result;
}
