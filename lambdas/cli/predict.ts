import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DataContract } from '../core/contract/contract.ts';
import { encodeRows } from '../core/contract/encode.ts';
import { explanationSpace } from '../core/contract/explanation-features.ts';
import { INSTANCE_ID_KEY, predictRequestSchema } from '../core/contract/instance.ts';
import { formatIssues } from '../core/contract/issues.ts';
import { writeCsv } from '../core/data/csv.ts';
import { UnusableFileError } from '../core/errors.ts';
import { readChampion } from '../core/registry/champion.ts';
import { assertVersion, contractOf, loadModel } from '../core/registry/model-store.ts';
import type { InstancePrediction, PredictResponse } from '../core/serving/predictions.ts';
import { DEFAULT_TOP_REASONS, explainRows } from '../core/ml/local-explanation.ts';
import { reasonColumns, reasonText } from '../core/ml/reason-text.ts';
import { needsReview, reviewLevelOf } from '../core/ml/review.ts';
import { readReadingsCsv } from '../core/steps/readings-csv.ts';
import { CliError } from './errors.ts';
import { readInputFile } from './files.ts';
import { displayPath } from './format.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';

/** Output formats of `prognos predict`. */
export const PREDICT_FORMATS = ['csv', 'json'] as const;
export type PredictFormat = (typeof PREDICT_FORMATS)[number];

/**
 * Columns of the CSV output, in order: the fields of the prediction API's answer (`POST /predict`,
 * InstancePrediction), named as there. `id` is the reading's id column for a CSV input, the
 * instance's own `id` for JSON (empty when it has none); `review` is 1 or 0, as `label`.
 */
export const PREDICTION_COLUMNS = ['id', 'probability', 'label', 'latentMean', 'latentStd', 'review', 'modelVersion'] as const satisfies readonly (keyof InstancePrediction)[];

/** One scored reading: exactly what the prediction API answers for an instance. */
export type PredictionRow = InstancePrediction;

export interface PredictOptions {
  readonly file: string;
  readonly home: string;
  /** The contract used when a model does not carry its own (older artifacts). */
  readonly contract: DataContract;
  /** A model version; @default the champion */
  readonly model?: string;
  readonly format: PredictFormat;
  readonly out?: string;
  /** Add each reading's reasons (as `POST /predict` with `explain: true`; CSV: columns reason_1…reason_3). */
  readonly explain?: boolean;
}

/** Rows that could be scored, and those that could not with their reasons. */
interface Readings {
  readonly rows: Record<string, unknown>[];
  /** Each row's id; undefined for a JSON instance without one (the API then answers without an id). */
  readonly ids: (string | number | undefined)[];
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
  return { rows: parsed.data.instances, ids: parsed.data.instances.map((instance) => instance[INSTANCE_ID_KEY]), rejected: [] };
}

/**
 * `prognos predict FILE`: scores readings (CSV in the landing format, or JSON instances) with the
 * champion or a given version: probability, label at the model's threshold, and uncertainty.
 * Rows that fail the contract are listed with their line and reason, never dropped silently.
 */
export async function runPredict(options: PredictOptions, io: CliIo): Promise<PredictResponse> {
  const { store } = openWorkspace(options.home, options.contract);
  let version = options.model;
  if (version === undefined) {
    version = (await readChampion(store))?.pointer.version;
    if (version === undefined) throw new CliError('there is no champion yet: train one with npx prognos run (or name a version with --model)');
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
  const threshold = model.threshold.value;
  const rows: PredictionRow[] = [];
  if (readings.rows.length > 0) {
    const x = encodeRows(contract, readings.rows);
    const p = model.predict(x);
    const reasons = options.explain === true ? explainRows(model, x, explanationSpace(contract, model.scaler.mean), { probability: p.probability }) : undefined;
    const latent = p.latentMean === null || p.latentStd === null ? null : { mean: p.latentMean, std: p.latentStd };
    readings.ids.forEach((id, i) =>
      rows.push({
        ...(id === undefined ? {} : { id }),
        probability: p.probability[i]!,
        label: p.label[i] === 1 ? 1 : 0,
        // A model without uncertainty (a challenger) has no latent values and no review, as in the API.
        ...(latent === null ? {} : { latentMean: latent.mean[i]!, latentStd: latent.std[i]!, review: needsReview(latent.mean[i]!, latent.std[i]!, threshold, reviewLevelOf(model.threshold)) }),
        ...(reasons === undefined ? {} : { reasons: reasons[i] }),
        modelVersion: version,
      }),
    );
  }
  const response: PredictResponse = { modelVersion: version, threshold, predictions: rows };
  const output =
    options.format === 'json'
      ? `${JSON.stringify(response, null, 2)}\n`
      : writeCsv(
          rows.map(({ reasons: explained, ...row }) => ({
            ...row,
            id: row.id ?? '',
            latentMean: row.latentMean ?? '',
            latentStd: row.latentStd ?? '',
            review: row.review ?? '',
            ...Object.fromEntries(reasonColumns(DEFAULT_TOP_REASONS).map((column, k) => [column, explained?.[k] === undefined ? '' : reasonText(explained[k])])),
          })),
          options.explain === true ? [...PREDICTION_COLUMNS, ...reasonColumns(DEFAULT_TOP_REASONS)] : PREDICTION_COLUMNS,
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
  return response;
}
