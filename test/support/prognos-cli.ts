import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'vitest';

/**
 * The command line as a user runs it, for the end-to-end tests: bin/prognos.ts in a child process
 * (through tsx, as `npx prognos` does), in a working directory, without the caller's PROGNOS_*
 * settings (a developer's PROGNOS_DEBUG would add the stack traces the error tests reject).
 */

const bin = fileURLToPath(new URL('../../bin/prognos.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface PrognosCli {
  /** Runs `prognos <args>` and returns what it did. */
  prognos(...args: string[]): CliResult;
  /** The same with more environment (a variable given here is kept, PROGNOS_FAIL_STEP included). */
  prognosWith(extraEnv: Readonly<Record<string, string>>, ...args: string[]): CliResult;
  /** Runs `prognos <args>`, expects success, and parses stdout as one JSON document. */
  prognosJson(...args: string[]): Record<string, unknown>;
  /** Sample readings in the published AI4I header (`prognos generate`), written to `file` in the working directory. */
  generate(file: string, rows: number, seed: number): string;
  /** A lenient gate's config file, so that a scenario that needs a champion gets one whatever the data. */
  lenientConfig(): string;
}

export function prognosCli(workDir: string): PrognosCli {
  const prognosWith = (extraEnv: Readonly<Record<string, string>>, ...args: string[]): CliResult => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
    delete env.PROGNOS_DEBUG;
    delete env.PROGNOS_HOME;
    if (!('PROGNOS_FAIL_STEP' in extraEnv)) delete env.PROGNOS_FAIL_STEP;
    const result = spawnSync(process.execPath, ['--import', tsxLoader, bin, ...args], { cwd: workDir, encoding: 'utf8', env, timeout: 110_000 });
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const prognos = (...args: string[]): CliResult => prognosWith({}, ...args);
  return {
    prognos,
    prognosWith,
    prognosJson(...args) {
      const result = prognos(...args);
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    },
    generate(file, rows, seed) {
      const result = prognos('generate', 'ai4i', '--rows', String(rows), '--seed', String(seed), '--out', file);
      expect(result.status, result.stderr).toBe(0);
      return join(workDir, file);
    },
    lenientConfig() {
      const file = join(workDir, 'lenient.json');
      writeFileSync(file, JSON.stringify({ gateMinRecall: 0.2, gateMargin: 0.9 }));
      return file;
    },
  };
}
