/**
 * `prognos serve` as a process: it prints its URL and pid, and it stops when the process that
 * started it ends (`npm run prognos -- serve &` then `kill $!` ends npm, not the server).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { processRuns } from '../../lambdas/adapters/local/fs-helpers.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'prognos-serve-life-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The file's text, or '' before it exists. */
function textOf(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Resolves when `check` holds, polling; rejects after `ms`. */
async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('prognos serve as a process', () => {
  it('prints its URL and pid, and stops when the process that started it is killed', async () => {
    const out = join(workDir, 'serve.out');
    // A stand-in for npm: a parent that starts the server (its output to a file) and then waits.
    const script = `
      const { spawn } = require('node:child_process');
      const fs = require('node:fs');
      const fd = fs.openSync(${JSON.stringify(out)}, 'w');
      spawn(process.execPath, ['--import', 'tsx', 'bin/prognos.ts', 'serve', '--port', '0', '--home', ${JSON.stringify(join(workDir, 'home'))}], { stdio: ['ignore', fd, fd] });
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: 'ignore' });
    try {
      await eventually(() => /listening on http:\/\/\S+ \(pid \d+;/.test(textOf(out)), 60_000, 'the server to listen');
      const text = readFileSync(out, 'utf8');
      const pid = Number(/\(pid (\d+);/.exec(text)![1]);
      expect(text).toMatch(new RegExp(`Ctrl-C or kill ${pid} stops`));
      expect(processRuns(pid)).toBe(true);

      parent.kill('SIGKILL');
      await eventually(() => !processRuns(pid), 15_000, `server pid ${pid} to stop after its parent was killed`);
      expect(readFileSync(out, 'utf8')).toMatch(/the process that started the server \(pid \d+\) ended: finishing the requests in flight, then stopping\nstopped\n/);
    } finally {
      parent.kill('SIGKILL');
    }
  }, 90_000);
});
