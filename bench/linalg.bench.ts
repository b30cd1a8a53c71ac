/**
 * `npm run bench:linalg`: the dense kernels the GP spends its time in, at the sizes it meets —
 * Cholesky and inverse-from-Cholesky on one thread and on every core (PROGNOS_THREADS overrides),
 * each with the JavaScript kernels and the WebAssembly SIMD ones (bitwise the same results), and
 * ml-matrix's CholeskyDecomposition for comparison. Best of several runs, on a kernel matrix K + I.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { choleskyInPlace, inverseFromCholesky } from '../lambdas/core/ml/linalg.ts';
import { LinalgPool, poolThreads } from '../lambdas/core/ml/parallel.ts';
import { SeededRandom } from '../lambdas/core/ml/random.ts';
import { useWasmKernels } from '../lambdas/core/ml/wasm/wasm-kernels.ts';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
// Every core (or PROGNOS_THREADS), at least two so the parallel columns mean something.
const pool = new LinalgPool(Math.max(2, poolThreads()));
const threads = `${pool.threads} threads`;

/** Best wall time of `fn` in milliseconds over enough runs to fill about two seconds. */
function best(n: number, fn: () => void): number {
  const runs = Math.max(3, Math.round(2e9 / n ** 3));
  let fastest = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    fastest = Math.min(fastest, performance.now() - t);
  }
  return fastest;
}

const gflops = (flops: number, ms: number) => (flops / ms / 1e6).toFixed(1);
/** `fn` timed with the JavaScript kernels, then with the WebAssembly ones. */
function both(n: number, fn: () => void): [number, number] {
  useWasmKernels(false);
  const js = best(n, fn);
  if (!useWasmKernels(true)) throw new Error('WebAssembly SIMD is not available in this engine');
  return [js, best(n, fn)];
}

const cell = (flops: number, [js, wasm]: [number, number]) => `${js.toFixed(1)} / ${wasm.toFixed(1)} ms (${gflops(flops, js)} / ${gflops(flops, wasm)})`;
console.log('Each cell: JavaScript / WebAssembly SIMD, milliseconds (GFLOP/s).');
console.log(`| n | Cholesky, 1 thread | Cholesky, ${threads} | inverse, 1 thread | inverse, ${threads} | ml-matrix Cholesky |`);
console.log('|---|---|---|---|---|---|');
for (const n of sizes.length > 0 ? sizes : [500, 700, 1000, 1400]) {
  const random = new SeededRandom(n);
  const x = Float64Array.from({ length: 3 * n }, () => random.uniform());
  const k = pool.allocate(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let d = 0; d < 3; d++) s += (x[3 * i + d] - x[3 * j + d]) ** 2;
      k[i * n + j] = Math.exp(-0.5 * s) + (i === j ? 1 : 0);
    }
  }
  const a = pool.allocate(n * n);
  // The copy into `a` is part of each timed run; at n = 1,400 it costs about 1 ms.
  const cholesky1 = both(n, () => (a.set(k), choleskyInPlace(a, n)));
  const cholesky2 = both(n, () => (a.set(k), choleskyInPlace(a, n, pool)));
  const inverse1 = both(n, () => inverseFromCholesky(a, n));
  const inverse2 = both(n, () => inverseFromCholesky(a, n, pool));
  const m = new Matrix(Array.from({ length: n }, (_, i) => Array.from(k.subarray(i * n, (i + 1) * n))));
  const mlMatrix = best(n, () => new CholeskyDecomposition(m));
  const c = n ** 3 / 3;
  console.log(
    `| ${n} | ${cell(c, cholesky1)} | ${cell(c, cholesky2)} | ${cell(2 * c, inverse1)} | ${cell(2 * c, inverse2)} | ${mlMatrix.toFixed(1)} ms (${gflops(c, mlMatrix)}) |`,
  );
}
