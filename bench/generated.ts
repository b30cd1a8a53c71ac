/**
 * Freshly generated data sets for the bench (`--generated`), so that the comparison with
 * scikit-learn covers other seeds and noise levels than the reference files:
 *
 *   moons:2000:seed=1..3:noise=0.2,0.3   → 6 sets of 2,000 rows (1,400 training rows each)
 *   ai4i:4000:seed=1,2                    → 2 AI4I-like sets of 4,000 rows
 *
 * `rows` counts every generated row, as in the reference names (moons_2000); the 70/30 split
 * leaves 70 % for training. Seeds: a list (1,2,5) or a range (1..3); default 1. Noise (moons
 * only): the standard deviation added to both coordinates, a list; default 0.25 (the
 * reference sets'). The AI4I-like generator has its own noise model, so noise= is refused there.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ai4iToDataset, makeAi4iReadings } from '../lambdas/cli/sample-data/ai4i.ts';
import { type NumericDataset, writeCsv } from '../lambdas/core/data/csv.ts';
import { makeMoons } from '../lambdas/cli/sample-data/moons.ts';
import { toRows } from '../lambdas/core/ml/dense.ts';
import type { DatasetSpec } from './datasets.ts';

export type GeneratedFamily = 'moons' | 'ai4i_like';

/** One data set to generate. */
export interface GeneratedSet {
  readonly family: GeneratedFamily;
  readonly rows: number;
  readonly seed: number;
  /** Moons only. */
  readonly noise?: number;
}

const FAMILIES: Record<string, GeneratedFamily> = { moons: 'moons', ai4i: 'ai4i_like', ai4i_like: 'ai4i_like' };

/** Expands one `family:rows[:seed=…][:noise=…]` spec; throws RangeError with the reason otherwise. */
export function parseGenerated(spec: string): GeneratedSet[] {
  const [familyName, rowsText, ...parts] = spec.split(':');
  const family = FAMILIES[familyName ?? ''];
  if (!family) throw new RangeError(`--generated ${spec}: unknown family "${familyName}"; use moons or ai4i`);
  const rows = Number(rowsText);
  if (!(Number.isInteger(rows) && rows >= 20)) throw new RangeError(`--generated ${spec}: rows must be an integer ≥ 20, got "${rowsText}"`);
  let seeds = [1];
  let noises: Array<number | undefined> = [family === 'moons' ? 0.25 : undefined];
  for (const part of parts) {
    const [key, value = ''] = part.split('=');
    if (key === 'seed') seeds = parseSeeds(value, spec);
    else if (key === 'noise') {
      if (family !== 'moons') throw new RangeError(`--generated ${spec}: noise= applies to moons only (the AI4I-like generator has its own noise)`);
      noises = value.split(',').map((v) => {
        const noise = Number(v);
        if (!(v !== '' && noise >= 0 && Number.isFinite(noise))) throw new RangeError(`--generated ${spec}: noise must be numbers ≥ 0, got "${v}"`);
        return noise;
      });
    } else throw new RangeError(`--generated ${spec}: unknown part "${part}"; use seed=… or noise=…`);
  }
  return seeds.flatMap((seed) => noises.map((noise) => ({ family, rows, seed, ...(noise === undefined ? {} : { noise }) })));
}

function parseSeeds(value: string, spec: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(value);
  const seeds = range ? Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i) : value.split(',').map(Number);
  if (seeds.length === 0 || !seeds.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    throw new RangeError(`--generated ${spec}: seed must be non-negative integers, a list (1,2,5) or a range (1..3), got "${value}"`);
  }
  return seeds;
}

/** e.g. `moons_2000_seed1_noise0.3`, `ai4i_like_4000_seed2`. */
export function generatedName(set: GeneratedSet): string {
  return `${set.family}_${set.rows}_seed${set.seed}${set.noise === undefined ? '' : `_noise${set.noise}`}`;
}

/** The group a set's spread is reported in: family and size. */
export function generatedGroup(name: string): string | undefined {
  return /^(moons|ai4i_like)_(\d+)_seed\d+/.exec(name)?.slice(1, 3).join('_');
}

/** Generates the set, writes it as CSV (features, then `label`) into `dir`, and returns its bench spec. */
export function writeGenerated(set: GeneratedSet, dir: string): DatasetSpec {
  const dataset: NumericDataset = set.family === 'moons' ? makeMoons(set.rows, { seed: set.seed, noise: set.noise }) : ai4iToDataset(makeAi4iReadings(set.rows, { seed: set.seed }));
  const names = [...dataset.featureNames, 'label'];
  const records = toRows(dataset.X).map((values, i) => Object.fromEntries([...values.map((v, j) => [names[j], v]), ['label', dataset.y[i]]]) as Record<string, number>);
  mkdirSync(dir, { recursive: true });
  const name = generatedName(set);
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, writeCsv(records, names));
  return { name, file, label: 'label' };
}
