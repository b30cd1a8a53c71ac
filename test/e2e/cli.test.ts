/**
 * End-to-end tests of the `prognos` command line: each test runs bin/prognos.ts as a child
 * process (node --import tsx), in a fresh temporary working directory, with every path under it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetPath, describeWithShared } from '../support/shared.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repoRoot, 'bin', 'prognos.ts');
// Absolute: `--import tsx` would be resolved from the child's cwd, a temp folder without node_modules.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Created at load: each scenario's home path is fixed when its describe block is collected.
const workDir = mkdtempSync(join(tmpdir(), 'prognos-cli-'));

/** Runs `prognos <args>` in the temp working directory. */
function prognos(...args: string[]): CliResult {
  return prognosWith({}, ...args);
}

function prognosWith(extraEnv: Record<string, string>, ...args: string[]): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  delete env.PROGNOS_DEBUG; // a developer's debug setting would add stack traces the error tests reject
  delete env.PROGNOS_HOME;
  if (!('PROGNOS_FAIL_STEP' in extraEnv)) delete env.PROGNOS_FAIL_STEP;
  const result = spawnSync(process.execPath, ['--import', tsxLoader, bin, ...args], { cwd: workDir, encoding: 'utf8', env, timeout: 110_000 });
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

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** A home folder of its own for one scenario. */
function freshHome(name: string): string {
  return join(workDir, name);
}

/** A home folder that exists and holds nothing (a missing one is warned about as a likely typo). */
function emptyHome(name: string): string {
  const home = freshHome(name);
  mkdirSync(home, { recursive: true });
  return home;
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

interface ChampionFile {
  readonly version: string;
  readonly previous: string[];
}

function champion(home: string): ChampionFile | undefined {
  const path = join(home, 'models', 'champion.json');
  return existsSync(path) ? (readJson(path) as ChampionFile) : undefined;
}

function modelVersions(home: string): string[] {
  const dir = join(home, 'models');
  return existsSync(dir) ? readdirSync(dir).filter((name) => /^\d{8}T/.test(name)).sort() : [];
}

/** The artifact kind of a version, from its manifest. */
function kindOf(home: string, version: string): string {
  return (readJson(join(home, 'models', version, 'model', 'manifest.json')) as { kind: string }).kind;
}

/** The GP versions only: each run also saves its two challengers as candidate versions. */
function gpVersions(home: string): string[] {
  return modelVersions(home).filter((version) => kindOf(home, version).startsWith('gpc-'));
}

/** Sample readings in the published AI4I header, written to `file` in the working directory. */
function generate(file: string, rows: number, seed: number): string {
  const result = prognos('generate', 'ai4i', '--rows', String(rows), '--seed', String(seed), '--out', file);
  expect(result.status, result.stderr).toBe(0);
  return join(workDir, file);
}

/** A lenient gate, so that a scenario that needs a second champion gets one whatever the data. */
function lenientConfig(): string {
  const file = join(workDir, 'lenient.json');
  writeFileSync(file, JSON.stringify({ gateMinRecall: 0.2, gateMargin: 0.9 }));
  return file;
}

/** `npm start`'s default size: the demo must promote its first model on it. */
const DEMO_ROWS = '2000';

describe('a home folder that does not exist', () => {
  it('is warned about (a mistyped --home), not silently read as empty; commands that make it are not', () => {
    const missing = join(workDir, 'no-such-home');
    const models = prognos('models', '--home', missing);
    expect(models.status).toBe(0);
    expect(models.stderr).toContain(`prognos: warning: the home folder ${missing} does not exist (a typo in --home or PROGNOS_HOME?)`);
    expect(models.stdout).toContain('no models yet');
    const generated = prognos('generate', 'ai4i', '--rows', '20', '--out', join(workDir, 'twenty.csv'));
    expect(generated.stderr).not.toContain('warning');
  });
});

describe('help and version', () => {
  const commands: [string, string[]][] = [
    ['demo', ['--rows', '--seed', '--home', '--contract']],
    ['run', ['--mode', '--config', '--date', '--home']],
    ['ingest', ['<files...>', '--home']],
    ['predict', ['<file>', '--model', '--format', '--out']],
    ['models', ['--json', '--home']],
    ['landing', ['--json', '--home']],
    ['rollback', ['--to', '--home']],
    ['report', ['[version]', '--home']],
    ['generate', ['<kind>', 'ai4i', 'moons', '--rows', '--seed', '--out']],
    ['serve', ['--port', '--host', '--refresh-ms', '--headers-timeout', '--request-timeout', '--home']],
  ];

  it.each(commands)('prognos %s --help describes its options and shows examples', (command, options) => {
    const result = prognos(command, '--help');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Usage: prognos ${command}`);
    for (const option of options) expect(result.stdout).toContain(option);
    expect(result.stdout).toContain(`Examples:\n  $ npx prognos ${command}`);
  });

  it('prognos --help lists every command', () => {
    const result = prognos('--help');
    expect(result.status).toBe(0);
    for (const [command] of commands) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it("package.json's bin (what npx prognos runs from a clone) is an executable that runs the CLI", () => {
    const { bin: bins } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const entry = join(repoRoot, bins.prognos!);
    expect(statSync(entry).mode & 0o111).not.toBe(0);
    expect(readFileSync(entry, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    const result = spawnSync(process.execPath, [entry, '--version'], { cwd: workDir, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(packageVersion);
  });

  it('prognos --version prints the package version', () => {
    const result = prognos('--version');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(packageVersion);
  });
});

describe('global options', () => {
  it('go before or after the command: prognos --home X models is prognos models --home X', () => {
    const missing = join(workDir, 'no-such-home-either');
    const before = prognos('--home', missing, 'models');
    const after = prognos('models', '--home', missing);
    expect(before.status, before.stderr).toBe(0);
    expect(before).toEqual(after);
    expect(before.stderr).toContain(`the home folder ${missing} does not exist`);
  });

  it.each(['rollback', 'report', 'models', 'landing', 'doctor'])('prognos %s takes no --contract, before or after the command, and its help does not offer it', (command) => {
    expectCleanError(prognos('--contract', 'contract.json', command), new RegExp(`^prognos: ${command} takes no --contract; see 'npx prognos ${command} --help'`));
    const after = prognos(command, '--contract', 'contract.json');
    expect(after.status).toBe(2);
    expect(after.stderr).toContain(`${command} takes no --contract`);
    const help = prognos(command, '--help');
    expect(help.stdout).toContain('--home');
    expect(help.stdout).not.toContain('--contract');
  });

  it('generate takes no --home', () => {
    const result = prognos('--home', 'somewhere', 'generate', 'ai4i', '--rows', '5', '--out', 'five.csv');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('generate takes no --home');
  });
});

describe('the happy path: demo, a second demo, predict, report, models', () => {
  const home = freshHome('home-demo');
  let first: CliResult;

  beforeAll(() => {
    first = prognos('demo', '--rows', DEMO_ROWS, '--home', home);
  });

  it('seeds the landing zone, says so, runs every state and promotes the first model', () => {
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain(`seeded ${DEMO_ROWS} sample AI4I 2020-style readings`);
    for (const state of ['ValidateAndIngest', 'BuildTrainingSet', 'SplitAndScale', 'Train', 'Evaluate', 'Gate', 'WriteReport', 'Promote']) {
      expect(first.stderr).toMatch(new RegExp(`✓ ${state}(\\[0\\])?  \\d+\\.\\d s`));
    }
    expect(first.stderr).toMatch(/full\s+start 0\s+it\s+\d+\s+lml\s+-\d+\.\d+/); // optimiser progress
    expect(first.stdout).toMatch(new RegExp(`rows ingested\\s+${DEMO_ROWS} valid of ${DEMO_ROWS} read from 1 file`));
    expect(first.stdout).toMatch(/rows quarantined\s+0/);
    expect(first.stdout).toMatch(/holdout\s+recall \d\.\d{3}\s+precision \d\.\d{3}/);
    expect(first.stdout).toMatch(/gate\s+promote /);
    const versions = gpVersions(home);
    expect(versions).toHaveLength(1);
    expect(champion(home)?.version).toBe(versions[0]);
    // Beside it, the run's two challengers, each a candidate version of its own kind.
    expect(modelVersions(home).filter((v) => !versions.includes(v)).map((v) => kindOf(home, v)).sort()).toEqual(['gradient-boosting', 'logistic-regression']);
    expect(first.stdout).toMatch(new RegExp(`report\\s+\\S*${join('models', versions[0]!, 'report.html').replaceAll('.', '\\.')}`));
  });

  it('records the run under runs/ with every state, its input, output and duration', () => {
    const runs = readdirSync(join(home, 'runs')).filter((name) => name.endsWith('.json'));
    expect(runs).toHaveLength(1);
    const record = readJson(join(home, 'runs', runs[0]!)) as {
      name: string;
      status: string;
      startedAt: string;
      finishedAt: string;
      durationMs: number;
      states: { name: string; startedAt: string; durationMs: number; output?: unknown }[];
    };
    expect(record.status).toBe('SUCCEEDED');
    expect(`${record.name}.json`).toBe(runs[0]);
    const names = record.states.map((state) => state.name);
    expect(names).toEqual(expect.arrayContaining(['IngestFiles', 'BuildTrainingSet', 'Train', 'Gate', 'PromoteOrReject', 'Promote', 'Promoted']));
    // Durations are measured, not defaulted (a duration is clamped at 0, so ≥ 0 alone proves
    // nothing): each state starts no earlier than the one before and ends inside the run, and
    // Train, which fits a model, takes time.
    const runStart = Date.parse(record.startedAt);
    const runEnd = Date.parse(record.finishedAt);
    expect(record.durationMs).toBe(runEnd - runStart);
    let previousStart = runStart;
    for (const state of record.states) {
      const start = Date.parse(state.startedAt);
      expect(start, `${state.name} starts after the one before`).toBeGreaterThanOrEqual(previousStart);
      expect(start + state.durationMs, `${state.name} ends inside the run`).toBeLessThanOrEqual(runEnd);
      previousStart = start;
    }
    expect(record.states.find((state) => state.name === 'Train')!.durationMs).toBeGreaterThan(0);
  });

  it('a second demo with the same data starts no new run and says so', () => {
    const second = prognos('demo', '--rows', DEMO_ROWS, '--home', home);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain('sample readings already in the landing zone');
    expect(second.stderr).toContain('the same landing files start no new training run');
    expect(second.stderr).not.toContain('▸ Train');
    expect(modelVersions(home)).toHaveLength(3);
    expect(readdirSync(join(home, 'runs')).filter((name) => name.endsWith('.json'))).toHaveLength(1);
  });

  it('report prints the path of a self-contained HTML report with drawn charts', () => {
    const result = prognos('report', '--home', home);
    expect(result.status, result.stderr).toBe(0);
    const path = resolve(workDir, result.stdout.trim());
    expect(path).toBe(join(home, 'models', champion(home)!.version, 'report.html'));
    const html = readFileSync(path, 'utf8');
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(6);
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it('takes the home folder before the command as after it, for nested commands too', () => {
    expect(prognos('--home', home, 'report')).toEqual(prognos('report', '--home', home));
    expect(prognos('--home', home, 'runs', '--json')).toEqual(prognos('runs', '--json', '--home', home));
    const retry = prognos('--home', home, 'runs', 'retry', 'train-000000000000000000000000');
    expect(retry.status).toBe(1);
    expect(retry.stderr).toMatch(/train-000000000000000000000000/);
    expect(retry.stderr).not.toContain('does not exist (a typo');
  });

  it('models lists the run\'s versions under the run, with kind, rows and holdout AP, and marks the champion', () => {
    const result = prognos('models', '--home', home);
    expect(result.status, result.stderr).toBe(0);
    // Columns: version, kind, rows, recall, holdout AP, gate, status.
    expect(result.stdout).toMatch(new RegExp(`\\*\\s+${champion(home)!.version.replace('.', '\\.')}\\s+\\S+\\s+\\d+\\s+\\d\\.\\d{3}\\s+\\d\\.\\d{3}\\s+passed\\s+serving`));
    expect(result.stdout).toMatch(/^ {2}run train-[0-9a-f]+ · full · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/m);
    for (const version of modelVersions(home)) expect(result.stdout).toMatch(new RegExp(`${version.replace('.', '\\.')}\\s+${kindOf(home, version)}\\s+\\d+\\s+\\d\\.\\d{3}\\s+\\d\\.\\d{3}`));
  });

  it('models --json gives each version its run, mode, kind, rows and holdout numbers, one of them gated', () => {
    const result = prognos('models', '--json', '--home', home);
    expect(result.status, result.stderr).toBe(0);
    const listing = JSON.parse(result.stdout) as {
      champion: { version: string };
      versions: { version: string; runName: string; mode: string; kind: string; trainRows: number; createdAt: string; gated: boolean; status: string; holdout: { averagePrecision: number } | null }[];
    };
    expect(listing.versions.map((v) => v.version)).toEqual(modelVersions(home));
    expect(new Set(listing.versions.map((v) => v.runName)).size).toBe(1);
    expect(listing.versions.map((v) => v.kind).sort()).toEqual(modelVersions(home).map((v) => kindOf(home, v)).sort());
    for (const version of listing.versions) {
      expect(version.runName).toMatch(/^train-[0-9a-f]+$/);
      expect(version.mode).toBe('full');
      expect(version.trainRows).toBeGreaterThan(100);
      expect(Date.parse(version.createdAt)).not.toBeNaN();
      expect(version.holdout?.averagePrecision).toBeGreaterThan(0);
    }
    // The gate judged one version of the run; it is the one promoted.
    expect(listing.versions.filter((v) => v.gated).map((v) => [v.version, v.status])).toEqual([[listing.champion.version, 'serving']]);
  });

  it('models show prints one model\'s record, for the gated version and for a sibling, as text and as JSON', () => {
    const served = champion(home)!.version;
    const text = prognos('models', 'show', served, '--home', home);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^model ${served.replace('.', '\\.')}\n  status +serving \\(the champion\\)\n`));
    for (const field of ['kind', 'created', 'run', 'mode', 'trained on', 'training set', 'features', 'contract', 'threshold', 'holdout', 'report']) {
      expect(text.stdout).toMatch(new RegExp(`^  ${field} +\\S`, 'm'));
    }
    expect(text.stdout).toContain('gate: passed, judging this version');
    expect(text.stdout).toMatch(/models trained in run train-[0-9a-f]+, on the same holdout:/);

    const sibling = modelVersions(home).find((v) => v !== served)!;
    const json = prognos('models', 'show', sibling, '--json', '--home', home);
    expect(json.status, json.stderr).toBe(0);
    const record = JSON.parse(json.stdout) as { version: string; kind: string; decision: { version: string } | null; candidates: unknown[]; report: { version: string; path: string }; trainingSet: { key: string }; contract: { name: string } };
    expect(record).toMatchObject({ version: sibling, kind: kindOf(home, sibling), decision: { version: served }, report: { version: served }, contract: { name: 'ai4i2020' } });
    expect(record.candidates).toHaveLength(3);
    expect(existsSync(resolve(workDir, record.report.path))).toBe(true);
    expect(record.trainingSet.key).toMatch(/^lake\/training-sets\/train-[0-9a-f]+\//);
  });

  it('models show of a version that does not exist fails cleanly and names the nearest, or says how to list them', () => {
    expectCleanError(prognos('models', 'show', 'nope', '--home', home), '"nope" is not a model version (e.g. 20261126T190501.123Z-1a2b3c4d); npx prognos models lists them');
    const served = champion(home)!.version;
    const near = served.replace(/-[0-9a-f]{8}$/, '-00000000');
    const result = prognos('models', 'show', near, '--home', home);
    expectCleanError(result, `there is no model ${near}; the nearest: `);
    expect(result.stderr).toContain(served);
  });

  it('predict scores a CSV in the landing format with the champion: probability, label, uncertainty, version', () => {
    const file = generate('to-score.csv', 40, 99);
    const result = prognos('predict', file, '--home', home);
    expect(result.status, result.stderr).toBe(0);
    const rows = parseSimpleCsv(result.stdout);
    expect(rows).toHaveLength(40);
    expect(rows[0]).toEqual(expect.objectContaining({ id: '1', modelVersion: champion(home)!.version }));
    for (const row of rows) {
      const probability = Number(row.probability);
      expect(probability).toBeGreaterThan(0);
      expect(probability).toBeLessThan(1);
      expect(['0', '1']).toContain(row.label);
      expect(Number(row.latentStd)).toBeGreaterThan(0);
    }
  });

  it('predict takes JSON instances keyed by feature name, and names a bad field', () => {
    const instance = { air_temperature_k: 300.1, process_temperature_k: 310.2, rotational_speed_rpm: 1500, torque_nm: 41.5, tool_wear_min: 120, product_type: 'M' };
    writeFileSync(join(workDir, 'instances.json'), JSON.stringify({ instances: [instance, { ...instance, torque_nm: 75 }] }));
    const result = prognos('predict', 'instances.json', '--format', 'json', '--home', home);
    expect(result.status, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as { modelVersion: string; predictions: { probability: number }[] };
    expect(output.modelVersion).toBe(champion(home)!.version);
    expect(output.predictions).toHaveLength(2);

    writeFileSync(join(workDir, 'bad-instances.json'), JSON.stringify({ instances: [{ ...instance, torque_nm: 'high' }] }));
    expectCleanError(prognos('predict', 'bad-instances.json', '--home', home), /torque_nm/);
  });

  it('infer refuses a misspelt PROGNOS_FAIL_STEP as run does, before any step runs', () => {
    expect(prognos('ingest', '--inference', generate('drill-batch.csv', 30, 5), '--home', home).status).toBe(0);
    const runsBefore = readdirSync(join(home, 'runs'));
    const result = prognosWith({ PROGNOS_FAIL_STEP: 'ScoreFiel' }, 'infer', '--home', home);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^prognos: PROGNOS_FAIL_STEP=ScoreFiel names no step; the steps are ListNewFiles, ScoreFile, .*, Train, /m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain('looks like a bug');
    expect(readdirSync(join(home, 'runs'))).toEqual(runsBefore);
  });
});

describe('a file with bad rows', () => {
  const home = freshHome('home-bad-rows');

  it('quarantines each bad row with its line and reason, and trains on the good rows', () => {
    const file = generate('with-bad-rows.csv', 1000, 11);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    lines[5] = lines[5]!.replace(/^(\d+),([^,]+),([LMH]),[^,]+,/, '$1,$2,$3,abc,'); // air temperature not a number (line 6)
    lines[9] = lines[9]!.replace(/^(\d+),([^,]+),[LMH],/, '$1,$2,X,'); // unknown product type (line 10)
    lines[12] = lines[12]!.split(',').slice(0, 5).join(','); // too few fields (line 13)
    writeFileSync(file, `${lines.join('\n')}\n`);

    expect(prognos('ingest', file, '--home', home).status).toBe(0);
    const result = prognos('run', '--home', home, '--config', lenientConfig());
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/rows ingested\s+997 valid of 1000 read from 1 file/);
    expect(result.stdout).toMatch(/rows quarantined\s+3/);

    const quarantine = join(home, 'lake', 'quarantine');
    const [dt] = readdirSync(quarantine);
    const [name] = readdirSync(join(quarantine, dt!));
    const rows = readFileSync(join(quarantine, dt!, name!), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { source: string; line: number; reason: string });
    expect(rows.map((row) => row.line)).toEqual([6, 10, 13]);
    for (const row of rows) expect(row.source).toBe('landing/training/with-bad-rows.csv');
    expect(rows[0]!.reason).toMatch(/air_temperature_k/);
    expect(rows[1]!.reason).toMatch(/product_type/);
    expect(rows[2]!.reason).toMatch(/field/);
    expect(champion(home)).toBeDefined();
  });
});

// An unusable file (refused by ingest, set aside by a run): test/e2e/landing.test.ts.

describe('a failure injected into Train', () => {
  const home = freshHome('home-train-failure');

  it('takes the failure path: the champion is unchanged and the failure is recorded', () => {
    expect(prognos('ingest', generate('first.csv', 1000, 21), '--home', home).status).toBe(0);
    expect(prognos('run', '--home', home, '--config', lenientConfig()).status).toBe(0);
    const before = readFileSync(join(home, 'models', 'champion.json'));
    const versionsBefore = modelVersions(home);

    expect(prognos('ingest', generate('second.csv', 1000, 22), '--home', home).status).toBe(0);
    const result = prognosWith({ PROGNOS_FAIL_STEP: 'Train' }, 'run', '--home', home);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('✗ Train');
    expect(result.stderr).toContain('▸ RecordFailure');
    expect(result.stderr).toMatch(/prognos: run train-[0-9a-f]+ failed: InjectedFailureError: Train failed on purpose/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(readFileSync(join(home, 'models', 'champion.json'))).toEqual(before);
    // No GP version; the challengers that ran beside the failed Train may have saved theirs (never gated, never champion).
    expect(gpVersions(home)).toEqual(versionsBefore.filter((v) => kindOf(home, v).startsWith('gpc-')));
    for (const version of modelVersions(home).filter((v) => !versionsBefore.includes(v))) expect(kindOf(home, version)).not.toMatch(/^gpc-/);
    // lake/runs/<run>/ also holds each run's Train checkpoint record: only the failed run has a failure.json.
    const failures = readdirSync(join(home, 'lake', 'runs')).filter((run) => existsSync(join(home, 'lake', 'runs', run, 'failure.json')));
    expect(failures).toHaveLength(1);
    expect(readJson(join(home, 'lake', 'runs', failures[0]!, 'failure.json'))).toEqual(expect.objectContaining({ error: 'InjectedFailureError' }));
  });
});

describe('a second champion, and rollback (--json)', () => {
  const home = freshHome('home-rollback');

  it('promotes a second model, then rollback puts the first back', () => {
    expect(prognos('ingest', generate('r1.csv', 1000, 31), '--home', home).status).toBe(0);
    expect(prognos('run', '--home', home, '--config', lenientConfig()).status).toBe(0);
    const first = champion(home)!.version;
    // Other readings of the same UDIs 1–1000: the champion's data is replaced, so the refit becomes a full fit and says why.
    expect(prognos('ingest', generate('r2.csv', 1000, 32), '--home', home).status).toBe(0);
    const refit = prognos('run', '--home', home, '--config', lenientConfig());
    expect(refit.status, refit.stderr).toBe(0);
    expect(refit.stdout).toMatch(/model\s+\S+ \(full/);
    expect(refit.stdout).toMatch(/mode\s+refit asked, but champion \S+ was trained on other data/);
    expect(refit.stdout).toMatch(/champion on it\s+recall/);
    const second = champion(home)!;
    expect(second.version).not.toBe(first);
    expect(second.previous).toEqual([first]);

    const result = prognos('rollback', '--json', '--home', home);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ from: second.version, to: first });
    expect(champion(home)!.version).toBe(first);
    expectCleanError(prognos('rollback', '--home', home), /no earlier version/);
  });
});

describe('errors', () => {
  it('predict before any model says how to get one', () => {
    writeFileSync(join(workDir, 'x.csv'), 'UDI\n1\n');
    expectCleanError(prognos('predict', 'x.csv', '--home', emptyHome('home-empty')), /no champion yet/);
  });

  it('run with an empty landing zone says how to add data', () => {
    expectCleanError(prognos('run', '--home', emptyHome('home-empty')), /nothing to train on.*prognos ingest/);
  });

  it('ingest refuses to replace a landing file with other contents', () => {
    const home = freshHome('home-ingest');
    // Usable files (ingest refuses unusable ones before this check): the same name, other readings.
    writeFileSync(join(workDir, 'same-name.csv'), readFileSync(generate('same-name-1.csv', 3, 1)));
    expect(prognos('ingest', 'same-name.csv', '--home', home).status).toBe(0);
    expect(prognos('ingest', 'same-name.csv', '--home', home).stderr).toContain('already in the landing zone');
    writeFileSync(join(workDir, 'same-name.csv'), readFileSync(generate('same-name-2.csv', 3, 2)));
    expectCleanError(prognos('ingest', 'same-name.csv', '--home', home), /never replaced/);
  });

  it('a bad option value is a usage error (exit code 2)', () => {
    const result = prognos('run', '--mode', 'fast');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^prognos: .*fast/);
  });

  it('--debug adds the stack trace', () => {
    const result = prognos('predict', 'missing.csv', '--home', freshHome('home-empty'), '--debug');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^\s+at /m);
  });
});

describeWithShared('the real AI4I 2020 data set', () => {
  const home = freshHome('home-ai4i2020');

  it('after synthetic readings (as the demo leaves), ingests the real file by contract alone (leakage columns dropped), says which readings it replaced, and trains in full', () => {
    const config = join(workDir, 'ai4i-config.json');
    writeFileSync(config, JSON.stringify({ model: 'exact', maxTrainRows: 700 }));
    // The README's own sequence in small: generated readings with UDI 1–1000 and a champion trained on them.
    expect(prognos('ingest', generate('synthetic-first.csv', 1000, 5), '--home', home).status).toBe(0);
    // Lenient, so that this small set surely leaves a champion.
    expect(prognos('run', '--home', home, '--config', lenientConfig()).status).toBe(0);
    expect(champion(home)).toBeDefined();
    expect(prognos('ingest', datasetPath('ai4i2020.csv'), '--home', home).status).toBe(0);
    const result = prognos('run', '--home', home, '--config', config);
    expect(result.status, result.stderr).toBe(0);
    // The run takes up every landing file: the synthetic one again (already in the lake) and the real one.
    expect(result.stdout).toMatch(/rows ingested\s+11000 valid of 11000 read from 2 file/);
    expect(result.stdout).toMatch(/rows quarantined\s+0/);
    expect(result.stdout).toMatch(/training set\s+10000 rows, 339 needing maintenance/);
    // The synthetic UDI 1–1000 are replaced by the real ones, not silently: counted, and the refit becomes a full fit.
    expect(result.stdout).toMatch(/readings left out\s+1000 replaced by a later reading of the same id \(of 11000 in the window\)/);
    expect(result.stdout).toMatch(/mode\s+refit asked, but champion \S+ was trained on other data: 1000 of the 1000 readings it was trained on are not in this run's training set/);
    expect(result.stdout).toMatch(/data span\s+\d{4}-\d{2}-\d{2} … \d{4}-\d{2}-\d{2} \(by ingest time\)/);
    expect(result.stdout).toMatch(/gate\s+(promote|reject) /);
    const [dt] = readdirSync(join(home, 'lake', 'features'));
    expect(dt).toMatch(/^dt=\d{4}-\d{2}-\d{2}$/);
  });
});
