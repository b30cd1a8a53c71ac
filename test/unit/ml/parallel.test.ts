import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROBE = fileURLToPath(new URL('../../support/thread-count-probe.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

function probe(threads: number): { threads: number; hash: string; evaluations: number } {
  const child = spawnSync(process.execPath, ['--import', TSX, PROBE], { env: { ...process.env, PROGNOS_THREADS: String(threads) }, encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as { threads: number; hash: string; evaluations: number };
}

describe('the fit does not depend on the thread count', () => {
  it('PROGNOS_THREADS = 1, 2 and 3 give bitwise the same model', () => {
    const runs = [1, 2, 3].map(probe);
    expect(runs.map((r) => r.threads)).toEqual([1, 2, 3]);
    expect(runs[0].evaluations).toBeGreaterThan(2);
    expect(runs[1].hash).toBe(runs[0].hash);
    expect(runs[2].hash).toBe(runs[0].hash);
  });
});
