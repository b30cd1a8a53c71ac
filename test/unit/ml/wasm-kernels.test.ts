import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NotPositiveDefiniteError } from '../../../lambdas/core/errors.ts';
import { choleskyInPlace, inverseDiagonalFromCholesky, inverseFromCholesky } from '../../../lambdas/core/ml/linalg.ts';
import { LinalgPool } from '../../../lambdas/core/ml/parallel.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';
import { KERNELS_SOURCE_SHA256 } from '../../../lambdas/core/ml/wasm/kernels-module.ts';
import { kernelsModule, useWasmKernels, wasmKernels } from '../../../lambdas/core/ml/wasm/wasm-kernels.ts';
import { buildKernels, moduleText, sourceHash } from '../../../lambdas/core/ml/wasm/build.ts';

/** An RBF kernel matrix + I: the shape of B = I + W½KW½, symmetric to the last bit. */
function kernelMatrix(n: number, seed: number): Float64Array {
  const random = new SeededRandom(seed);
  const x = Float64Array.from({ length: 3 * n }, () => random.uniform());
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let d = 0; d < 3; d++) s += (x[3 * i + d] - x[3 * j + d]) ** 2;
      const v = Math.exp(-0.5 * s) * 2.5 + (i === j ? 1 : 0);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  return k;
}

const bytes = (v: Float64Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** The three O(n³) routines on a copy of `a`, with the kernels chosen by `wasm`. */
function run(a: Float64Array, n: number, wasm: boolean, pool?: LinalgPool) {
  expect(useWasmKernels(wasm)).toBe(wasm);
  const l = pool ? pool.allocate(n * n) : new Float64Array(n * n);
  l.set(a);
  choleskyInPlace(l, n, pool);
  const { inverse, diagonal } = inverseFromCholesky(l, n, pool);
  return { l, inverse: Float64Array.from(inverse), diagonal, inverseDiagonal: inverseDiagonalFromCholesky(l, n, pool) };
}

describe('the WebAssembly kernels', () => {
  afterAll(() => useWasmKernels(undefined));

  it('are available on Node 22 (f64x2 SIMD, shared memory)', () => {
    expect(kernelsModule()).toBeDefined();
    expect(wasmKernels({})).toBeDefined();
  });

  // Orders around the block size (32), the four-row groups and the pairs, odd and even.
  it.each([1, 2, 3, 5, 31, 32, 33, 34, 35, 63, 64, 66, 97, 130, 201])('give bitwise the JavaScript results at n = %i', (n) => {
    const a = kernelMatrix(n, n);
    const js = run(a, n, false);
    const wasm = run(a, n, true);
    expect(Buffer.compare(bytes(wasm.l), bytes(js.l)), 'Cholesky').toBe(0);
    expect(Buffer.compare(bytes(wasm.inverse), bytes(js.inverse)), 'inverse').toBe(0);
    expect(Buffer.compare(bytes(wasm.diagonal), bytes(js.diagonal)), 'diagonal').toBe(0);
    expect(Buffer.compare(bytes(wasm.inverseDiagonal), bytes(js.inverseDiagonal)), 'diagonal alone').toBe(0);
    // And the factor is right, not only equal: L Lᵀ reproduces A.
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k <= j; k++) s += wasm.l[i * n + k] * wasm.l[j * n + k];
        worst = Math.max(worst, Math.abs(s - a[i * n + j]));
      }
    }
    expect(worst).toBeLessThan(1e-12 * n);
  });

  // Five threads take four-row Cholesky claims, two and three eight-row ones.
  it('give bitwise the same results on 2, 3 and 5 threads as the JavaScript kernels on one', () => {
    for (const n of [390, 401]) {
      const a = kernelMatrix(n, 7);
      const js = run(a, n, false);
      for (const threads of [2, 3, 5]) {
        const pool = new LinalgPool(threads);
        try {
          for (let round = 0; round < 2; round++) {
            const wasm = run(a, n, true, pool);
            expect(Buffer.compare(bytes(wasm.l), bytes(js.l)), `n ${n}, ${threads} threads: Cholesky`).toBe(0);
            expect(Buffer.compare(bytes(wasm.inverse), bytes(js.inverse)), `n ${n}, ${threads} threads: inverse`).toBe(0);
            expect(Buffer.compare(bytes(wasm.inverseDiagonal), bytes(js.inverseDiagonal)), `n ${n}, ${threads} threads: diagonal`).toBe(0);
          }
        } finally {
          pool.close();
        }
      }
    }
  });

  it('report the same failed pivot as the JavaScript Cholesky', () => {
    const n = 40;
    const a = kernelMatrix(n, 3);
    a[35 * n + 35] = -1;
    const message = (wasm: boolean): string => {
      useWasmKernels(wasm);
      try {
        choleskyInPlace(Float64Array.from(a), n);
      } catch (error) {
        expect(error).toBeInstanceOf(NotPositiveDefiniteError);
        return (error as Error).message;
      }
      throw new Error('expected NotPositiveDefiniteError');
    };
    expect(message(true)).toMatch(/pivot 35 is -/);
    expect(message(true)).toBe(message(false));
  });

  it('PROGNOS_WASM=0 turns them off', () => {
    useWasmKernels(undefined);
    expect(wasmKernels({ PROGNOS_WASM: '0' })).toBeUndefined();
  });

  it('the committed module was built from the committed source', () => {
    const source = readFileSync(fileURLToPath(new URL('../../../lambdas/core/ml/wasm/assembly/kernels.ts', import.meta.url)));
    expect(sourceHash(source)).toBe(KERNELS_SOURCE_SHA256);
  });

  it('the committed module equals a fresh build (the compiler is deterministic)', () => {
    const committed = readFileSync(fileURLToPath(new URL('../../../lambdas/core/ml/wasm/kernels-module.ts', import.meta.url)), 'utf8');
    expect(moduleText(buildKernels(), sourceHash())).toBe(committed);
  }, 60_000);
});
