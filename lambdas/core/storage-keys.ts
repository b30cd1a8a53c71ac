import { createHash } from 'node:crypto';

/**
 * The data layout: every prefix and fixed key Prognos reads or writes, and the functions that
 * name one object under them. One place, so the step that writes a key, the step that reads it,
 * the CLI that shows it and the IAM grant in lib/ that allows it cannot disagree. A leaf: it
 * imports nothing from the core, so every folder may use it. Objects keep their prefix in every
 * bucket (`landing/…` in the landing bucket, `lake/…` in the lake bucket, `models/…` in the
 * models bucket; all three under one folder locally). See docs/architecture.md, "Data layout".
 */

// landing bucket: users' uploads, never modified or deleted

/** Every upload; ingest reads nothing outside it. */
export const LANDING_PREFIX = 'landing/';
/** Readings to train on; an upload here starts a refit. */
export const LANDING_TRAINING_PREFIX = `${LANDING_PREFIX}training/`;
/** Readings to score; the batch's ListNewFiles lists this prefix. */
export const LANDING_INFERENCE_PREFIX = `${LANDING_PREFIX}inference/`;

// lake bucket: what the pipelines derive

/** `dt=YYYY-MM-DD/…parquet`: the validated readings, the feature table. */
export const FEATURES_PREFIX = 'lake/features/';
/** `dt=…/…jsonl`: rejected rows with their reasons; `files/`: landing files set aside whole. */
export const QUARANTINE_PREFIX = 'lake/quarantine/';
/** `<sha256>.json`: markers that a content was ingested; `files/`: what became of each landing key. */
export const INGESTED_PREFIX = 'lake/ingested/';
/** `<landing key>.json`: the content and counts each landing key had when it was ingested. */
export const INGESTED_FILES_PREFIX = `${INGESTED_PREFIX}files/`;
/** `<landing key>.json`: a landing file set aside as a whole (unusable, or edited after ingest). */
export const SET_ASIDE_PREFIX = `${QUARANTINE_PREFIX}files/`;
/** `<run>/…`: the training set one run selected by SQL, and its split. */
export const TRAINING_SETS_PREFIX = 'lake/training-sets/';
/** `<run or batch>/…`: a run's failure record and Train's checkpoint. */
export const RUNS_PREFIX = 'lake/runs/';
/** `dt=<UTC date of scoring>/<content hash>.parquet`: the predictions table. */
export const PREDICTIONS_PREFIX = 'lake/predictions/';
/** The batch reports and work lists, beside the predictions but outside their `dt=` partitions. */
export const BATCH_REPORTS_PREFIX = `${PREDICTIONS_PREFIX}reports/`;
/** `<sha256>.json`: written last, create-only; the same content is scored once. */
export const SCORED_PREFIX = 'lake/scored/';
/** `<key hash>/<etag>.json`: the scored-files ledger, one entry per landing object version. */
export const LEDGER_PREFIX = 'lake/ledger/';
/** `<batch>/…`: per batch its manifest, file list, outcomes, drift.json and summary.json. */
export const BATCHES_PREFIX = 'lake/batches/';
/** The batch Distributed Map's ResultWriter (`ResultWriter.Parameters.Prefix`, which S3 paths get a '/' after): one folder per Map Run. */
export const MAP_RESULTS_PREFIX = 'lake/map-results/';
/** The drift retrain cooldown record (compare-and-swap). */
export const LAST_RETRAIN_KEY = 'lake/drift/last-retrain.json';

// models bucket: the registry

/** `<version>/…`: one model version's artifact and records. */
export const MODELS_PREFIX = 'models/';
/** Which version serves, and the versions before it; swapped atomically. */
export const CHAMPION_KEY = `${MODELS_PREFIX}champion.json`;
/** `<sequence>.json`: every pointer `champion.json` has held (rollback's history). */
export const CHAMPION_HISTORY_PREFIX = `${MODELS_PREFIX}champion-history/`;

// query-results bucket: Athena's own output

/** Where the Athena workgroup writes query results. */
export const QUERY_RESULTS_PREFIX = 'results/';

/** Zero-padded, so the history's keys sort in the order of their sequence. */
const SEQUENCE_DIGITS = 10;

/** The history entry of the pointer with this sequence. */
export function championHistoryKey(sequence: number): string {
  return `${CHAMPION_HISTORY_PREFIX}${String(sequence).padStart(SEQUENCE_DIGITS, '0')}.json`;
}

/** Matches the keys {@link championHistoryKey} makes, and no other file under the history's prefix. */
export const CHAMPION_HISTORY_KEY_PATTERN = new RegExp(`^${CHAMPION_HISTORY_PREFIX}[0-9]{${SEQUENCE_DIGITS}}\\.json$`);

/** What ingest recorded about a landing key it ingested. */
export const ingestedFileKey = (landingKey: string): string => `${INGESTED_FILES_PREFIX}${landingKey}.json`;
/** Why a landing key was set aside as a whole. */
export const setAsideKey = (landingKey: string): string => `${SET_ASIDE_PREFIX}${landingKey}.json`;

/** The failure record of a run or batch. */
export function runFailureKey(runName: string): string {
  return `${RUNS_PREFIX}${runName}/failure.json`;
}

/** The training set one run selected, its SQL and its split. */
export function trainingSetPrefix(runName: string): string {
  return `${TRAINING_SETS_PREFIX}${runName}/`;
}

/** SplitAndScale's record of a run's split and fitted scaler. */
export function splitKey(runName: string): string {
  return `${trainingSetPrefix(runName)}split.json`;
}

/** The marker that a content (by its SHA-256) was ingested. */
export function ingestedMarkerKey(sha256: string): string {
  return `${INGESTED_PREFIX}${sha256}.json`;
}

/** The marker that a content (by its SHA-256) was scored: written last, create-only. */
export function scoredMarkerKey(sha256: string): string {
  return `${SCORED_PREFIX}${sha256}.json`;
}

/** What Train keeps between rounds, beside the run's failure record. */
export function trainCheckpointKey(runName: string): string {
  return `${RUNS_PREFIX}${runName}/train-checkpoint.json`;
}

/** S3 quotes ETags and a multipart ETag ends in `-<parts>`: the bare ETag, or its hash if it has other characters. */
export function bareEtag(etag: string): string {
  const bare = etag.replace(/^"|"$/g, '');
  if (bare.length === 0) throw new RangeError('an ETag must not be empty');
  return /^[0-9A-Za-z-]{1,80}$/.test(bare) ? bare : createHash('sha256').update(bare).digest('hex');
}

/** The ledger entry of `key` at version `etag`; all versions of one key share a folder. */
export function ledgerEntryKey(key: string, etag: string): string {
  return `${LEDGER_PREFIX}${createHash('sha256').update(key).digest('hex').slice(0, 32)}/${bareEtag(etag)}.json`;
}

/** The files ListNewFiles selected for the batch: the JSON array the Distributed Map's ItemReader reads. */
export function batchManifestKey(batchName: string): string {
  return `${BATCHES_PREFIX}${batchName}/manifest.json`;
}

/** The batch's file list: one entry per landing key ScoreFile saw. */
export function batchFilesPrefix(batchName: string): string {
  return `${BATCHES_PREFIX}${batchName}/files/`;
}

/** Where ScoreFile records one landing key's outcome for one batch: one entry per key, named by the key's hash. */
export function batchFileKey(batchName: string, key: string): string {
  return `${batchFilesPrefix(batchName)}${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`;
}

/** The flagged rows and labelled probabilities of one scored content in one batch. */
export function fileOutcomesKey(batchName: string, sha256: string): string {
  return `${BATCHES_PREFIX}${batchName}/outcomes/${sha256.slice(0, 32)}.json`;
}

/** The batch's drift against the scoring model's training reference. */
export function driftKey(batchName: string): string {
  return `${BATCHES_PREFIX}${batchName}/drift.json`;
}

/** Every file of the batch with what became of it, and its counts. */
export function batchSummaryKey(batchName: string): string {
  return `${BATCHES_PREFIX}${batchName}/summary.json`;
}

/** The batch's HTML report. */
export function batchReportKey(batchName: string): string {
  return `${BATCH_REPORTS_PREFIX}${batchName}.html`;
}

/** The batch's work list, beside its report so the report links to it by a relative path. */
export function workListKey(batchName: string): string {
  return `${BATCH_REPORTS_PREFIX}${batchName}/flagged.csv`;
}
