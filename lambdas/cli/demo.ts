import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from './errors.ts';
import { displayPath } from './format.ts';
import { generateCsv } from './generate.ts';
import { landingTrainingPath } from './home.ts';
import type { CliIo } from './io.ts';
import { type TrainOutcome, trainFromCsv } from './training.ts';

/**
 * Default row count of the demo: 2,000 readings (1,400 training rows), the size the benchmark
 * measures against scikit-learn; the whole demo takes about 10 s on a 2-core machine.
 */
export const DEMO_DEFAULT_ROWS = 2000;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  readonly rows: number;
  /** Seed of the generated readings. */
  readonly seed: number;
  readonly home: string;
  readonly targetRecall: number;
}

/**
 * `prognos demo` (= `npm start`): generates AI4I 2020-style readings, lands them as
 * `<home>/landing/training/sample-<rows>-<seed>.csv`, and runs the same training as `prognos train` on
 * that file (70/30 stratified split), so the demo shows exactly what a user's own data would get.
 */
export async function runDemo(options: DemoOptions, io: CliIo): Promise<TrainOutcome> {
  const sample = generateCsv('ai4i', options.rows, options.seed);
  const dataFile = landingTrainingPath(options.home, `sample-${options.rows}-${options.seed}.csv`);
  await mkdir(dirname(dataFile), { recursive: true });
  await landOnce(dataFile, sample.text);
  io.err(`demo   ${options.rows} AI4I 2020-style machining readings (seed ${options.seed}) → ${displayPath(dataFile)}\n`);

  const outcome = await trainFromCsv(
    {
      dataFile,
      label: sample.label,
      features: sample.features,
      targetRecall: options.targetRecall,
      testFraction: 0.3,
      seed: 99,
      home: options.home,
      command: 'prognos demo',
    },
    io,
  );
  io.out(`\nScore rows with it:\n  npm run prognos -- predict --model ${displayPath(outcome.dir)} --data ${displayPath(dataFile)}\n`);
  return outcome;
}

/**
 * Landing files are never modified: the sample is written once (exclusive create) and a later
 * demo with the same rows and seed finds the identical file there and reuses it.
 */
async function landOnce(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if ((await readFile(file, 'utf8')) !== text) {
      throw new CliError(`${file} exists with other contents; landing files are never overwritten (remove it or use another --seed)`);
    }
  }
}
