/**
 * Where the benchmark's data lives: the reference folder beside the repository
 * (`<repo>/../shared`, or PROGNOS_SHARED_DIR), located the same way as test/support/shared.ts
 * (which cannot be imported here: it pulls in vitest).
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/..). */
export const repoRoot: string = fileURLToPath(new URL('../', import.meta.url));

/** A data set before the run options (GPC options, --max-train) are applied. */
export interface DatasetSpec {
  readonly name: string;
  readonly file: string;
  readonly label: string;
  readonly features?: readonly string[];
  /** Training-row cap used when --max-train is not given. */
  readonly defaultMaxTrain?: number;
}

/** Reference data sets of `<shared>/reference/data/`, label column `label`. */
const REFERENCE_SETS = ['moons_1000', 'moons_2000', 'ai4i_like_2000', 'ai4i_like_4000'];

/** The real AI4I 2020 data: features without the identifiers and the leaking failure-mode columns. */
const AI4I_2020 = {
  name: 'ai4i2020',
  label: 'Machine failure',
  features: ['Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]', 'Torque [Nm]', 'Tool wear [min]'],
  // 7,000 training rows is beyond an exact GP's benchmark budget; 2,800 matches the largest baseline.
  defaultMaxTrain: 2800,
} as const;

/** Where the shared folder is looked for. */
export function sharedDirCandidate(): string {
  const fromEnv = process.env.PROGNOS_SHARED_DIR;
  return fromEnv ? resolve(fromEnv) : resolve(repoRoot, '..', 'shared');
}

/** The shared folder, or undefined when it does not exist. */
export function findSharedDir(): string | undefined {
  const dir = sharedDirCandidate();
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
}

/** The default data sets found in `sharedDir` (missing files are skipped, with a note in `skipped`). */
export function defaultDatasets(sharedDir: string): { specs: DatasetSpec[]; skipped: string[] } {
  const wanted: DatasetSpec[] = [
    ...REFERENCE_SETS.map((name) => ({ name, file: join(sharedDir, 'reference', 'data', `${name}.csv`), label: 'label' })),
    { ...AI4I_2020, file: join(sharedDir, 'datasets', 'ai4i2020.csv') },
  ];
  return {
    specs: wanted.filter((spec) => existsSync(spec.file)),
    skipped: wanted.filter((spec) => !existsSync(spec.file)).map((spec) => spec.file),
  };
}

/** A data set given on the command line; named after its file (so `moons_1000.csv` still meets its baseline). */
export function customDataset(file: string, label: string, features?: readonly string[]): DatasetSpec {
  return { name: basename(file, extname(file)), file: resolve(file), label, features };
}
