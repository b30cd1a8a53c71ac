import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseFeatureCsv, writeCsv } from '../core/data/csv.ts';
import { readModelArtifact } from '../core/ml/artifact.ts';
import { CliError } from './errors.ts';
import { readInputFile, withFileName } from './files.ts';
import { displayPath, fixed } from './format.ts';
import type { CliIo } from './io.ts';

/** Output formats of `prognos predict`. */
export const PREDICT_FORMATS = ['csv', 'json'] as const;
export type PredictFormat = (typeof PREDICT_FORMATS)[number];

/** Columns of the CSV output, in order. */
export const PREDICTION_COLUMNS = ['row', 'probability', 'label', 'latent_mean', 'latent_std', 'model_version'] as const;

/** One scored row. */
export interface PredictionRow {
  /** 1-based position of the row among the data rows of the input. */
  readonly row: number;
  /** P(needs maintenance). */
  readonly probability: number;
  /** 1 = needs maintenance: probability ≥ the model's threshold. */
  readonly label: number;
  readonly latentMean: number;
  /** The model's uncertainty about this row (sd of the latent function). */
  readonly latentStd: number;
}

/** Options of {@link runPredict}. */
export interface PredictOptions {
  /** Artifact folder, e.g. `.prognos/models/<version>`. */
  readonly model: string;
  readonly data: string;
  readonly format: PredictFormat;
  /** Output file; default stdout. */
  readonly out?: string;
}

/**
 * `prognos predict`: loads a model artifact, scores every row of a CSV (feature columns by name),
 * and writes one line per row — CSV with {@link PREDICTION_COLUMNS}, or JSON
 * `{ modelVersion, threshold, featureNames, predictions: PredictionRow[] }`.
 */
export async function runPredict(options: PredictOptions, io: CliIo): Promise<{ modelVersion: string; rows: PredictionRow[] }> {
  await assertDirectory(options.model);
  const { model, manifest } = await readModelArtifact(options.model);
  const text = (await readInputFile(options.data, 'data file')).toString('utf8');
  const x = withFileName(options.data, '', () => parseFeatureCsv(text, model.featureNames));
  const p = model.predict(x);
  const rows: PredictionRow[] = Array.from(p.probability, (probability, i) => ({
    row: i + 1,
    probability,
    label: p.label[i],
    latentMean: p.latentMean[i],
    latentStd: p.latentStd[i],
  }));

  const output = options.format === 'json' ? toJson(manifest.modelVersion, model.threshold.value, model.featureNames, rows) : toCsv(manifest.modelVersion, rows);
  if (options.out === undefined) {
    io.out(output);
  } else {
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(options.out, output);
  }
  const flagged = rows.filter((r) => r.label === 1).length;
  io.err(
    `predict  ${rows.length} rows, ${flagged} flagged for maintenance (probability ≥ ${fixed(model.threshold.value, 4)}), ` +
      `model ${manifest.modelVersion}${options.out === undefined ? '' : ` → ${displayPath(options.out)}`}\n`,
  );
  return { modelVersion: manifest.modelVersion, rows };
}

function toCsv(modelVersion: string, rows: readonly PredictionRow[]): string {
  return writeCsv(
    rows.map((r) => ({ row: r.row, probability: r.probability, label: r.label, latent_mean: r.latentMean, latent_std: r.latentStd, model_version: modelVersion })),
    PREDICTION_COLUMNS,
  );
}

function toJson(modelVersion: string, threshold: number, featureNames: readonly string[], rows: readonly PredictionRow[]): string {
  return `${JSON.stringify({ modelVersion, threshold, featureNames, predictions: rows }, null, 2)}\n`;
}

/** A clear message for the common mistakes (a typo, or the manifest file instead of its folder). */
async function assertDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new CliError(`model folder not found: ${dir}`);
    throw error;
  });
  if (!info.isDirectory()) throw new CliError(`--model must be a model folder (with manifest.json inside), got the file ${dir}`);
}
