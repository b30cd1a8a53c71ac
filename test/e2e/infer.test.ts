/**
 * End-to-end tests of `prognos infer` (and `prognos ingest --inference`): bin/prognos.ts as a
 * child process in a temporary working directory, a champion trained by `prognos run` first.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, prognosCli } from '../support/prognos-cli.ts';

const workDir = mkdtempSync(join(tmpdir(), 'prognos-infer-'));
const { prognos, generate } = prognosCli(workDir);

/** A copy of `file` with the air 8 K warmer (its sd is about 2 K) and the UDIs moved past `firstUdi`. */
function warmed(file: string, out: string, firstUdi: number): string {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const changed = lines.map((line, i) => {
    const cells = line.split(',');
    cells[0] = String(firstUdi + i);
    cells[3] = (Number(cells[3]) + 8).toFixed(1);
    return cells.join(',');
  });
  writeFileSync(join(workDir, out), `${[header, ...changed].join('\n')}\n`);
  return join(workDir, out);
}

function expectCleanError(result: CliResult, message: RegExp): void {
  expect(result.status, result.stderr).toBe(1);
  const last = result.stderr.trim().split('\n').at(-1)!;
  expect(last).toMatch(/^prognos: /);
  expect(last).toMatch(message);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

function runRecords(home: string): string[] {
  return readdirSync(join(home, 'runs')).filter((name) => name.endsWith('.json')).sort();
}

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('prognos infer', () => {
  const home = join(workDir, 'home');

  beforeAll(() => {
    expect(prognos('ingest', generate('training.csv', 800, 7), '--home', home).status).toBe(0);
    const run = prognos('run', '--home', home);
    expect(run.status, run.stderr).toBe(0);
  });

  it('is listed in the help, with its options; ingest has --inference', () => {
    const help = prognos('infer', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: prognos infer');
    for (const option of ['--config', '--home', '--contract']) expect(help.stdout).toContain(option);
    expect(help.stdout).toContain('Examples:\n  $ npx prognos');
    expect(prognos('--help').stdout).toMatch(/^ {2}infer /m);
    expect(prognos('ingest', '--help').stdout).toContain('--inference');
  });

  it('with nothing to score says how to add files', () => {
    expectCleanError(prognos('infer', '--home', home), /nothing to score: .*landing\/inference is empty; add readings with 'npx prognos ingest --inference FILE'/);
  });

  it('scores the landed files: live view, predictions, quarantine, drift per feature, the report', () => {
    const a = generate('a.csv', 300, 11);
    const b = generate('b.csv', 200, 12);
    const lines = readFileSync(b, 'utf8').trimEnd().split('\n');
    lines[4] = lines[4]!.replace(/^(\d+),([^,]+),([LMH]),[^,]+,/, '$1,$2,$3,warm,'); // line 5: not a number
    writeFileSync(b, `${lines.join('\n')}\n`);
    const ingest = prognos('ingest', '--inference', a, b, '--home', home);
    expect(ingest.status, ingest.stderr).toBe(0);
    expect(ingest.stderr).toContain('score it: npx prognos infer');
    expect(existsSync(join(home, 'landing', 'inference', 'a.csv'))).toBe(true);
    expect(existsSync(join(home, 'landing', 'training', 'a.csv'))).toBe(false);

    const result = prognos('infer', '--home', home);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/batch infer-[0-9a-f]{24}: scoring 2 landing files/);
    expect(result.stderr).toMatch(/✓ ScoreFile\[0\] {2}\d+\.\d s/);
    expect(result.stderr).toMatch(/✓ ScoreFile\[1\] {2}\d+\.\d s/);
    for (const state of ['ScoreFiles', 'ComputeDrift', 'WriteBatchReport']) expect(result.stderr).toMatch(new RegExp(`✓ ${state}  \\d+\\.\\d s`));
    expect(result.stdout).toMatch(/files\s+2 not in the ledger: 2 scored, 0 scored before, 0 unusable/);
    expect(result.stdout).toMatch(/rows scored\s+499 of 500 read; 1 quarantined/);
    expect(result.stdout).toMatch(/flagged\s+\d+ need maintenance \(\d+\.\d %\)/);
    expect(result.stdout).toMatch(/to review\s+\d+ sent to a person \(\d+\.\d %\)/);
    expect(result.stdout).toMatch(/drift\s+(no drift|DRIFTED) over 499 rows/);
    for (const feature of ['air_temperature_k', 'torque_nm']) {
      expect(result.stdout).toMatch(new RegExp(`${feature}\\s+PSI \\d+\\.\\d{3}\\s+KS \\d\\.\\d{3}\\s+(ok|drifted)`));
    }
    // The product type drifts as one categorical input, by its level shares.
    expect(result.stdout).toMatch(/product_type\s+PSI \d+\.\d{3} over its levels {2}χ² p \d\.\d{4}\s+(ok|drifted)/);
    expect(result.stdout).toMatch(/retrain\s+(no drift|drift, but retrainOnDrift is off)/);

    expect(result.stdout).toMatch(/work list\s+\S+\/lake\/predictions\/reports\/infer-[0-9a-f]{24}\/flagged\.csv/);
    expect(result.stdout).toMatch(/realised\s+499 labelled rows, \d+ failed: recall/);
    const reportPath = /report\s+(\S+\.html)/.exec(result.stdout)?.[1];
    expect(reportPath).toBeDefined();
    const html = readFileSync(resolve(workDir, reportPath!), 'utf8');
    expect(html).toContain('landing/inference/b.csv');
    const [dt] = readdirSync(join(home, 'lake', 'predictions')).filter((name) => name.startsWith('dt='));
    expect(readdirSync(join(home, 'lake', 'predictions', dt!)).filter((name) => name.endsWith('.parquet'))).toHaveLength(2);
    const quarantineDay = readdirSync(join(home, 'lake', 'quarantine'))[0]!;
    const [quarantined] = readdirSync(join(home, 'lake', 'quarantine', quarantineDay)).filter((name) => name.endsWith('.inference.jsonl'));
    const row = JSON.parse(readFileSync(join(home, 'lake', 'quarantine', quarantineDay, quarantined!), 'utf8').trim()) as { source: string; line: number };
    expect(row).toMatchObject({ source: 'landing/inference/b.csv', line: 5 });
  });

  it('the same files again start no new batch', () => {
    const before = runRecords(home);
    const again = prognos('infer', '--home', home);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/batch infer-[0-9a-f]{24} already exists \(succeeded, started .*\): the same inference files start no new batch/);
    expect(again.stderr).not.toContain('▸ ScoreFile');
    expect(runRecords(home)).toEqual(before);
  });

  it('scores the good file of the next batch and fails loudly, after writing everything, on an unusable one', () => {
    writeFileSync(join(workDir, 'other-sensor.csv'), 'serial,vibration_mm_s\n1,0.3\n2,0.4\n');
    // prognos ingest refuses it; an upload that bypasses the CLI lands it anyway.
    expect(prognos('ingest', '--inference', join(workDir, 'other-sensor.csv'), '--home', home).status).toBe(1);
    copyFileSync(join(workDir, 'other-sensor.csv'), join(home, 'landing', 'inference', 'other-sensor.csv'));
    expect(prognos('ingest', '--inference', generate('c.csv', 100, 13), '--home', home).status).toBe(0);
    const result = prognos('infer', '--home', home);
    expect(result.stdout).toMatch(/files\s+2 not in the ledger: 1 scored, 0 scored before, 1 unusable/);
    expect(result.stdout).toMatch(/rows scored\s+100 of 100 read; 0 quarantined/);
    expectCleanError(result, /1 file\(s\) could not be scored and are quarantined \(the others are scored\): landing\/inference\/other-sensor\.csv: .*missing required column.*fix and land them under a new name/);
  });

  it('starts a full retrain on drift when the configuration allows it, and shows how it ended', () => {
    const config = join(workDir, 'batch.json');
    writeFileSync(config, JSON.stringify({ retrainOnDrift: true, retrainCooldownHours: 24 }));
    expect(prognos('ingest', '--inference', warmed(generate('d.csv', 300, 14), 'warm.csv', 50_001), '--home', home).status).toBe(0);
    const result = prognos('infer', '--home', home, '--config', config);
    // The unusable file of the last batch is still listed (landing files stay), but the ledger has it: not read, fails no later batch.
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/files\s+1 not in the ledger: 1 scored, 0 scored before, 0 unusable/);
    expect(result.stdout).toMatch(/drift\s+DRIFTED over 300 rows/);
    expect(result.stdout).toMatch(/air_temperature_k\s+PSI \d+\.\d{3}\s+KS \d\.\d{3}\s+drifted/);
    const name = /retrain\s+(drift-infer-[0-9a-f]{24}) started/.exec(result.stdout)?.[1];
    expect(name, result.stdout).toBeDefined();
    // The training workflow ran to its end in the same command, with its live view and summary.
    expect(result.stderr).toMatch(/✓ Train {2}\d+\.\d s/);
    expect(result.stdout).toMatch(new RegExp(`run\\s+${name} \\(succeeded\\)`));
    const record = JSON.parse(readFileSync(join(home, 'runs', `${name}.json`), 'utf8')) as { status: string; input: { mode: string; files: string[] } };
    expect(record).toMatchObject({ status: 'SUCCEEDED', input: { mode: 'full', files: [] } });
    expect(JSON.parse(readFileSync(join(home, 'lake', 'drift', 'last-retrain.json'), 'utf8'))).toMatchObject({ executionName: name });
  });
});

describe('prognos watch and prognos schedule', () => {
  it.each([
    ['watch', ['--training-config', '--inference-config', '--home']],
    ['schedule', ['--cron', '--config', '--home']],
  ])('prognos %s --help describes its options and shows examples', (command, options) => {
    const help = prognos(command, '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(`Usage: prognos ${command}`);
    for (const option of options) expect(help.stdout).toContain(option);
    expect(help.stdout).toContain(`Examples:\n  $ npx prognos ${command}`);
    if (command === 'schedule') expect(help.stdout).toMatch(/default: "0\s+3 \* \* \*"/);
  });

  it('schedule refuses a cron pattern it cannot read, in one line', () => {
    expectCleanError(prognos('schedule', '--cron', 'every day', '--home', join(workDir, 'home-schedule')), /--cron "every day" is not a cron pattern/);
  });
});

