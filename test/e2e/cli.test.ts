/**
 * End-to-end tests of the `prognos` command line: each test runs bin/prognos.ts as a child
 * process (node --import tsx), in a fresh temporary working directory, with every path under it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repoRoot, 'bin', 'prognos.ts');
// Absolute: `--import tsx` would be resolved from the child's cwd, a temp folder without node_modules.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let workDir: string;

/** Runs `prognos <args>` in the temp working directory. */
function prognos(...args: string[]): CliResult {
  const env = { ...process.env };
  delete env.PROGNOS_DEBUG; // a developer's debug setting would add stack traces the error tests reject
  const result = spawnSync(process.execPath, ['--import', tsxLoader, bin, ...args], { cwd: workDir, encoding: 'utf8', env, timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The lines of a CSV without quoted cells (what predict writes), as records keyed by the header. */
function parseSimpleCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, j) => [columns[j], cell])));
}

/** An expected failure: non-zero exit, one `prognos:` line containing `message`, no stack trace. */
function expectCleanError(result: CliResult, message: string | RegExp): void {
  expect(result.status, result.stderr).not.toBe(0);
  expect(result.stderr).toMatch(/^prognos: /);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'prognos-cli-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('help and version', () => {
  const commands: [string, string[]][] = [
    ['demo', ['--rows', '--seed', '--home', '--target-recall']],
    ['generate', ['<kind>', 'ai4i', 'moons', '--rows', '--seed', '--out']],
    ['train', ['--data', '--label', '--features', '--target-recall', '--test-fraction', '--seed', '--home']],
    ['predict', ['--model', '--data', '--format', '--out']],
  ];

  it.each(commands)('prognos %s --help describes its options and shows examples', (command, options) => {
    const result = prognos(command, '--help');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Usage: prognos ${command}`);
    for (const option of options) expect(result.stdout).toContain(option);
    expect(result.stdout).toContain(`Examples:\n  $ prognos ${command}`);
  });

  it('prognos --help lists every command', () => {
    const result = prognos('--help');
    expect(result.status).toBe(0);
    for (const [command] of commands) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('prognos --version prints the package version', () => {
    const result = prognos('--version');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(packageVersion);
  });
});

describe('generate → train → predict', () => {
  const home = () => join(workDir, 'home-moons');
  const data = () => join(workDir, 'data', 'moons.csv');
  let modelDir: string;
  let manifest: { modelVersion: string; featureNames: string[]; threshold: { value: number }; metrics: { nPositive: number; nNegative: number } };

  beforeAll(() => {
    const generated = prognos('generate', 'moons', '--rows', '120', '--seed', '3', '--out', data());
    expect(generated.status, generated.stderr).toBe(0);
    const trained = prognos('train', '--data', data(), '--label', 'label', '--home', home());
    expect(trained.status, trained.stderr).toBe(0);
    const versions = readdirSync(join(home(), 'models'));
    expect(versions).toHaveLength(1);
    modelDir = join(home(), 'models', versions[0]);
    manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as typeof manifest;
  });

  it('generate writes the requested rows with features x0, x1 and a 0/1 label', () => {
    const rows = parseSimpleCsv(readFileSync(data(), 'utf8'));
    expect(rows).toHaveLength(120);
    expect(Object.keys(rows[0])).toEqual(['x0', 'x1', 'label']);
    expect(new Set(rows.map((r) => r.label))).toEqual(new Set(['0', '1']));
  });

  it('train names the model after the UTC time and a hash, and stores the test split metrics', () => {
    expect(manifest.modelVersion).toMatch(/^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{8}$/);
    expect(modelDir.endsWith(manifest.modelVersion)).toBe(true);
    expect(manifest.featureNames).toEqual(['x0', 'x1']);
    // 30 % of 60 + 60 rows, stratified.
    expect(manifest.metrics.nPositive + manifest.metrics.nNegative).toBe(36);
  });

  it('predict writes one CSV row per input row, labels at the stored threshold', () => {
    const result = prognos('predict', '--model', modelDir, '--data', data());
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('row,probability,label,latent_mean,latent_std,model_version');
    const rows = parseSimpleCsv(result.stdout);
    expect(rows).toHaveLength(120);
    const threshold = manifest.threshold.value;
    for (const r of rows) {
      const p = Number(r.probability);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
      expect(Number(r.label)).toBe(p >= threshold ? 1 : 0);
      expect(Number(r.latent_std)).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(Number(r.latent_mean))).toBe(true);
      expect(r.model_version).toBe(manifest.modelVersion);
    }
    // Both decisions occur, so the label check above is not vacuous.
    expect(new Set(rows.map((r) => r.label))).toEqual(new Set(['0', '1']));
    expect(result.stderr).toContain(`model ${manifest.modelVersion}`);
  });

  it('predict --format json --out writes the same predictions to a file, ignoring extra columns', () => {
    const input = join(workDir, 'data', 'reordered.csv');
    // Columns out of model order plus an id column: predict must pick x0, x1 by name.
    writeFileSync(input, 'id,x1,x0\na,0.5,0.1\nb,-0.4,1.9\n');
    const out = join(workDir, 'out', 'predictions.json');
    const result = prognos('predict', '--model', modelDir, '--data', input, '--format', 'json', '--out', out);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    const json = JSON.parse(readFileSync(out, 'utf8')) as { modelVersion: string; predictions: { row: number; probability: number; label: number }[] };
    expect(json.modelVersion).toBe(manifest.modelVersion);
    expect(json.predictions.map((p) => p.row)).toEqual([1, 2]);

    const asCsv = join(workDir, 'data', 'in-order.csv');
    writeFileSync(asCsv, 'x0,x1\n0.1,0.5\n1.9,-0.4\n');
    const csv = parseSimpleCsv(prognos('predict', '--model', modelDir, '--data', asCsv).stdout);
    expect(json.predictions.map((p) => p.probability)).toEqual(csv.map((r) => Number(r.probability)));
    // (0.1, 0.5) lies on the upper moon (label 0), (1.9, -0.4) on the lower one (label 1).
    expect(json.predictions[0].probability).toBeLessThan(json.predictions[1].probability);
  });

  it('predict names the feature columns a file lacks', () => {
    const input = join(workDir, 'data', 'no-x0.csv');
    writeFileSync(input, 'x1,other\n0.5,1\n');
    expectCleanError(prognos('predict', '--model', modelDir, '--data', input), /missing feature column "x0"/);
  });
});

describe('demo', () => {
  it('lands the sample data, trains, prints the metrics table and writes the artifact', () => {
    const home = join(workDir, 'home-demo');
    const result = prognos('demo', '--rows', '300', '--home', home);
    expect(result.status, result.stderr).toBe(0);

    const landed = join(home, 'landing', 'training', 'sample-300-7.csv');
    expect(existsSync(landed)).toBe(true);
    // Landing files are immutable: a second demo reuses the identical file, a changed one is refused.
    const before = readFileSync(landed, 'utf8');
    expect(prognos('demo', '--rows', '300', '--home', home).status).toBe(0);
    expect(readFileSync(landed, 'utf8')).toBe(before);
    writeFileSync(landed, before.replace(/\n[^\n]*\n$/, '\n'));
    expectCleanError(prognos('demo', '--rows', '300', '--home', home), /exists with other contents/);
    const versions = readdirSync(join(home, 'models')).sort();
    expect(versions).toHaveLength(2);
    const manifestPath = join(home, 'models', versions[0], 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { modelVersion: string; nTrain: number };
    expect(manifest.modelVersion).toBe(versions[0]);
    expect(manifest.nTrain).toBe(210);

    for (const metric of ['ROC AUC', 'average precision', 'threshold', 'recall', 'precision', 'specificity', 'F1', 'F2', 'Brier score', 'log loss']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${metric} +\\d+\\.\\d+$`, 'm'));
    }
    expect(result.stdout).toMatch(/^ {2}needs maintenance +\d+ TP +\d+ FN$/m);
    expect(result.stdout).toMatch(/^ {2}healthy +\d+ FP +\d+ TN$/m);
    expect(result.stdout).toMatch(/^ {2}kernel +[\d.e+-]+\*\*2 \* RBF\(length_scale=[\d.e+-]+\)$/m);
    expect(result.stdout).toMatch(/^ {2}training rows +210 /m);
    expect(result.stdout).toContain(`Model ${manifest.modelVersion} written to `);
    // Progress: one line per optimiser iteration on stderr.
    expect(result.stderr).toMatch(/^train {2}full +it +1 {2}lml +-\d+\.\d+ {2}c=[\d.e+-]+ l=[\d.e+-]+ /m);
  });
});

describe('errors', () => {
  beforeAll(() => {
    mkdirSync(join(workDir, 'bad'), { recursive: true });
  });

  it('a missing data file', () => {
    expectCleanError(prognos('train', '--data', 'does-not-exist.csv', '--label', 'label'), /data file not found: does-not-exist\.csv/);
  });

  it('an unknown label column lists the available ones', () => {
    const file = join(workDir, 'bad', 'labels.csv');
    writeFileSync(file, 'x0,x1,label\n1,2,0\n3,4,1\n');
    expectCleanError(prognos('train', '--data', file, '--label', 'failure'), /unknown label column "failure"; available columns: x0, x1, label/);
  });

  it('a non-numeric value names its line and column', () => {
    const file = join(workDir, 'bad', 'text.csv');
    writeFileSync(file, 'x0,x1,label\n1,2,0\n3,four,1\n');
    expectCleanError(prognos('train', '--data', file, '--label', 'label'), /line 3, column "x1": "four" is not a finite number/);
  });

  it('a model folder that does not exist', () => {
    expectCleanError(prognos('predict', '--model', 'no-such-model', '--data', 'x.csv'), /model folder not found: no-such-model/);
  });

  it('a bad option value is a usage error (exit code 2)', () => {
    const result = prognos('demo', '--rows', 'many');
    expectCleanError(result, /option '--rows <n>' argument 'many' is invalid/);
    expect(result.status).toBe(2);
  });

  it('--debug adds the stack trace', () => {
    const result = prognos('train', '--data', 'does-not-exist.csv', '--label', 'label', '--debug');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^prognos: data file not found/);
    expect(result.stderr).toMatch(/^\s+at /m);
  });
});
