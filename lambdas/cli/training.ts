import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { readNumericCsv } from '../core/data/csv.ts';
import { type ArtifactManifest, writeModelArtifact } from '../core/ml/artifact.ts';
import { type ExperimentResult, runExperiment } from '../core/ml/experiment.ts';
import { CliError } from './errors.ts';
import { readInputFile, withFileName } from './files.ts';
import { displayPath, metricsReport, modelSummary } from './format.ts';
import { modelDir, modelVersion } from './home.ts';
import type { CliIo } from './io.ts';
import { fitProgressPrinter } from './progress.ts';

/** Training rows beyond which an exact GP fit takes minutes (it is O(n³) per optimiser step). */
const SLOW_TRAINING_ROWS = 2500;

/** Options of {@link trainFromCsv}: what `prognos train` takes. */
export interface TrainFromCsvOptions {
  /** A numeric CSV with a header row. */
  readonly dataFile: string;
  /** The 0/1 label column (1 = needs maintenance). */
  readonly label: string;
  /** Feature columns; default every column except the label. */
  readonly features?: readonly string[];
  readonly targetRecall: number;
  readonly testFraction: number;
  /** Seed of the train/test split. */
  readonly seed: number;
  /** Home folder; the model goes to `<home>/models/<version>/`. */
  readonly home: string;
  /** Which command trained it, kept in the manifest's lineage. */
  readonly command: string;
}

/** What {@link trainFromCsv} produced. */
export interface TrainOutcome {
  readonly version: string;
  /** Absolute folder of the artifact. */
  readonly dir: string;
  readonly manifest: ArtifactManifest;
  readonly experiment: ExperimentResult;
}

/**
 * The training run behind `prognos train` and `prognos demo`: read the CSV, split, train on the
 * training split (progress on stderr), evaluate on the test split, write the artifact with its
 * metrics and lineage, and print the metrics and where the model went (stdout).
 */
export async function trainFromCsv(options: TrainFromCsvOptions, io: CliIo): Promise<TrainOutcome> {
  const bytes = await readInputFile(options.dataFile, 'data file');
  // Without --features every column but the label is a feature, ids and text included: say how to choose.
  const hint = options.features === undefined ? ' (pick the numeric feature columns with --features a,b,…)' : '';
  const dataset = withFileName(options.dataFile, hint, () =>
    readNumericCsv({ text: new TextDecoder().decode(bytes) }, { label: options.label, features: options.features }),
  );
  const positives = dataset.y.reduce((s, v) => s + v, 0);
  io.err(
    `data   ${dataset.X.rows} rows, ${positives} need maintenance (${options.label} = 1), ` +
      `features: ${dataset.featureNames.join(', ')}\n`,
  );
  const nTrainEstimate = Math.round(dataset.X.rows * (1 - options.testFraction));
  if (nTrainEstimate > SLOW_TRAINING_ROWS) {
    io.err(`note   about ${nTrainEstimate} training rows: an exact GP fit of this size takes minutes\n`);
  }

  const experiment = runExperiment(dataset, {
    targetRecall: options.targetRecall,
    testFraction: options.testFraction,
    seed: options.seed,
    gpc: { onProgress: fitProgressPrinter(io.err) },
  });

  const createdAt = new Date();
  const dataSha256 = createHash('sha256').update(bytes).digest('hex');
  const settings = { label: options.label, features: dataset.featureNames, targetRecall: options.targetRecall, testFraction: options.testFraction, seed: options.seed };
  // Same data and settings give the same suffix: the version says what was trained, the time when.
  const fingerprint = createHash('sha256').update(dataSha256).update(JSON.stringify(settings)).digest('hex');
  const version = modelVersion(createdAt, fingerprint);
  const target = modelDir(options.home, version);
  // A version is immutable once written: never replace one, even by an identical run.
  if (existsSync(target)) throw new CliError(`model version ${version} already exists at ${target}; versions are never replaced`);

  const { dir, manifest } = await writeModelArtifact(target, experiment.model, {
    modelVersion: version,
    createdAt: createdAt.toISOString(),
    metrics: experiment.test,
    extra: {
      command: options.command,
      data: { file: resolve(options.dataFile), sha256: dataSha256, rows: dataset.X.rows, positives },
      split: { method: 'stratified', testFraction: options.testFraction, seed: options.seed, nTrain: experiment.nTrain, nTest: experiment.nTest },
      settings,
      timing: { fitSeconds: experiment.fitSeconds, predictMsPerRow: experiment.predictMsPerRow },
    },
  });

  io.out(`\n${metricsReport(experiment.test, experiment.model.threshold)}\n`);
  io.out(`${modelSummary(experiment.model.fitSummary, { fitSeconds: experiment.fitSeconds, predictMsPerRow: experiment.predictMsPerRow, features: dataset.featureNames })}\n`);
  io.out(`Model ${version} written to ${displayPath(dir)}${sep}\n`);
  return { version, dir, manifest, experiment };
}
