import { InvalidDataError } from '../../core/errors.ts';
import { denseMatrix } from '../../core/ml/dense.ts';
import { SeededRandom } from '../../core/ml/random.ts';
import type { NumericDataset } from '../../core/data/csv.ts';

/**
 * Synthetic machining readings following the published AI4I 2020 description (Matzka 2020) and
 * the reference generator `shared/reference/tools/datasets.py` (`make_ai4i_like`), step by step.
 * The random streams differ from numpy's, so the numbers are not the reference CSVs', but the
 * distributions and the failure rules are the same.
 */

/** Product quality variant: low, medium, high. */
export type ProductType = 'L' | 'M' | 'H';

/** 0/1 flag, as in the AI4I CSV. */
export type Flag = 0 | 1;

/** One machining process. Field names are the CSV column names written by the generators. */
export interface Ai4iReading {
  readonly productId: string;
  readonly type: ProductType;
  readonly air_temperature_k: number;
  readonly process_temperature_k: number;
  readonly rotational_speed_rpm: number;
  readonly torque_nm: number;
  /** Wear of the tool at the start of this process. */
  readonly tool_wear_min: number;
  /** Any of the five failure modes. */
  readonly machine_failure: Flag;
  /** Tool wear failure. */
  readonly TWF: Flag;
  /** Heat dissipation failure. */
  readonly HDF: Flag;
  /** Power failure. */
  readonly PWF: Flag;
  /** Overstrain failure. */
  readonly OSF: Flag;
  /** Random failure. */
  readonly RNF: Flag;
}

/** The five model features, in model order (the product type is simulation-only, as in the reference). */
export const AI4I_FEATURES = [
  'air_temperature_k',
  'process_temperature_k',
  'rotational_speed_rpm',
  'torque_nm',
  'tool_wear_min',
] as const;

/** Every column of a reading, in the order to write them with `writeCsv`. */
export const AI4I_COLUMNS = [
  'productId',
  'type',
  ...AI4I_FEATURES,
  'machine_failure',
  'TWF',
  'HDF',
  'PWF',
  'OSF',
  'RNF',
] as const satisfies readonly (keyof Ai4iReading)[];

/** The published AI4I 2020 rules and the simulation constants of the reference generator. */
export const AI4I_RULES = {
  typeProbability: { L: 0.5, M: 0.3, H: 0.2 },
  airMeanK: 300,
  airSdK: 2,
  processOffsetK: 10,
  processNoiseSdK: 1,
  torqueMeanNm: 40,
  torqueSdNm: 10,
  /** Torque floor used only inside the speed formula, so that the hyperbola stays finite. */
  torqueFloorForSpeedNm: 0.5,
  nominalPowerW: 2860,
  /** Chosen by the reference generator so that speed has mean ≈ 1540–1590 rpm and sd ≈ 180–240. */
  speedOffsetRpm: 855,
  speedNoiseSdRpm: 60,
  speedMinRpm: 1000,
  speedMaxRpm: 3000,
  wearPerProcessMin: { L: 2, M: 3, H: 5 },
  toolLifeMinMin: 200,
  toolLifeMaxMin: 240,
  /** A worn-out tool fails in 51 of 120 replacements (UCI: "replaced 69 times, and fails 51 times"). */
  twfProbability: 51 / 120,
  hdfMaxTemperatureDifferenceK: 8.6,
  hdfMaxSpeedRpm: 1380,
  pwfMinPowerW: 3500,
  pwfMaxPowerW: 9000,
  osfLimitMinNm: { L: 11_000, M: 12_000, H: 13_000 },
  rnfProbability: 0.001,
} as const;

/** Options of {@link makeAi4iReadings}. */
export interface Ai4iOptions {
  readonly seed: number;
}

/**
 * Simulates n sequential machining processes on one machine (one tool at a time).
 * @param n number of readings, an integer ≥ 0
 */
export function makeAi4iReadings(n: number, options: Ai4iOptions): Ai4iReading[] {
  if (!Number.isInteger(n) || n < 0) throw new InvalidDataError(`makeAi4iReadings needs an integer n ≥ 0, got ${n}`);
  const rng = new SeededRandom(options.seed);
  const types = Array.from({ length: n }, () => drawType(rng));
  const air = airTemperatures(n, rng);
  const process = air.map((a) => a + AI4I_RULES.processOffsetK + rng.normal(0, AI4I_RULES.processNoiseSdK));
  const torque = air.map(() => Math.max(0, rng.normal(AI4I_RULES.torqueMeanNm, AI4I_RULES.torqueSdNm)));
  const speed = torque.map((t) => rotationalSpeed(t, rng));
  const { wear, toolFailure } = toolWear(types, rng);

  return types.map((type, i) => {
    const flags = {
      TWF: toolFailure[i],
      HDF: heatDissipationFails(process[i] - air[i], speed[i]),
      PWF: powerFails(torque[i], speed[i]),
      OSF: overstrainFails(type, wear[i], torque[i]),
      RNF: rng.bernoulli(AI4I_RULES.rnfProbability),
    };
    return {
      // Letter + serial, like the UCI "M14860"; serials are sequential so ids are unique.
      productId: `${type}${10_000 + i}`,
      type,
      air_temperature_k: air[i],
      process_temperature_k: process[i],
      rotational_speed_rpm: speed[i],
      torque_nm: torque[i],
      tool_wear_min: wear[i],
      machine_failure: flag(Object.values(flags).some(Boolean)),
      TWF: flag(flags.TWF),
      HDF: flag(flags.HDF),
      PWF: flag(flags.PWF),
      OSF: flag(flags.OSF),
      RNF: flag(flags.RNF),
    };
  });
}

/** The five features ({@link AI4I_FEATURES} order) and `machine_failure` as label. */
export function ai4iToDataset(rows: readonly Ai4iReading[]): NumericDataset {
  const cols = AI4I_FEATURES.length;
  const X = denseMatrix(rows.length, cols);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    AI4I_FEATURES.forEach((name, j) => {
      X.data[i * cols + j] = r[name];
    });
    y[i] = r.machine_failure;
  });
  return { X, y, featureNames: [...AI4I_FEATURES] };
}

/** Mechanical power in W from torque (N·m) and speed (rpm). */
export function powerW(torqueNm: number, speedRpm: number): number {
  return torqueNm * ((speedRpm * 2 * Math.PI) / 60);
}

function drawType(rng: SeededRandom): ProductType {
  const u = rng.next();
  const { L, M } = AI4I_RULES.typeProbability;
  return u < L ? 'L' : u < L + M ? 'M' : 'H';
}

/** Gaussian random walk rescaled to exactly mean 300 K and population sd 2 K (slow drift, like a day's weather). */
function airTemperatures(n: number, rng: SeededRandom): number[] {
  const walk: number[] = [];
  let position = 0;
  for (let i = 0; i < n; i++) walk.push((position += rng.normal()));
  const mean = walk.reduce((s, v) => s + v, 0) / Math.max(n, 1);
  const sd = Math.sqrt(walk.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(n, 1));
  // A single reading (or a flat walk) has no spread to rescale: put it at the mean.
  return walk.map((v) => AI4I_RULES.airMeanK + (sd > 0 ? (AI4I_RULES.airSdK * (v - mean)) / sd : 0));
}

/** Speed from the nominal power at this torque (a hyperbola) plus noise, clipped to the machine's range. */
function rotationalSpeed(torqueNm: number, rng: SeededRandom): number {
  const r = AI4I_RULES;
  const fromPower = (60 / (2 * Math.PI)) * (r.nominalPowerW / Math.max(torqueNm, r.torqueFloorForSpeedNm));
  const rpm = r.speedOffsetRpm + fromPower + rng.normal(0, r.speedNoiseSdRpm);
  return Math.min(r.speedMaxRpm, Math.max(r.speedMinRpm, rpm));
}

/**
 * Wear at the start of each process, and tool wear failures. Each tool gets an end of life drawn in
 * [200, 240] min; the first process that starts at or beyond it fails (TWF) with probability 51/120,
 * and either way the tool is replaced, so the next process starts at wear 0.
 */
function toolWear(types: readonly ProductType[], rng: SeededRandom): { wear: number[]; toolFailure: boolean[] } {
  const r = AI4I_RULES;
  const wear: number[] = [];
  const toolFailure: boolean[] = [];
  let current = 0;
  let endOfLife = rng.uniform(r.toolLifeMinMin, r.toolLifeMaxMin);
  for (const type of types) {
    wear.push(current);
    if (current >= endOfLife) {
      toolFailure.push(rng.bernoulli(r.twfProbability));
      current = 0;
      endOfLife = rng.uniform(r.toolLifeMinMin, r.toolLifeMaxMin);
    } else {
      toolFailure.push(false);
      current += r.wearPerProcessMin[type];
    }
  }
  return { wear, toolFailure };
}

function heatDissipationFails(temperatureDifferenceK: number, speedRpm: number): boolean {
  return temperatureDifferenceK < AI4I_RULES.hdfMaxTemperatureDifferenceK && speedRpm < AI4I_RULES.hdfMaxSpeedRpm;
}

function powerFails(torqueNm: number, speedRpm: number): boolean {
  const power = powerW(torqueNm, speedRpm);
  return power < AI4I_RULES.pwfMinPowerW || power > AI4I_RULES.pwfMaxPowerW;
}

function overstrainFails(type: ProductType, wearMin: number, torqueNm: number): boolean {
  return wearMin * torqueNm > AI4I_RULES.osfLimitMinNm[type];
}

function flag(value: boolean): Flag {
  return value ? 1 : 0;
}

/** The header of the published AI4I 2020 CSV (UCI), in its order: what the default data contract maps. */
export const AI4I_SOURCE_COLUMNS = [
  'UDI',
  'Product ID',
  'Type',
  'Air temperature [K]',
  'Process temperature [K]',
  'Rotational speed [rpm]',
  'Torque [Nm]',
  'Tool wear [min]',
  'Machine failure',
  'TWF',
  'HDF',
  'PWF',
  'OSF',
  'RNF',
] as const;

export type Ai4iSourceRecord = Record<(typeof AI4I_SOURCE_COLUMNS)[number], string | number>;

/**
 * Readings as rows of the published file: `UDI` numbers them from `firstUdi`, readings round like
 * the original (0.1 K, 1 rpm, 0.1 Nm, 1 min), so generated files look and ingest like the real one.
 */
export function toAi4iSourceRecords(readings: readonly Ai4iReading[], firstUdi = 1): Ai4iSourceRecord[] {
  const tenth = (value: number): number => Math.round(value * 10) / 10;
  return readings.map((r, i) => ({
    UDI: firstUdi + i,
    'Product ID': r.productId,
    Type: r.type,
    'Air temperature [K]': tenth(r.air_temperature_k),
    'Process temperature [K]': tenth(r.process_temperature_k),
    'Rotational speed [rpm]': Math.round(r.rotational_speed_rpm),
    'Torque [Nm]': tenth(r.torque_nm),
    'Tool wear [min]': Math.round(r.tool_wear_min),
    'Machine failure': r.machine_failure,
    TWF: r.TWF,
    HDF: r.HDF,
    PWF: r.PWF,
    OSF: r.OSF,
    RNF: r.RNF,
  }));
}
