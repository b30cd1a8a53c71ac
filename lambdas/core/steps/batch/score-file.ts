import { createHash } from 'node:crypto';
import { z } from 'zod';
import { encodeRows } from '../../contract/encode.ts';
import { explanationCost } from '../../contract/explanation-features.ts';
import { partitionOf } from '../../contract/table.ts';
import { predictionTableColumns } from '../../contract/predictions-table.ts';
import { encodeParquet } from '../../data/parquet.ts';
import type { TableRow } from '../../data/table-column.ts';
import { summarizeBatch } from '../../drift/summary.ts';
import { UnusableFileError } from '../../errors.ts';
import { ObjectNotFoundError, PreconditionFailedError } from '../../ports/object-store.ts';
import { scoreHistogram } from '../../report/batch/batch-score-histogram.ts';
import type { ArtifactManifest } from '../../ml/artifact.ts';
import { needsReview, reviewLevelOf } from '../../ml/review.ts';
import type { StepContext } from '../context.ts';
import type { QuarantinedRow } from '../readings-csv.ts';
import { parseStepInput, runName } from '../run-state.ts';
import type { ScoringSize } from '../step-cost.ts';
import { maxScoringRows } from '../step-limits.ts';
import {
  DEFAULT_MAX_FILE_BYTES,
  type ScoreFileResult,
  scoreFileResultSchema,
  type ScoreFileStateResult,
  stateResult,
} from './batch-state.ts';
import { loadServingModel, type ServingModel } from './champion-model.ts';
import { type FileOutcomes, fileOutcomes, writeFileOutcomes } from './file-outcomes.ts';
import { type LedgerEntry, readLedgerEntry, writeLedgerEntry } from './scored-ledger.ts';
import { readReadingsCsv } from '../readings-csv.ts';
import { bareEtag, batchFileKey, fileOutcomesKey, LANDING_INFERENCE_PREFIX, PREDICTIONS_PREFIX, QUARANTINE_PREFIX, scoredMarkerKey } from '../../storage-keys.ts';

/**
 * ScoreFile: one `landing/inference/` CSV → its predictions as Parquet under
 * `lake/predictions/dt=<UTC date of scoring>/<content hash>.parquet`, scored by the champion
 * with the contract it was trained with; rejected rows with line and reason under
 * `lake/quarantine/`; and the drift statistics of its rows in the result.
 *
 * A file that cannot be scored as a whole is quarantined too (one record with the reason) and
 * does not fail the batch: landing files are never deleted, so a failing file would otherwise
 * fail every later batch as well. Everything written is named by the content hash, and a marker
 * `lake/scored/<sha256>.json` written last (create-only) holds the result: the same bytes are
 * scored once, under any key, and a repeat returns the marker's result.
 *
 * Each outcome is also recorded in the batch's file list, `lake/batches/<batch>/files/`, where
 * ComputeDrift reads the drift summaries: a Distributed Map's output could not hold them all.
 * A scored file's flagged rows (with their top reasons) and labelled rows go to
 * `lake/batches/<batch>/outcomes/` for the work list and realised metrics (file-outcomes.ts).
 *
 * Before any of that, the listed version (key + ETag) is looked up in the scored-files ledger
 * (scored-ledger.ts): a version an earlier batch handled is neither read nor recorded again. A
 * file over `maxFileBytes` (the listing's size) is quarantined whole without being read. The
 * ledger entry is written last.
 */

const scoreFileInputSchema = z.looseObject({
  key: z.string().min(1),
  /** The listing's ETag (quoted, as S3 gives it): with the key, it names the file's ledger entry. Unset: asked of the store. */
  etag: z.string().min(1).optional(),
  /** The listing's size in bytes. Unset: asked of the store. */
  size: z.int().nonnegative().optional(),
  batchName: runName,
  /** The batch's `config.maxFileBytes`. */
  maxFileBytes: z.int().positive().default(DEFAULT_MAX_FILE_BYTES),
});

type ScoreFileInput = z.infer<typeof scoreFileInputSchema>;

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function readMarker(context: StepContext, markerKey: string): Promise<ScoreFileResult | undefined> {
  try {
    const { body } = await context.store.get(markerKey);
    return scoreFileResultSchema.parse(JSON.parse(new TextDecoder().decode(body)));
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/** Writes the marker unless one exists; returns the result that stands (ours, or the one written first). */
async function writeMarker(context: StepContext, markerKey: string, result: ScoreFileResult): Promise<ScoreFileResult> {
  try {
    await context.store.put(markerKey, `${JSON.stringify(result, null, 2)}\n`, { ifNoneMatch: '*', contentType: 'application/json' });
    return result;
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  // A concurrent call with the same bytes finished first: its result stands.
  const earlier = await readMarker(context, markerKey);
  return earlier === undefined ? result : { ...earlier, key: result.key, duplicate: true };
}

function emptyResult(key: string, batchName: string, status: ScoreFileResult['status'], reason: string | null): ScoreFileResult {
  return {
    key,
    status,
    duplicate: false,
    batchName,
    sha256: null,
    modelVersion: null,
    rowsRead: 0,
    rowsScored: 0,
    rowsQuarantined: 0,
    rowsFlagged: 0,
    rowsReview: 0,
    predictionsKey: null,
    quarantineKey: null,
    reason,
    drift: null,
    driftNote: null,
    scores: null,
    scoredAt: null,
    rowsLabelled: 0,
    outcomesKey: null,
  };
}

async function putQuarantine(context: StepContext, key: string, rows: readonly QuarantinedRow[]): Promise<void> {
  await context.store.put(key, rows.map((row) => JSON.stringify(row)).join('\n') + '\n', { contentType: 'application/x-ndjson' });
}

export async function scoreFile(input: unknown, context: StepContext): Promise<ScoreFileStateResult> {
  const parsed = parseStepInput('ScoreFile', scoreFileInputSchema, input);
  const { key, batchName } = parsed;
  if (!key.startsWith(LANDING_INFERENCE_PREFIX)) throw new RangeError(`ScoreFile scores files under ${LANDING_INFERENCE_PREFIX} only; ${key} is not`);
  // An S3 "folder" created in the console lists as an empty object whose key ends in '/'.
  if (key.endsWith('/')) return record(context, batchName, emptyResult(key, batchName, 'skipped', 'a folder marker, not a file'));

  const listed = await listedVersion(context, parsed);
  if (listed === undefined) return record(context, batchName, emptyResult(key, batchName, 'unusable', `${key} was listed but no longer exists in the landing zone`));
  const ledgered = await readLedgerEntry(context.store, key, listed.etag);
  if (ledgered !== undefined) {
    // This very version was scored or quarantined before: nothing is read, nothing recorded.
    context.progress({ kind: 'message', text: `${key}: in the ledger (${ledgered.status} by batch ${ledgered.batchName}); not read again` });
    return stateResult(fromLedger(ledgered));
  }
  const oversized = listed.size > parsed.maxFileBytes;
  const result = oversized ? await quarantineOversized(context, key, batchName, listed, parsed.maxFileBytes) : await scoreOne(key, batchName, context);
  await record(context, batchName, result);
  // Last: until the ledger says so, a later batch takes the file up again (the content marker keeps it from being scored twice).
  if (result.status !== 'skipped') {
    await writeLedgerEntry(context.store, {
      key,
      etag: listed.etag,
      status: oversized ? 'oversized' : result.status,
      sha256: result.sha256,
      batchName: result.batchName,
      reason: result.reason,
      recordedAt: context.now().toISOString(),
    });
  }
  return stateResult(result);
}

/** Records the outcome in the file list of `batchName` (this batch) and returns its state form. */
async function record(context: StepContext, batchName: string, result: ScoreFileResult): Promise<ScoreFileStateResult> {
  await context.store.put(batchFileKey(batchName, result.key), `${JSON.stringify(result, null, 2)}\n`, { contentType: 'application/json' });
  return stateResult(result);
}

/** The version the listing saw (its ETag and size), or the store's current one when the input does not say. */
async function listedVersion(context: StepContext, input: ScoreFileInput): Promise<{ etag: string; size: number } | undefined> {
  if (input.etag !== undefined && input.size !== undefined) return { etag: input.etag, size: input.size };
  const info = await context.store.head(input.key);
  return info === undefined ? undefined : { etag: input.etag ?? info.etag, size: input.size ?? info.size };
}

/** A file over `maxFileBytes` is quarantined whole, unread: one record with the reason. */
async function quarantineOversized(context: StepContext, key: string, batchName: string, listed: { etag: string; size: number }, maxFileBytes: number): Promise<ScoreFileResult> {
  const reason = `over the size cap: ${listed.size} bytes, more than maxFileBytes ${maxFileBytes}; split it into smaller files, or raise maxFileBytes in the batch configuration`;
  const scoredAt = context.now();
  const name = createHash('sha256').update(`${key}\n${bareEtag(listed.etag)}`).digest('hex').slice(0, 32);
  const quarantineKey = `${QUARANTINE_PREFIX}dt=${partitionOf(scoredAt)}/${name}.inference.jsonl`;
  await putQuarantine(context, quarantineKey, [{ source: key, line: 0, reason: `the whole file: ${reason}`, values: {} }]);
  context.progress({ kind: 'message', text: `${key}: ${reason}; quarantined (${quarantineKey})` });
  return { ...emptyResult(key, batchName, 'unusable', reason), quarantineKey, scoredAt: scoredAt.toISOString() };
}

/** A file with more valid rows than the champion scores in time: quarantined whole with the limit, and no content marker. */
async function quarantineTooManyRows(
  context: StepContext,
  key: string,
  batchName: string,
  quarantineKey: string,
  rows: number,
  limit: number,
  version: string,
  sha256: string,
  scoredAt: Date,
): Promise<ScoreFileResult> {
  const reason = `${rows} rows to score, more than the ${limit} that champion ${version} scores within ScoreFile's time limit; split it into files of at most ${limit} rows`;
  await putQuarantine(context, quarantineKey, [{ source: key, line: 0, reason: `the whole file: ${reason}`, values: {} }]);
  context.progress({ kind: 'message', text: `${key}: ${reason}; quarantined (${quarantineKey})` });
  return { ...emptyResult(key, batchName, 'unusable', reason), sha256, quarantineKey, rowsRead: rows, modelVersion: version, scoredAt: scoredAt.toISOString() };
}

/**
 * What the champion costs to score a row: the exact GP by its training rows, the sparse GP by its
 * inducing points. Undefined for a challenger (trees, logistic regression): microseconds a row,
 * which the size cap alone bounds.
 */
function scoringSizeOf(manifest: ArtifactManifest): ScoringSize | undefined {
  if (manifest.kind === 'gpc-sparse') return { kind: 'gpc-sparse', inducingPoints: manifest.nInducing };
  return manifest.kind === 'gpc-exact' ? { kind: 'gpc-exact', rows: manifest.nTrain } : undefined;
}

/** A ledger entry as the state's result: the file was handled by an earlier batch. */
function fromLedger(entry: LedgerEntry): ScoreFileResult {
  const status = entry.status === 'scored' ? 'scored' : 'unusable';
  return { ...emptyResult(entry.key, entry.batchName, status, entry.reason), duplicate: true, sha256: entry.sha256, scoredAt: entry.recordedAt };
}

async function scoreOne(key: string, batchName: string, context: StepContext): Promise<ScoreFileResult> {
  let body: Uint8Array;
  try {
    body = (await context.store.get(key)).body;
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
    return emptyResult(key, batchName, 'unusable', `${key} was listed but no longer exists in the landing zone`);
  }
  const sha256 = sha256Of(body);
  const markerKey = scoredMarkerKey(sha256);
  const earlier = await readMarker(context, markerKey);
  if (earlier !== undefined) {
    context.progress({ kind: 'message', text: `${key}: same content as ${earlier.key}, handled by batch ${earlier.batchName}; nothing to do` });
    return { ...earlier, key, duplicate: true };
  }

  // No champion fails the batch (NoChampionError): a file must never be marked without a model.
  const serving = await loadServingModel(context.store, context.contract);
  const scoredAt = context.now();
  const name = sha256.slice(0, 32);
  const quarantineKey = `${QUARANTINE_PREFIX}dt=${partitionOf(scoredAt)}/${name}.inference.jsonl`;
  let rows;
  try {
    rows = await readReadingsCsv(key, body, serving.contract, { requireLabel: false });
  } catch (error) {
    if (!(error instanceof UnusableFileError)) throw error;
    await putQuarantine(context, quarantineKey, [{ source: key, line: 0, reason: `the whole file: ${error.message}`, values: {} }]);
    context.progress({ kind: 'message', text: `${key}: unusable, quarantined (${quarantineKey}): ${error.message}` });
    const result = { ...emptyResult(key, batchName, 'unusable', error.message), sha256, quarantineKey, modelVersion: serving.version, scoredAt: scoredAt.toISOString() };
    return writeMarker(context, markerKey, result);
  }
  // Bounded step: more rows than this champion scores within ScoreFile's time is quarantined whole, unscored and unmarked (another champion may take it).
  const size = scoringSizeOf(serving.manifest);
  // The flagged rows' explanations are in the budget: each costs one prediction per contract feature.
  const rowLimit = size === undefined ? Number.POSITIVE_INFINITY : maxScoringRows(size, explanationCost(serving.contract));
  if (rows.valid.length > rowLimit) return quarantineTooManyRows(context, key, batchName, quarantineKey, rows.valid.length, rowLimit, serving.version, sha256, scoredAt);
  if (rows.quarantined.length > 0) await putQuarantine(context, quarantineKey, rows.quarantined);
  if (rows.valid.length === 0) {
    // Every row was refused on its own line (the reasons are in quarantine): nothing to score.
    const reason = `none of its ${rows.rowsRead} rows could be scored; each is in ${quarantineKey} with its line and reason`;
    context.progress({ kind: 'message', text: `${key}: ${reason}` });
    const result = {
      ...emptyResult(key, batchName, 'unusable', reason),
      sha256,
      quarantineKey,
      rowsRead: rows.rowsRead,
      rowsQuarantined: rows.rowsQuarantined,
      modelVersion: serving.version,
      scoredAt: scoredAt.toISOString(),
    };
    return writeMarker(context, markerKey, result);
  }

  const scored = score(serving, key, rows.valid, scoredAt);
  const predictionsKey = `${PREDICTIONS_PREFIX}dt=${partitionOf(scoredAt)}/${name}.parquet`;
  await context.store.put(predictionsKey, encodeParquet(predictionTableColumns(serving.contract), scored.rows));
  const outcomesKey = fileOutcomesKey(batchName, sha256);
  await writeFileOutcomes(context.store, outcomesKey, scored.outcomes);
  const result: ScoreFileResult = {
    key,
    status: 'scored',
    duplicate: false,
    batchName,
    sha256,
    modelVersion: serving.version,
    rowsRead: rows.rowsRead,
    rowsScored: scored.rows.length,
    rowsQuarantined: rows.quarantined.length,
    rowsFlagged: scored.flagged,
    rowsReview: scored.review,
    predictionsKey,
    quarantineKey: rows.quarantined.length > 0 ? quarantineKey : null,
    reason: null,
    drift: scored.drift,
    driftNote: scored.drift === null ? `model ${serving.version} carries no training reference (trained before drift monitoring): drift not computed` : null,
    scores: scored.scores,
    scoredAt: scoredAt.toISOString(),
    rowsLabelled: scored.outcomes.labelled.label.length,
    outcomesKey,
  };
  const standing = await writeMarker(context, markerKey, result);
  context.progress({
    kind: 'message',
    text: `${key}: ${result.rowsScored} of ${result.rowsRead} rows scored by ${serving.version}, ${result.rowsFlagged} flagged, ${result.rowsReview} for review${result.quarantineKey ? `, ${result.rowsQuarantined} quarantined (${result.quarantineKey})` : ''}`,
  });
  return standing;
}

/** The champion's predictions for the valid rows, as rows of the predictions table, with their counts and drift statistics. */
function score(serving: ServingModel, key: string, valid: Awaited<ReturnType<typeof readReadingsCsv>>['valid'], scoredAt: Date) {
  const { contract, model, version, reference } = serving;
  const x = encodeRows(contract, valid.map((row) => row.reading));
  const p = model.predict(x);
  const threshold = model.threshold.value;
  let flagged = 0;
  let review = 0;
  const rows: TableRow[] = valid.map(({ line, reading }, i) => {
    // A model without uncertainty (a challenger) leaves the latent columns and review null: never invented.
    const toReview = p.latentMean === null ? null : needsReview(p.latentMean[i]!, p.latentStd[i]!, threshold, reviewLevelOf(model.threshold));
    flagged += p.label[i]!;
    review += toReview ? 1 : 0;
    return {
      [contract.id.name]: reading[contract.id.name]!,
      probability: p.probability[i]!,
      label: p.label[i]!,
      latent_mean: p.latentMean === null ? null : p.latentMean[i]!,
      latent_std: p.latentStd === null ? null : p.latentStd[i]!,
      review: toReview === null ? null : toReview ? 1 : 0,
      model_version: version,
      source_key: key,
      source_line: line,
      scored_at: scoredAt,
    };
  });
  // A model without uncertainty has a reference without latent variance (the features alone drift).
  const drift = reference === undefined ? null : summarizeBatch(reference, x, p.latentStd === null ? null : p.latentStd.map((s) => s * s));
  const reviewOf = (i: number): boolean | null => (rows[i].review === null ? null : rows[i].review === 1);
  const outcomes: FileOutcomes = fileOutcomes(serving, key, valid, x, p, reviewOf);
  return { rows, flagged, review, drift, scores: scoreHistogram(p.probability), outcomes };
}
