import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DataContract } from '../core/contract/contract.ts';
import { encodeRows } from '../core/contract/encode.ts';
import { predictRequestSchema } from '../core/contract/instance.ts';
import { formatIssues } from '../core/contract/issues.ts';
import { writeCsv } from '../core/data/csv.ts';
import { UnusableFileError } from '../core/errors.ts';
import { readChampion } from '../core/registry/champion.ts';
import { assertVersion, contractOf, loadModel } from '../core/registry/model-store.ts';
import { readReadingsCsv } from '../core/steps/readings-csv.ts';
import { CliError } from './errors.ts';
import { readInputFile } from './files.ts';
import { displayPath } from './format.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';

/** Output formats of `prognos predict`. */
export const PREDICT_FORMATS = ['csv', 'json'] as const;
export type PredictFormat = (typeof PREDICT_FORMATS)[number];

/** Columns of the CSV output, in order. */
export const PREDICTION_COLUMNS = ['id', 'probability', 'label', 'latent_mean', 'latent_std', 'model_version'] as const;

/** One scored reading. */
export interface PredictionRow {
  /** The reading's id (the contract's id column), or its 1-based position in a JSON request. */
  readonly id: string | number;
  /** P(needs maintenance). */
  readonly probability: number;
  /** 1 = needs maintenance: probability ≥ the model's threshold. */
  readonly label: number;
  /** Null for a model without uncertainty (a challenger champion). */
  readonly latentMean: number | null;
  /** The model's uncertainty about this reading (sd of the latent function); null for a model without uncertainty. */
  readonly latentStd: number | null;
}

export interface PredictOptions {
  readonly file: string;
  readonly home: string;
  /** The contract used when a model does not carry its own (older artifacts). */
  readonly contract: DataContract;
  /** A model version; @default the champion */
  readonly model?: string;
  readonly format: PredictFormat;
  readonly out?: string;
}

/** Rows that could be scored, and those that could not with their reasons. */
interface Readings {
  readonly rows: Record<string, unknown>[];
  readonly ids: (string | number)[];
  readonly rejected: string[];
}

/** The landing files' own reader: a bad line is refused with its line and reason, the rest is scored. */
async function readCsv(file: string, bytes: Uint8Array, contract: DataContract): Promise<Readings> {
  const read = await readReadingsCsv(file, bytes, contract, { requireLabel: false });
  return {
    rows: read.valid.map(({ reading }) => reading),
    ids: read.valid.map(({ reading }) => reading[contract.id.name] as string | number),
    rejected: read.quarantined.map((row) => `line ${row.line}: ${row.reason}`),
  };
}

/** JSON as the prediction API takes it: `{ "instances": [ … ] }` (or the bare array). */
function readJson(text: string, contract: DataContract): Readings {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UnusableFileError(`not valid JSON: ${(error as Error).message}`);
  }
  const parsed = predictRequestSchema(contract, { maxInstances: Number.MAX_SAFE_INTEGER }).safeParse(Array.isArray(json) ? { instances: json } : json);
  if (!parsed.success) throw new UnusableFileError(formatIssues(parsed.error).join('; '));
  return { rows: parsed.data.instances, ids: parsed.data.instances.map((_, i) => i + 1), rejected: [] };
}

/**
 * `prognos predict FILE`: scores readings (CSV in the landing format, or JSON instances) with the
 * champion or a given version: probability, label at the model's threshold, and uncertainty.
 * Rows that fail the contract are listed with their line and reason, never dropped silently.
 */
export async function runPredict(options: PredictOptions, io: CliIo): Promise<{ modelVersion: string; rows: PredictionRow[] }> {
  const { store } = openWorkspace(options.home, options.contract);
  let version = options.model;
  if (version === undefined) {
    version = (await readChampion(store))?.pointer.version;
    if (version === undefined) throw new CliError('there is no champion yet: train one with prognos run (or name a version with --model)');
  } else {
    try {
      assertVersion(version);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }
  const { model, manifest } = await loadModel(store, version);
  const contract = contractOf(manifest, options.contract);

  const bytes = await readInputFile(options.file, 'file to score');
  const isJson = /^\s*[[{]/.test(bytes.subarray(0, 64).toString('utf8'));
  let readings: Readings;
  try {
    readings = isJson ? readJson(bytes.toString('utf8'), contract) : await readCsv(options.file, bytes, contract);
  } catch (error) {
    // The CSV reader names the file itself; JSON errors do not.
    if (error instanceof UnusableFileError && isJson) throw new UnusableFileError(`${options.file}: ${error.message}`, { cause: error });
    throw error;
  }
  const rows: PredictionRow[] = [];
  if (readings.rows.length > 0) {
    const p = model.predict(encodeRows(contract, readings.rows));
    readings.ids.forEach((id, i) => rows.push({ id, probability: p.probability[i]!, label: p.label[i]!, latentMean: p.latentMean?.[i] ?? null, latentStd: p.latentStd?.[i] ?? null }));
  }
  const output =
    options.format === 'json'
      ? `${JSON.stringify({ modelVersion: version, threshold: model.threshold.value, predictions: rows }, null, 2)}\n`
      : writeCsv(
          rows.map((row) => ({ id: row.id, probability: row.probability, label: row.label, latent_mean: row.latentMean ?? '', latent_std: row.latentStd ?? '', model_version: version })),
          PREDICTION_COLUMNS,
        );
  if (options.out === undefined) io.out(output);
  else {
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(options.out, output);
  }
  io.err(`scored ${rows.length} reading${rows.length === 1 ? '' : 's'} with model ${version}${options.out ? ` → ${displayPath(options.out)}` : ''}\n`);
  if (readings.rejected.length > 0) {
    const shown = readings.rejected.slice(0, 10).join('; ');
    throw new CliError(`${readings.rejected.length} row(s) of ${options.file} not scored: ${shown}${readings.rejected.length > 10 ? '; …' : ''}`);
  }
  return { modelVersion: version, rows };
}
