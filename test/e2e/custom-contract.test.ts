/**
 * A data contract other than the shipped AI4I one, end to end through the command line: ingest,
 * run, predict and infer all read readings by that contract (its id, label, features, categorical
 * levels and derived feature), train on them and answer in its names. (That Glue, the API's request
 * model and every Lambda get the same custom contract is test/infra/contract.test.ts.) Runs
 * bin/prognos.ts as a child process in a temporary working directory.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeParquet } from '../../lambdas/core/data/parquet.ts';
import { SeededRandom } from '../../lambdas/core/ml/random.ts';
import { predictResponseSchema } from '../../lambdas/core/serving/response-schemas.ts';
import { prognosCli } from '../support/prognos-cli.ts';

const workDir = mkdtempSync(join(tmpdir(), 'prognos-contract-'));
const { prognos, prognosJson } = prognosCli(workDir);
const home = join(workDir, 'home');

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Centrifugal pumps: nothing in common with AI4I but the idea. */
const PUMP_CONTRACT = {
  name: 'pump_station',
  version: 1,
  description: 'A test contract: centrifugal pumps, a reading an hour',
  id: { name: 'pump_reading', source: 'Reading', type: 'integer', description: 'Reading number' },
  label: { name: 'pump_failed', source: 'Failed', positive: ['yes'], negative: ['no'], description: 'The pump failed within a day' },
  features: [
    { name: 'vibration_mm_s', source: 'Vibration [mm/s]', type: 'number', unit: 'mm/s', min: 0, max: 100, description: 'RMS vibration' },
    { name: 'bearing_temperature_c', source: 'Bearing temperature [C]', type: 'number', unit: '°C', min: -20, max: 200, description: 'Bearing temperature' },
    { name: 'current_a', source: 'Current [A]', type: 'number', unit: 'A', min: 0, max: 500, description: 'Motor current' },
    { name: 'duty', source: 'Duty', type: 'categorical', levels: ['standby', 'continuous'], description: 'Duty cycle' },
  ],
  derived: [{ name: 'heat_load', expression: 'bearing_temperature_c * current_a / 100', unit: '°C·A/100', description: 'Bearing heat times load' }],
  drop: ['Site'],
};

/** Readings whose failures follow vibration, temperature and duty (about a quarter fail). */
function pumpCsv(rows: number, seed: number, firstReading: number): string {
  const random = new SeededRandom(seed);
  const lines = ['Reading,Site,Vibration [mm/s],Bearing temperature [C],Current [A],Duty,Failed'];
  for (let i = 0; i < rows; i++) {
    const vibration = 2 + 6 * random.next();
    const temperature = 40 + 40 * random.next();
    const current = 50 + 100 * random.next();
    const continuous = random.next() < 0.5;
    const risk = (vibration - 5) * 0.9 + (temperature - 60) * 0.1 + (continuous ? 0.6 : 0) - 2;
    const failed = random.next() < 1 / (1 + Math.exp(-risk));
    lines.push(`${firstReading + i},north,${vibration.toFixed(2)},${temperature.toFixed(1)},${current.toFixed(1)},${continuous ? 'continuous' : 'standby'},${failed ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('a custom data contract through ingest, run, predict and infer', () => {
  let run: Record<string, unknown>;
  beforeAll(() => {
    writeFileSync(join(workDir, 'pumps.contract.json'), JSON.stringify(PUMP_CONTRACT));
    writeFileSync(join(workDir, 'readings.csv'), pumpCsv(600, 3, 1));
    // Lenient, so that this small set surely leaves a champion; a small exact GP keeps it quick.
    writeFileSync(join(workDir, 'config.json'), JSON.stringify({ gateMinRecall: 0.2, gateMargin: 0.9, model: 'exact', maxTrainRows: 400 }));
    expect(prognos('ingest', 'readings.csv', '--contract', 'pumps.contract.json', '--home', home).status).toBe(0);
    run = prognosJson('run', '--json', '--contract', 'pumps.contract.json', '--config', 'config.json', '--home', home);
  }, 180_000);

  it('trains on every reading by the contract and promotes a model', () => {
    expect(run).toMatchObject({ status: 'succeeded', trainingSet: { rows: 600 } });
    expect(run.promoted).toEqual(expect.any(String));
    // The model takes the contract's inputs: its features, the categorical's levels one-hot, the derived one.
    const show = prognosJson('models', 'show', run.promoted as string, '--json', '--home', home);
    expect(JSON.stringify(show)).toContain('pump_station');
    for (const name of ['vibration_mm_s', 'bearing_temperature_c', 'current_a', 'heat_load']) expect(JSON.stringify(show)).toContain(name);
  });

  it('predict reads instances by the contract and answers in its names; an AI4I instance is refused with the reason', () => {
    writeFileSync(
      join(workDir, 'instances.json'),
      JSON.stringify({ instances: [{ id: 'p-1', vibration_mm_s: 7.5, bearing_temperature_c: 75, current_a: 120, duty: 'continuous' }, { id: 'p-2', vibration_mm_s: 2.1, bearing_temperature_c: 41, current_a: 60, duty: 'standby' }] }),
    );
    const answer = predictResponseSchema.parse(prognosJson('predict', 'instances.json', '--json', '--explain', '--contract', 'pumps.contract.json', '--home', home));
    expect(answer.predictions.map((p) => p.id)).toEqual(['p-1', 'p-2']);
    const [worn, quiet] = answer.predictions;
    expect(worn!.probability).toBeGreaterThan(quiet!.probability);
    const features = new Set(PUMP_CONTRACT.features.map((f) => f.name));
    for (const reason of worn!.reasons ?? []) expect(features.has(reason.feature)).toBe(true);

    writeFileSync(join(workDir, 'ai4i.json'), JSON.stringify({ instances: [{ air_temperature_k: 300, process_temperature_k: 310, rotational_speed_rpm: 1500, torque_nm: 40, tool_wear_min: 10, product_type: 'M' }] }));
    const refused = prognos('predict', 'ai4i.json', '--json', '--contract', 'pumps.contract.json', '--home', home);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/vibration_mm_s/);
    expect(refused.stderr).not.toMatch(/^\s+at /m);
  });

  it('infer scores a batch by the contract: predictions keyed by its id, drift on its features and its categorical', async () => {
    writeFileSync(join(workDir, 'batch.csv'), pumpCsv(120, 11, 10_001));
    expect(prognos('ingest', '--inference', 'batch.csv', '--contract', 'pumps.contract.json', '--home', home).status).toBe(0);
    const batch = prognosJson('infer', '--json', '--contract', 'pumps.contract.json', '--home', home);
    expect(batch).toMatchObject({ status: 'succeeded', rows: { read: 120, scored: 120, quarantined: 0 }, drift: { status: 'computed', rows: 120 } });
    const drift = batch.drift as { features: { name: string }[]; categories: { name: string }[] };
    expect(drift.features.map((f) => f.name)).toEqual(['vibration_mm_s', 'bearing_temperature_c', 'current_a', 'heat_load']);
    expect(drift.categories.map((c) => c.name)).toEqual(['duty']);
    expect(batch.realised).toMatchObject({ labelledRows: 120 });

    const partitions = readdirSync(join(home, 'lake', 'predictions')).filter((d) => d.startsWith('dt='));
    const files = partitions.flatMap((dt) => readdirSync(join(home, 'lake', 'predictions', dt)).map((f) => join(home, 'lake', 'predictions', dt, f)));
    const rows = (await Promise.all(files.map(async (file) => decodeParquet(readFileSync(file))))).flat();
    expect(rows).toHaveLength(120);
    expect(rows.map((row) => row.pump_reading).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 120 }, (_, i) => 10_001 + i));
    expect(rows.every((row) => row.model_version === run.promoted && row.source_key === 'landing/inference/batch.csv')).toBe(true);
  });
});
