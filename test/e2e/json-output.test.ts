/**
 * The command line's machine-readable side: `--json` on the commands that print a result (run,
 * infer, models, report, predict; rollback in cli.test.ts), parsed; and one prediction schema — the fields of
 * `prognos predict`'s CSV and JSON are those the prediction API answers (`prognos serve`), and the
 * batch Parquet carries the same fields (in the tables' snake_case). Runs bin/prognos.ts as a
 * child process in a temporary working directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREDICTION_COLUMNS } from '../../lambdas/cli/predict.ts';
import { runRowSchema } from '../../lambdas/cli/run-row.ts';
import { DEFAULT_CONTRACT } from '../../lambdas/core/contract/contract.ts';
import { decodeParquet } from '../../lambdas/core/data/parquet.ts';
import { predictResponseSchema } from '../../lambdas/core/serving/response-schemas.ts';
import { sampleCsv, SMALL_CONFIG } from '../support/pipeline-fixture.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repoRoot, 'bin', 'prognos.ts');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const workDir = mkdtempSync(join(tmpdir(), 'prognos-json-'));
const home = join(workDir, 'home');

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PROGNOS_DEBUG;
  delete env.PROGNOS_HOME;
  delete env.PROGNOS_FAIL_STEP;
  return env;
}

function prognos(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', tsxLoader, bin, ...args], { cwd: workDir, encoding: 'utf8', env: childEnv(), timeout: 110_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `prognos <args>`, expects success, and parses stdout as one JSON document. */
function prognosJson(...args: string[]): Record<string, unknown> {
  const result = prognos(...args);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** camelCase → snake_case, the tables' convention. */
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const instance = { air_temperature_k: 300.1, process_temperature_k: 310.2, rotational_speed_rpm: 1500, torque_nm: 41.5, tool_wear_min: 120, product_type: 'M' };
const instances = { instances: [{ ...instance, id: 'press-7' }, { ...instance, torque_nm: 70, id: 42 }] };

let trainingRun: Record<string, unknown>;

beforeAll(() => {
  writeFileSync(join(workDir, 'small.json'), JSON.stringify({ ...SMALL_CONFIG, windowDays: 36_500 }));
  writeFileSync(join(workDir, 'readings.csv'), sampleCsv(500, 7, 1));
  writeFileSync(join(workDir, 'instances.json'), JSON.stringify(instances));
  expect(prognos('ingest', 'readings.csv', '--home', home).status).toBe(0);
  trainingRun = prognosJson('--home', home, 'run', '--json', '--config', 'small.json');
}, 120_000);

describe('--json', () => {
  it('run prints the run as runs --json lists it, and what each step came to', () => {
    expect(runRowSchema.safeParse(trainingRun).success).toBe(true);
    expect(trainingRun).toMatchObject({ kind: 'training', status: 'succeeded', started: true, mode: 'full', failure: null });
    expect(trainingRun.name).toMatch(/^train-[0-9a-f]{24}$/);
    expect(trainingRun.ingest).toEqual([expect.objectContaining({ key: 'landing/training/readings.csv', rowsRead: 500, rowsValid: 500 })]);
    expect(trainingRun.evaluation).toMatchObject({ challenger: { recall: expect.any(Number), rocAuc: expect.any(Number) }, champion: null });
    expect(trainingRun.gate).toMatchObject({ promote: expect.any(Boolean) });
    expect(existsSync(resolve(workDir, trainingRun.report as string))).toBe(true);
    expect(trainingRun.costUsd).toEqual(expect.any(Number));
  });

  it('run again prints the same run, not started', () => {
    expect(prognosJson('run', '--json', '--config', 'small.json', '--home', home)).toMatchObject({ name: trainingRun.name, started: false, status: 'succeeded' });
  });

  it('models and report agree with the run on the champion', () => {
    const promoted = trainingRun.promoted as string;
    expect(promoted).toBe((trainingRun.train as { version: string }).version);
    const models = prognosJson('models', '--json', '--home', home) as { champion: { version: string } | null };
    expect(models.champion?.version).toBe(promoted);
    const report = prognosJson('report', '--json', '--home', home);
    expect(report).toEqual({ version: promoted, path: trainingRun.report, champion: true });
  });

  it('infer prints the batch: files, rows, drift, where the predictions are', () => {
    writeFileSync(join(workDir, 'today.csv'), sampleCsv(60, 11, 10_001));
    expect(prognos('ingest', '--inference', 'today.csv', '--home', home).status).toBe(0);
    const batch = prognosJson('infer', '--json', '--home', home);
    expect(runRowSchema.safeParse(batch).success).toBe(true);
    expect(batch).toMatchObject({ kind: 'batch-inference', status: 'succeeded', started: true, modelVersion: trainingRun.promoted, retrains: [] });
    expect(batch.files).toMatchObject({ scored: 1, unusable: 0 });
    expect(batch.rows).toMatchObject({ read: 60, scored: 60 });
    expect(batch.drift).toMatchObject({ status: 'computed', drifted: expect.any(Boolean) });
    // The work list: a CSV of the flagged machines with their reasons; the generated readings carry labels, so realised metrics too.
    expect(batch.workList).toMatch(/lake\/predictions\/reports\/infer-[0-9a-f]{24}\/flagged\.csv$/);
    const workList = readFileSync(resolve(workDir, batch.workList as string), 'utf8').trimEnd().split('\n');
    expect(workList[0]).toBe('udi,source_key,source_line,probability,review,reason_1,reason_2,reason_3');
    expect(workList).toHaveLength(1 + (batch.rows as { flagged: number }).flagged);
    expect(batch.realised).toMatchObject({ labelledRows: 60, positives: expect.any(Number), flagged: (batch.rows as { flagged: number }).flagged });
  });
});

describe('one prediction schema', () => {
  it('predict --explain adds the reasons, as POST /predict with explain does', () => {
    const cli = predictResponseSchema.parse(prognosJson('predict', 'instances.json', '--json', '--explain', '--home', home));
    for (const prediction of cli.predictions) expect(prediction.reasons).toEqual(expect.any(Array));
    const csv = prognos('predict', 'instances.json', '--explain', '--home', home);
    expect(csv.status, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe([...PREDICTION_COLUMNS, 'reason_1', 'reason_2', 'reason_3'].join(','));
  });

  it('predict --json answers as POST /predict does, field for field and number for number', async () => {
    const cli = predictResponseSchema.parse(prognosJson('predict', 'instances.json', '--json', '--home', home));
    expect(cli.predictions.map((p) => p.id)).toEqual(['press-7', 42]);

    const server = spawn(process.execPath, ['--import', tsxLoader, bin, 'serve', '--port', '0', '--home', home], { cwd: workDir, env: childEnv() });
    try {
      const url = await new Promise<string>((done, fail) => {
        let out = '';
        server.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/\S+) /.exec(out);
          if (match) done(match[1]!);
        });
        server.once('exit', () => fail(new Error(`serve ended: ${out}`)));
      });
      const response = await fetch(new URL('predict', url.endsWith('/') ? url : `${url}/`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(instances) });
      expect(response.status).toBe(200);
      const api = predictResponseSchema.parse(await response.json());
      expect(cli).toEqual(api);
    } finally {
      server.kill('SIGTERM');
    }
  });

  it("predict's CSV has the API's fields, review included, and the JSON's values", () => {
    const csv = prognos('predict', 'instances.json', '--home', home);
    expect(csv.status, csv.stderr).toBe(0);
    const [header, ...lines] = csv.stdout.trim().split('\n');
    const json = predictResponseSchema.parse(prognosJson('predict', 'instances.json', '--format', 'json', '--home', home));
    expect(header!.split(',')).toEqual([...PREDICTION_COLUMNS]);
    expect(Object.keys(json.predictions[0]!).sort()).toEqual([...PREDICTION_COLUMNS].sort());
    lines.forEach((line, i) => {
      const cells = Object.fromEntries(line.split(',').map((cell, j) => [PREDICTION_COLUMNS[j], cell]));
      const p = json.predictions[i]!;
      expect(cells).toEqual({
        id: String(p.id),
        probability: String(p.probability),
        label: String(p.label),
        latentMean: String(p.latentMean),
        latentStd: String(p.latentStd),
        review: p.review ? '1' : '0',
        modelVersion: p.modelVersion,
      });
    });
  });

  it('the batch Parquet carries the same prediction fields, in the tables\' snake_case', async () => {
    const folder = join(home, 'lake', 'predictions');
    const files = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.parquet'));
    expect(files).toHaveLength(1);
    const rows = await decodeParquet(readFileSync(join(folder, files[0]!)));
    const columns = Object.keys(rows[0]!);
    // The reading's id is the contract's id column; every other field of the API's answer is there.
    for (const field of PREDICTION_COLUMNS.filter((name) => name !== 'id')) expect(columns).toContain(snake(field));
    expect(columns).toContain(DEFAULT_CONTRACT.id.name);
  });
});
