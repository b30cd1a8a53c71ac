/**
 * End-to-end run of `bench/gpc.bench.ts` on a small generated CSV: the real CLI, the real child
 * process per data set, the real JSON output. A fixed kernel keeps it to a second or two.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCsv } from '../../../lambdas/core/data/csv.ts';
import { makeMoons } from '../../../lambdas/cli/sample-data/moons.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
/** The tsx loader as a URL, as the bench itself passes it to its children. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The fields every measured record must carry as finite numbers. */
const NUMERIC_FIELDS = [
  'n_train',
  'n_test',
  'fit_seconds',
  'predict_ms_per_row',
  'peak_rss_mib',
  'roc_auc',
  'average_precision',
  'threshold',
  'recall',
  'precision',
  'log_marginal_likelihood',
] as const;

const FIXED_KERNEL = { optimize: false, kernel: { constant: 4, lengthScale: 0.7 } };

interface BenchRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the bench CLI like `npm run bench -- …` does (tsx loader, repo root as cwd). */
function runBench(args: string[]): BenchRun {
  const run = spawnSync(process.execPath, ['--import', tsxLoader, 'bench/gpc.bench.ts', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 100_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A moons CSV of n rows, columns x0, x1, label. */
function writeMoonsCsv(file: string, n: number): void {
  const { X, y } = makeMoons(n, { seed: 7 });
  const rows = Array.from(y, (label, i) => ({ x0: X.data[2 * i], x1: X.data[2 * i + 1], label }));
  writeFileSync(file, writeCsv(rows, ['x0', 'x1', 'label']));
}

describe('npm run bench (end to end)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prognos-bench-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('on a 150-row moons CSV with a fixed kernel', () => {
    let run: BenchRun;
    let records: Record<string, unknown>[];

    beforeAll(() => {
      const csv = join(dir, 'moons_150.csv');
      const out = join(dir, 'out.json');
      writeMoonsCsv(csv, 150);
      run = runBench(['--data', csv, '--label', 'label', '--json', out, '--gpc-json', JSON.stringify(FIXED_KERNEL)]);
      if (run.status !== 0) throw new Error(`bench exited with ${run.status}:\n${run.stderr}`);
      records = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>[];
    });

    it('writes one record for the data set and the prognos_gpc model', () => {
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ dataset: 'moons_150', model: 'prognos_gpc' });
    });

    it.each(NUMERIC_FIELDS)('has %s as a finite number', (field) => {
      const value = records[0][field];
      expect(typeof value).toBe('number');
      expect(Number.isFinite(value)).toBe(true);
    });

    it('has sensible values', () => {
      const r = records[0] as Record<(typeof NUMERIC_FIELDS)[number], number>;
      expect(r.n_train + r.n_test).toBe(150);
      expect(r.n_test).toBeGreaterThan(40);
      expect(r.n_test).toBeLessThan(50);
      for (const field of ['roc_auc', 'average_precision', 'threshold', 'recall', 'precision'] as const) {
        expect(r[field]).toBeGreaterThanOrEqual(0);
        expect(r[field]).toBeLessThanOrEqual(1);
      }
      // Noisy moons are easy for an RBF kernel of this length scale: far better than chance.
      expect(r.roc_auc).toBeGreaterThan(0.8);
      expect(r.recall).toBeGreaterThan(0.5);
      expect(r.log_marginal_likelihood).toBeLessThan(0);
      expect(r.fit_seconds).toBeGreaterThan(0);
      expect(r.predict_ms_per_row).toBeGreaterThan(0);
      // A node process needs tens of MiB; gigabytes would mean the unit is wrong (KiB reported as MiB).
      expect(r.peak_rss_mib).toBeGreaterThan(20);
      expect(r.peak_rss_mib).toBeLessThan(2048);
    });

    it('passes --gpc-json through to the classifier (the kernel stays as given)', () => {
      const theta = records[0].theta as number[];
      expect(theta.map(Math.exp)).toEqual([expect.closeTo(4, 9), expect.closeTo(0.7, 9)]);
    });

    it('prints a table row for the data set on stdout and progress on stderr', () => {
      expect(run.stdout).toMatch(/^dataset\s+n_train\s+n_test/m);
      expect(run.stdout).toMatch(/^moons_150\s+\d+\s+\d+\s/m);
      expect(run.stderr).toContain('[moons_150] done');
    });
  });

  it('reports a data set that cannot be read and exits non-zero', () => {
    const csv = join(dir, 'broken.csv');
    const out = join(dir, 'broken.json');
    writeFileSync(csv, 'x0,label\n1,0\n2,1\nnot-a-number,0\n');
    const run = runBench(['--data', csv, '--label', 'label', '--json', out]);
    expect(run.status).toBe(1);
    const [record] = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>[];
    expect(record).toMatchObject({ dataset: 'broken', model: 'prognos_gpc' });
    expect(record.error).toMatch(/not a finite number/);
  });

  it('rejects --gpc-json that is not a JSON object', () => {
    const run = runBench(['--data', 'unused.csv', '--gpc-json', '[1, 2]']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/expected a JSON object/);
  });
});
