import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROBE = fileURLToPath(new URL('../../support/thread-count-probe.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

interface Probe {
  threads: number;
  wasm: boolean;
  hash: string;
  evaluations: number;
}

function probe(threads: number, wasm = true): Probe {
  const env = { ...process.env, PROGNOS_THREADS: String(threads), PROGNOS_WASM: wasm ? '1' : '0' };
  const child = spawnSync(process.execPath, ['--import', TSX, PROBE], { env, encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as Probe;
}

describe('the fit does not depend on the thread count', () => {
  it('PROGNOS_THREADS = 1, 2 and 3 give bitwise the same model', () => {
    const runs = [1, 2, 3].map((threads) => probe(threads));
    expect(runs.map((r) => r.threads)).toEqual([1, 2, 3]);
    expect(runs[0].evaluations).toBeGreaterThan(2);
    expect(runs[1].hash).toBe(runs[0].hash);
    expect(runs[2].hash).toBe(runs[0].hash);
  });

  it('the JavaScript kernels (PROGNOS_WASM=0) give bitwise the model of the WebAssembly ones', () => {
    const wasm = probe(2);
    const js = probe(2, false);
    expect([wasm.wasm, js.wasm]).toEqual([true, false]);
    expect(js.hash).toBe(wasm.hash);
  });
});
