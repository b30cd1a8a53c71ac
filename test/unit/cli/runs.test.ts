import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newRunRecord, type RunRecord, runRecordPath, writeRunRecord } from '../../../lambdas/adapters/local/run-record.ts';
import { CliError } from '../../../lambdas/cli/errors.ts';
import type { CliIo } from '../../../lambdas/cli/io.ts';
import { landFile } from '../../../lambdas/cli/landing.ts';
import { runTraining } from '../../../lambdas/cli/run.ts';
import { runList, runRetry } from '../../../lambdas/cli/runs.ts';
import { openWorkspace } from '../../../lambdas/cli/workspace.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { trainingExecutionName } from '../../../lambdas/core/steps/execution-name.ts';
import { pipelineConfigSchema } from '../../../lambdas/core/steps/run-state.ts';
import { mkdir } from 'node:fs/promises';

const contract = DEFAULT_CONTRACT;
const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'prognos-runs-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function io(): CliIo & { out_: () => string; err_: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), out_: () => out, err_: () => err };
}

/** Lands one file and returns the name `prognos run` gives it with default settings. */
async function landedRunName(): Promise<string> {
  const workspace = openWorkspace(home, contract);
  await landFile(workspace.store, 'landing/training/a.csv', 'UDI\n1\n');
  const files = (await workspace.store.list('landing/training/')).map((o) => ({ key: o.key, fingerprint: o.etag }));
  await workspace.close();
  return trainingExecutionName(files, { mode: 'auto', config: pipelineConfigSchema.parse({}) });
}

async function record(name: string, fields: Partial<RunRecord>): Promise<RunRecord> {
  const runsDir = join(home, 'runs');
  await mkdir(runsDir, { recursive: true });
  const value: RunRecord = {
    ...newRunRecord({ name, stateMachine: 'training', definitionSha256: 'x', input: { mode: 'full' }, startedAt: new Date('2026-12-05T10:00:00Z') }),
    ...fields,
  };
  await writeRunRecord(runRecordPath(runsDir, name), value);
  return value;
}

describe('prognos run on files whose run exists', () => {
  it('a succeeded run: says so and returns without running (exit 0)', async () => {
    const name = await landedRunName();
    await record(name, { status: 'SUCCEEDED', finishedAt: '2026-12-05T10:01:00Z', durationMs: 60_000, output: {} });
    const out = io();
    await expect(runTraining({ home, contract }, out)).resolves.toMatchObject({ name, started: false });
    expect(out.err_()).toContain(`run ${name} already succeeded`);
  });

  it('a failed run: fails with the cause and the retry command, and runs nothing', async () => {
    const name = await landedRunName();
    await record(name, { status: 'FAILED', error: 'InjectedFailureError', cause: JSON.stringify({ errorMessage: 'Train failed on purpose' }) });
    const error = await runTraining({ home, contract }, io()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(new RegExp(`^run ${name} \\(started .*\\) failed: InjectedFailureError: Train failed on purpose; retry it from where it failed with 'npx prognos runs retry ${name}'$`));
  });

  it('a stale run: says its process ended and how to retry', async () => {
    const name = await landedRunName();
    await record(name, { runner: { pid: deadPid, hostname: hostname() } });
    await expect(runTraining({ home, contract }, io())).rejects.toThrow(/was left running by a process that ended .*npx prognos runs retry/);
  });

  it('a live run: says it is running (exit 1)', async () => {
    const name = await landedRunName();
    await record(name, { runner: { pid: process.pid, hostname: hostname() } });
    await expect(runTraining({ home, contract }, io())).rejects.toThrow(/is already running/);
  });
});

describe('prognos runs', () => {
  it('lists name, kind, mode, status, start, duration, result and failure; a stale run shows as stale', async () => {
    await record('train-ok', { status: 'SUCCEEDED', durationMs: 1500, output: { train: { version: 'v1' }, gate: { promote: true }, promotion: { champion: 'v1' } } });
    await record('train-bad', { status: 'FAILED', durationMs: 800, error: 'ArtifactError', cause: '{"errorMessage":"manifest is not JSON"}', redriveCount: 2 });
    await record('train-dead', { runner: { pid: deadPid, hostname: hostname() } });
    const out = io();
    const rows = await runList({ home, contract, json: true }, out);
    expect(JSON.parse(out.out_())).toEqual(rows);
    expect(rows.map((r) => [r.name, r.kind, r.mode, r.status, r.result, r.failure, r.redriveCount])).toEqual([
      ['train-bad', 'training', 'full', 'failed', null, 'ArtifactError: manifest is not JSON', 2],
      ['train-dead', 'training', 'full', 'stale', null, `its process (pid ${deadPid}) ended while it ran`, 0],
      ['train-ok', 'training', 'full', 'succeeded', 'promoted v1', null, 0],
    ]);

    const table = io();
    await runList({ home, contract }, table);
    expect(table.out_()).toMatch(/train-bad\s+training\s+full\s+failed \(redriven 2×\)/);
    expect(table.err_()).toMatch(/continue one from where it failed with 'npx prognos runs retry train-/);
  });

  it('retry refuses an unknown name and a succeeded run with one clear line', async () => {
    await expect(runRetry({ home, contract, name: 'train-none' }, io())).rejects.toThrow(/there is no run named train-none; see 'npx prognos runs'/);
    await record('train-ok', { status: 'SUCCEEDED' });
    await expect(runRetry({ home, contract, name: 'train-ok' }, io())).rejects.toThrow(CliError);
  });
});
