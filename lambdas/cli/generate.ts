import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AI4I_SOURCE_COLUMNS, makeAi4iReadings, toAi4iSourceRecords } from './sample-data/ai4i.ts';
import { writeCsv } from '../core/data/csv.ts';
import { makeMoons } from './sample-data/moons.ts';
import { toRows } from '../core/ml/dense.ts';
import type { CliIo } from './io.ts';
import { displayPath } from './format.ts';

/** The sample data sets `prognos generate` can write. */
export const GENERATORS = ['ai4i', 'moons'] as const;
export type GeneratorName = (typeof GENERATORS)[number];

/** A generated data set as CSV text. */
export interface GeneratedCsv {
  readonly text: string;
  /** The 0/1 label column. */
  readonly label: string;
  readonly rows: number;
  readonly positives: number;
}

/**
 * Generates `rows` rows of a sample data set as CSV. `ai4i`: AI4I 2020-style machining readings
 * with the published file's header (the default data contract ingests them as they are);
 * `moons`: two interleaving half circles, features `x0, x1`, column `label`.
 */
export function generateCsv(kind: GeneratorName, rows: number, seed: number): GeneratedCsv {
  if (kind === 'ai4i') {
    const readings = makeAi4iReadings(rows, { seed });
    return {
      text: writeCsv(toAi4iSourceRecords(readings), AI4I_SOURCE_COLUMNS),
      label: 'Machine failure',
      rows,
      positives: readings.filter((r) => r.machine_failure === 1).length,
    };
  }
  const moons = makeMoons(rows, { seed });
  const records = toRows(moons.X).map(([x0, x1], i) => ({ x0, x1, label: moons.y[i] }));
  return { text: writeCsv(records, ['x0', 'x1', 'label']), label: 'label', rows, positives: moons.y.reduce((s, v) => s + v, 0) };
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
  if (options.kind === 'ai4i') io.err(`train on it: npx prognos ingest ${displayPath(options.out)} && npx prognos run\n`);
  return generated;
}
