/**
 * `prognos watch` as a process, with real files copied into its landing zone: a burst of uploads
 * starts one training run, and files landing after it one more (issue 12: bursts coalesce).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listRunRecords, type RunRecord } from '../../lambdas/adapters/local/state-machine-runner.ts';
import { sampleCsv, SMALL_CONFIG } from '../support/pipeline-fixture.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repoRoot, 'bin', 'prognos.ts');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const workDir = mkdtempSync(join(tmpdir(), 'prognos-watch-'));
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
});

/** Resolves when `check` holds, polling; rejects after `ms`. */
async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('prognos watch as a process', () => {
  it('five files landing at once start one training run; two more files one more run', async () => {
    const home = join(workDir, 'home');
    const landing = join(home, 'landing', 'training');
    mkdirSync(landing, { recursive: true });
    const config = join(workDir, 'pipeline.json');
    writeFileSync(config, JSON.stringify(SMALL_CONFIG));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.PROGNOS_HOME;
    delete env.PROGNOS_FAIL_STEP;
    let stderr = '';
    child = spawn(process.execPath, ['--import', tsxLoader, bin, 'watch', '--home', home, '--window', '2', '--training-config', config], { cwd: workDir, env });
    child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.stdout!.resume();
    await eventually(() => stderr.includes('watching'), 30_000, 'the watch to start');
    expect(stderr).toMatch(/uploads within 2 s coalescing into one run/);

    const records = async (): Promise<RunRecord[]> => (await listRunRecords(join(home, 'runs'))).records;
    const finished = async (n: number): Promise<boolean> => (await records()).filter((r) => r.status !== 'RUNNING').length >= n;

    for (let i = 0; i < 5; i++) writeFileSync(join(landing, `burst-${i}.csv`), sampleCsv(120, 20 + i, 1 + 120 * i));
    await eventually(() => finished(1), 90_000, 'the first run to end');
    // Longer than a window after the run: nothing else was queued.
    await pause(3000);
    const [first, ...others] = await records();
    expect(others, stderr).toEqual([]);
    expect(first.status, stderr).toBe('SUCCEEDED');
    expect((first.input as { files: string[] }).files).toHaveLength(5);

    for (let i = 5; i < 7; i++) writeFileSync(join(landing, `later-${i}.csv`), sampleCsv(120, 20 + i, 1 + 120 * i));
    await eventually(() => finished(2), 90_000, 'the second run to end');
    await pause(3000);
    const all = await records();
    expect(all.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect((all[1].input as { files: string[] }).files).toHaveLength(7);

    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child!.once('exit', (exitCode) => resolve(exitCode)));
    expect(code, stderr).toBe(0);
  }, 240_000);
});
