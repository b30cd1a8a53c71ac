/**
 * End-to-end: files that cannot be used. `prognos ingest` refuses them; one that reaches the
 * landing zone anyway (an upload that bypassed the CLI) is set aside by the run, which trains on
 * the other files; `prognos landing` says what became of each. Runs bin/prognos.ts as a child
 * process in a temporary working directory.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prognosCli } from '../support/prognos-cli.ts';

const workDir = mkdtempSync(join(tmpdir(), 'prognos-landing-'));
const { prognos, generate, lenientConfig } = prognosCli(workDir);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function expectRefused(result: { status: number | null; stderr: string }, reason: RegExp): void {
  expect(result.status, result.stderr).toBe(1);
  expect(result.stderr).toMatch(/^prognos: /);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('files that cannot be used', () => {
  it('prognos ingest refuses them with the reason and lands nothing', () => {
    const home = join(workDir, 'home-refused');
    const header = readFileSync(generate('header-source.csv', 2, 1), 'utf8').split('\n')[0]!;
    writeFileSync(join(workDir, 'hostname'), 'build-host-7\n');
    writeFileSync(join(workDir, 'package.json'), '{\n  "name": "x"\n}\n');
    writeFileSync(join(workDir, 'empty.csv'), '');
    writeFileSync(join(workDir, 'header-only.csv'), `${header}\n`);
    expectRefused(prognos('ingest', 'hostname', '--home', home), /hostname: the header does not match the data contract 'ai4i2020'/);
    expectRefused(prognos('ingest', 'package.json', '--home', home), /package\.json: the header does not match the data contract/);
    expectRefused(prognos('ingest', 'empty.csv', '--home', home), /empty\.csv is empty/);
    expectRefused(prognos('ingest', 'header-only.csv', '--home', home), /header-only\.csv has a header but no data rows/);
    // One bad file among good ones: none is landed.
    const good = generate('fine.csv', 20, 2);
    expectRefused(prognos('ingest', good, 'empty.csv', '--home', home), /empty\.csv is empty/);
    expect(prognos('landing', '--home', home).stdout).toMatch(/no landing files/);
  });

  it('a poison file beside a good one: the good file trains, the poison file is listed as quarantined, and the next run skips it', () => {
    const home = join(workDir, 'home-poison');
    // An upload that did not go through prognos ingest (as to S3): a header the contract cannot map.
    mkdirSync(join(home, 'landing', 'training'), { recursive: true });
    const poison = readFileSync(generate('source.csv', 50, 4), 'utf8').replace(/^UDI,/, 'Serial,');
    writeFileSync(join(home, 'landing', 'training', 'a-poison.csv'), poison);
    expect(prognos('ingest', generate('b-good.csv', 1000, 5), '--home', home).status).toBe(0);

    expect(prognos('landing', '--home', home).stdout).toMatch(/a-poison\.csv\s+pending/);
    const run = prognos('run', '--home', home, '--config', lenientConfig());
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/a-poison\.csv: unusable, set aside/);
    expect(run.stdout).toMatch(/file set aside\s+landing\/training\/a-poison\.csv: the header does not match/);
    expect(JSON.parse(readFileSync(join(home, 'models', 'champion.json'), 'utf8'))).toHaveProperty('version');
    // The landing file itself is untouched.
    expect(readFileSync(join(home, 'landing', 'training', 'a-poison.csv'), 'utf8')).toBe(poison);

    const listing = prognos('landing', '--home', home);
    expect(listing.status, listing.stderr).toBe(0);
    expect(listing.stdout).toMatch(/a-poison\.csv\s+quarantined\s+\S+ \S+\s+landing\/training\/a-poison\.csv: the header does not match the data contract 'ai4i2020': missing required column 'UDI'/);
    expect(listing.stdout).toMatch(/b-good\.csv\s+ingested\s+\S+ \S+\s+1000 rows/);
    expect(listing.stdout).toMatch(/2 files: 1 ingested, 1 quarantined, 0 edited, 0 pending/);
    const json = JSON.parse(prognos('landing', '--json', '--home', home).stdout) as { files: { key: string; status: { state: string } }[] };
    expect(json.files.map((f) => [f.key, f.status.state])).toEqual([
      ['landing/training/a-poison.csv', 'quarantined'],
      ['landing/training/b-good.csv', 'ingested'],
    ]);

    // A later run (a new good file) does not fail on the poison file: it skips it and trains.
    expect(prognos('ingest', generate('c-more.csv', 500, 6), '--home', home).status).toBe(0);
    const next = prognos('run', '--home', home, '--config', lenientConfig());
    expect(next.status, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/a-poison\.csv: set aside \S+, skipped: /);
  });
});
