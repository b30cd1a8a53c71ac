import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AI4I_COLUMNS, AI4I_FEATURES, makeAi4iReadings } from '../core/data/ai4i.ts';
import { writeCsv } from '../core/data/csv.ts';
import { makeMoons } from '../core/data/moons.ts';
import { toRows } from '../core/ml/dense.ts';
import type { CliIo } from './io.ts';
import { displayPath } from './format.ts';

/** The sample data sets `prognos generate` can write. */
export const GENERATORS = ['ai4i', 'moons'] as const;
export type GeneratorName = (typeof GENERATORS)[number];

/** A generated data set as CSV text, with what `prognos train` needs to know about it. */
export interface GeneratedCsv {
  readonly text: string;
  /** The 0/1 label column. */
  readonly label: string;
  /** The numeric feature columns (other columns, such as ids, must be left out of training). */
  readonly features: readonly string[];
  readonly rows: number;
  readonly positives: number;
}

/**
 * Generates `rows` rows of a sample data set as CSV. `ai4i`: AI4I 2020-style machining readings
 * (ids, product type, five sensor features, `machine_failure` and the five failure-mode flags);
 * `moons`: two interleaving half circles, features `x0, x1`, column `label`.
 */
export function generateCsv(kind: GeneratorName, rows: number, seed: number): GeneratedCsv {
  if (kind === 'ai4i') {
    const readings = makeAi4iReadings(rows, { seed });
    return {
      text: writeCsv(readings, AI4I_COLUMNS),
      label: 'machine_failure',
      features: AI4I_FEATURES,
      rows,
      positives: readings.filter((r) => r.machine_failure === 1).length,
    };
  }
  const moons = makeMoons(rows, { seed });
  const records = toRows(moons.X).map(([x0, x1], i) => ({ x0, x1, label: moons.y[i] }));
  return { text: writeCsv(records, ['x0', 'x1', 'label']), label: 'label', features: moons.featureNames, rows, positives: moons.y.reduce((s, v) => s + v, 0) };
}

/** Options of {@link runGenerate}. */
export interface GenerateOptions {
  readonly kind: GeneratorName;
  readonly rows: number;
  readonly seed: number;
  readonly out: string;
}

/** `prognos generate`: writes the CSV (creating its folder) and says how to train on it. */
export async function runGenerate(options: GenerateOptions, io: CliIo): Promise<GeneratedCsv> {
  const generated = generateCsv(options.kind, options.rows, options.seed);
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, generated.text);
  io.err(`wrote ${generated.rows} ${options.kind} rows (${generated.positives} with ${generated.label} = 1, seed ${options.seed}) to ${displayPath(options.out)}\n`);
  io.err(`train on it: prognos train --data ${displayPath(options.out)} --label ${generated.label} --features ${generated.features.join(',')}\n`);
  return generated;
}
