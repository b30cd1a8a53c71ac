import type { DataContract } from '../core/contract/contract.ts';
import { displayPath } from './format.ts';
import { generateCsv } from './generate.ts';
import type { CliIo } from './io.ts';
import { landFile } from './landing.ts';
import { type RunSummary, runTraining } from './run.ts';
import { openWorkspace } from './workspace.ts';
import { LANDING_TRAINING_PREFIX } from '../core/storage-keys.ts';

/**
 * Default row count of the demo: 2,000 readings (about 1,400 training rows), the size the
 * benchmark measures against scikit-learn.
 */
export const DEMO_DEFAULT_ROWS = 2000;

export interface DemoOptions {
  readonly rows: number;
  /** Seed of the generated readings. */
  readonly seed: number;
  readonly home: string;
  readonly contract: DataContract;
  /** Print the run's result as JSON (as `prognos run --json`). */
  readonly json?: boolean;
}

/**
 * `prognos demo` (= `npm start`): lands AI4I 2020-style sample readings in
 * `landing/training/sample-<rows>-<seed>.csv` (once; a landing file is never replaced) and runs the
 * training workflow exactly as `prognos run` does for a user's own files.
 */
export async function runDemo(options: DemoOptions, io: CliIo): Promise<RunSummary> {
  const sample = generateCsv('ai4i', options.rows, options.seed);
  const key = `${LANDING_TRAINING_PREFIX}sample-${options.rows}-${options.seed}.csv`;
  const workspace = openWorkspace(options.home, options.contract);
  const where = displayPath(workspace.pathOf(key));
  if ((await landFile(workspace.store, key, sample.text)) === 'landed') {
    io.err(`seeded ${options.rows} sample AI4I 2020-style readings (${sample.positives} machine failures, seed ${options.seed}) into the landing zone: ${where}\n`);
  } else {
    io.err(`sample readings already in the landing zone: ${where}\n`);
  }
  const summary = await runTraining({ home: options.home, contract: options.contract, json: options.json }, io);
  io.err(`\nNext: npx prognos report (the HTML report), npx prognos models, npx prognos predict FILE\n`);
  return summary;
}
