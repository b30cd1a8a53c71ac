/**
 * The constants of lambdas/core/steps/step-cost.ts, measured (issue 12, bounded steps):
 * - exact GP prediction: seconds per holdout row per n² (n training rows; the O(n²) variance solve);
 * - sparse GP: one natural-gradient pass over n rows (scope 'variational', A cached) per n·m², and one
 *   full-gradient pass (θ and Z, what an L-BFGS evaluation costs) per n·m²;
 * - the Laplace sparse GP (sparse-laplace.ts): one evaluation of the evidence and its gradient per
 *   n·m², with Newton's search for the mode from zero (a fit's first) and from a nearby θ's mode (the others).
 *
 *   npx tsx bench/step-cost.bench.ts
 *
 * Fixed hyperparameters (no optimisation): the cost of the passes does not depend on θ's value.
 * Timings on a shared machine are noisy; step-cost.ts keeps a margin above them.
 */
import { denseMatrix } from '../lambdas/core/ml/dense.ts';
import { GaussianProcessClassifier } from '../lambdas/core/ml/gpc.ts';
import { evaluateElbo, inducingCholesky } from '../lambdas/core/ml/sparse/elbo.ts';
import { evaluateSparseLaplace } from '../lambdas/core/ml/sparse/sparse-laplace.ts';

const D = 8;

function randomRows(n: number, seed: number): { x: ReturnType<typeof denseMatrix>; y: Uint8Array } {
  let s = seed >>> 0;
  const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = denseMatrix(n, D);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < D; k++) sum += x.data[i * D + k] = 2 * next() - 1;
    y[i] = sum + 0.5 * (next() - 0.5) > 0.8 ? 1 : 0;
  }
  return { x, y };
}

function seconds(work: () => void): number {
  const started = performance.now();
  work();
  return (performance.now() - started) / 1000;
}

const rows: string[] = ['| what | n | m | rows scored | seconds | constant |', '|---|---:|---:|---:|---:|---:|'];
for (const n of [1400, 2800]) {
  const train = randomRows(n, n);
  const gpc = new GaussianProcessClassifier({ optimize: false, kernel: { constant: 10, lengthScale: 1.5 } }).fit(train.x, train.y);
  const holdout = randomRows(2000, 7);
  gpc.predict(randomRows(64, 3).x);
  const t = seconds(() => gpc.predict(holdout.x));
  rows.push(`| exact predict | ${n} | – | 2000 | ${t.toFixed(2)} | ${(t / 2000 / n ** 2).toExponential(2)} s per row per n² |`);
}
for (const [n, m] of [[20_000, 128], [10_000, 256]] as const) {
  const { x, y } = randomRows(n, 11);
  const inducing = new Float64Array(m * D);
  for (let j = 0; j < m; j++) for (let k = 0; k < D; k++) inducing[j * D + k] = x.data[j * D + k];
  const cholCov = new Float64Array(m * m);
  for (let j = 0; j < m; j++) cholCov[j * m + j] = 1;
  const params = { theta: Float64Array.of(Math.log(2), Math.log(1.5)), inducing, mean: new Float64Array(m), cholCov };
  const factor = inducingCholesky(params, m, D);
  const started = performance.now();
  const { whitened } = evaluateElbo(x, y, params, { scope: 'none', ...factor, keepWhitened: true });
  const tA = (performance.now() - started) / 1000;
  const tQ = seconds(() => evaluateElbo(x, y, params, { scope: 'variational', ...factor, whitened }));
  const tAll = seconds(() => evaluateElbo(x, y, params, { scope: 'all', ...factor }));
  const per = (t: number): string => `${(t / (n * m * m)).toExponential(2)} s per n·m²`;
  rows.push(`| sparse A = L⁻¹K(Z,X), with the bound | ${n} | ${m} | – | ${tA.toFixed(2)} | ${per(tA)} |`);
  rows.push(`| sparse q pass (variational) | ${n} | ${m} | – | ${tQ.toFixed(2)} | ${per(tQ)} |`);
  rows.push(`| sparse full-gradient pass | ${n} | ${m} | – | ${tAll.toFixed(2)} | ${per(tAll)} |`);
  let cold: ReturnType<typeof evaluateSparseLaplace> | undefined;
  const tCold = seconds(() => (cold = evaluateSparseLaplace(x, y, params, m)));
  const nearby = { ...params, theta: Float64Array.of(Math.log(2.2), Math.log(1.4)) };
  let warm: ReturnType<typeof evaluateSparseLaplace> | undefined;
  const tWarm = seconds(() => (warm = evaluateSparseLaplace(x, y, nearby, m, { start: cold!.mode.mode })));
  rows.push(`| Laplace evaluation with gradient, mode from 0 (${cold!.mode.iterations} Newton steps) | ${n} | ${m} | – | ${tCold.toFixed(2)} | ${per(tCold)} |`);
  rows.push(`| Laplace evaluation with gradient, mode from a nearby θ's (${warm!.mode.iterations} Newton steps) | ${n} | ${m} | – | ${tWarm.toFixed(2)} | ${per(tWarm)} |`);
}
console.log(rows.join('\n'));
