/**
 * The data sets of the sparse GP benchmarks, split and scaled the one way every sparse bench uses:
 * scikit-learn's StratifiedShuffleSplit(test_size=0.3, random_state=99) (bench/sklearn-split.ts),
 * the scaler fitted on the training split only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Ai4iReading, ai4iToDataset, makeAi4iReadings, toAi4iSourceRecords } from '../lambdas/cli/sample-data/ai4i.ts';
import { DEFAULT_CONTRACT } from '../lambdas/core/contract/contract.ts';
import { encodeRows, modelFeatureNames } from '../lambdas/core/contract/encode.ts';
import { makeMoons } from '../lambdas/cli/sample-data/moons.ts';
import { readNumericCsv, type NumericDataset } from '../lambdas/core/data/csv.ts';
import { type DenseMatrix, fromRows, takeRows } from '../lambdas/core/ml/dense.ts';
import { StandardScaler } from '../lambdas/core/ml/scaler.ts';
import type { SplitIndices } from '../lambdas/core/ml/split.ts';
import { sharedDirCandidate } from './datasets.ts';
import { sklearnStratifiedShuffleSplit } from './sklearn-split.ts';

export interface BenchSet {
  /** e.g. `moons seed 3 noise 0.3`, `generated seed 2`, `ai4i_like_4000`. */
  readonly name: string;
  readonly data: NumericDataset;
  readonly split: SplitIndices;
  /** Scaled training rows and their labels. */
  readonly xTrain: DenseMatrix;
  readonly yTrain: Uint8Array;
  /** Scaled holdout rows (with the training split's scaler) and their labels. */
  readonly xTest: DenseMatrix;
  readonly yTest: Uint8Array;
  /** Fitted on the raw training rows. */
  readonly scaler: StandardScaler;
}

/**
 * A large test set from the same generator as a fresh set (`generated` or `moons`; another seed:
 * `seed` + 1000), raw and scaled with the set's scaler: its holdout has 15–25 failures at 2,000
 * rows, too few to resolve an AUC gap of 0.005, so the models are also scored on this one.
 */
export function freshTestSet(set: BenchSet, name: string, settings: Readonly<Record<string, string>>, rows: number): { xRaw: DenseMatrix; x: DenseMatrix; y: Uint8Array } {
  const seed = Number(settings.seed ?? 7) + 1000;
  let data: NumericDataset;
  if (name === 'generated') data = generatedDataset(makeAi4iReadings(rows, { seed }), settings);
  else if (name === 'moons') data = makeMoons(rows, { seed, noise: Number(settings.noise ?? 0.25) });
  else throw new RangeError(`a fresh test set needs a generated data set (generated or moons), not ${name}`);
  return { xRaw: data.X, x: set.scaler.transform(data.X), y: data.y };
}

/** Real AI4I 2020: Type one-hot, the 5 sensors and three derived columns (power, ΔT, strain). */
function loadAi4i2020(shared: string): NumericDataset {
  const lines = readFileSync(join(shared, 'datasets', 'ai4i2020.csv'), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const [type, air, proc, speed, torque, wear, label] = ['Type', 'Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]', 'Torque [Nm]', 'Tool wear [min]', 'Machine failure'].map(col);
  const rows: number[][] = [];
  const y: number[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const v = (k: number) => Number(f[k]);
    rows.push([f[type] === 'L' ? 1 : 0, f[type] === 'M' ? 1 : 0, f[type] === 'H' ? 1 : 0, v(air), v(proc), v(speed), v(torque), v(wear), (v(torque) * v(speed) * 2 * Math.PI) / 60, v(proc) - v(air), v(wear) * v(torque)]);
    y.push(v(label));
  }
  return { X: fromRows(rows), y: Uint8Array.from(y), featureNames: ['type_l', 'type_m', 'type_h', 'air', 'process', 'speed', 'torque', 'wear', 'power', 'temp_diff', 'strain'] };
}

/**
 * Generated AI4I-like readings as model inputs: the five sensors (the reference sets' columns), or
 * with `features=contract` the shipped contract's encoding, as a pipeline run on a `prognos
 * generate` file trains on (product type one-hot, the sensors, power, ΔT and strain).
 */
function generatedDataset(readings: readonly Ai4iReading[], settings: Readonly<Record<string, string>>): NumericDataset {
  if (settings.features !== 'contract') return ai4iToDataset(readings);
  // As the file `prognos generate` writes (rounded like the real one), keyed by the contract's names.
  const rows = toAi4iSourceRecords(readings).map((record) => Object.fromEntries(DEFAULT_CONTRACT.features.map((f) => [f.name, record[f.source as keyof typeof record]])));
  return { X: encodeRows(DEFAULT_CONTRACT, rows), y: Uint8Array.from(readings, (r) => r.machine_failure), featureNames: modelFeatureNames(DEFAULT_CONTRACT) };
}

/**
 * Data sets by name: `ai4i2020` (../shared/datasets), `generated` (AI4I-like, n rows) and `moons`
 * drawn fresh with `seed` (default 7) and `noise` (default 0.25), or a reference set
 * (../shared/reference/data/<name>.csv).
 */
export function loadSet(name: string, settings: Readonly<Record<string, string>>): BenchSet {
  const shared = sharedDirCandidate();
  const n = Number(settings.n ?? 100_000);
  const seed = Number(settings.seed ?? 7);
  let data: NumericDataset;
  if (name === 'ai4i2020') data = loadAi4i2020(shared);
  else if (name === 'generated') data = generatedDataset(makeAi4iReadings(n, { seed }), settings);
  else if (name === 'moons') data = makeMoons(n, { seed, noise: Number(settings.noise ?? 0.25) });
  else data = readNumericCsv(join(shared, 'reference', 'data', `${name}.csv`), { label: 'label' });
  const fresh = name === 'generated' || name === 'moons';
  const label = fresh ? `${name}${settings.features === 'contract' ? ' (contract)' : ''}${settings.n ? ` n=${n}` : ''} seed ${seed}${name === 'moons' ? ` noise ${settings.noise ?? 0.25}` : ''}` : name;

  const split = sklearnStratifiedShuffleSplit(data.y, { testSize: 0.3, randomState: 99 });
  const xTrainRaw = takeRows(data.X, split.trainIndex);
  const scaler = new StandardScaler().fit(xTrainRaw);
  return {
    name: label,
    data,
    split: { trainIndex: split.trainIndex, testIndex: split.testIndex },
    xTrain: scaler.transform(xTrainRaw),
    yTrain: Uint8Array.from(split.trainIndex, (i) => data.y[i]),
    xTest: scaler.transform(takeRows(data.X, split.testIndex)),
    yTest: Uint8Array.from(split.testIndex, (i) => data.y[i]),
    scaler,
  };
}
