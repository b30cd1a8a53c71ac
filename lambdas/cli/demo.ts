import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { displayPath } from './format.ts';
import { generateCsv } from './generate.ts';
import { landingTrainingPath } from './home.ts';
import type { CliIo } from './io.ts';
import { type TrainOutcome, trainFromCsv } from './training.ts';

/**
 * Default row count of the demo. An exact GP costs O(n³) per optimiser step: 1,200 rows (840
 * training rows) train in about 5 s on one core, where 2,000 rows take about 20 s.
 */
export const DEMO_DEFAULT_ROWS = 1200;

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
 * `<home>/landing/training/sample-<seed>.csv`, and runs the same training as `prognos train` on
 * that file (70/30 stratified split), so the demo shows exactly what a user's own data would get.
 */
export async function runDemo(options: DemoOptions, io: CliIo): Promise<TrainOutcome> {
  const sample = generateCsv('ai4i', options.rows, options.seed);
  const dataFile = landingTrainingPath(options.home, `sample-${options.seed}.csv`);
  await mkdir(dirname(dataFile), { recursive: true });
  await writeFile(dataFile, sample.text);
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
