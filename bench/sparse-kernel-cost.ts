/**
 * Cost of one sparse-GP evaluation per kernel shape (issue 9): the full gradient pass (θ, Z) and
 * the q(v)-only pass, on n random rows with d inputs and m inducing points. CPU seconds of this
 * process, median of `repeat` runs; the machine is shared, so compare shapes within one run.
 *
 *   npx tsx bench/sparse-kernel-cost.ts [n=4000] [d=11] [m=128] [repeat=3]
 */
import { denseMatrix } from '../lambdas/core/ml/dense.ts';
import { KERNEL_SHAPES } from '../lambdas/core/ml/kernel-shape.ts';
import { SeededRandom } from '../lambdas/core/ml/random.ts';
import { evaluateElbo, inducingCholesky } from '../lambdas/core/ml/sparse/elbo.ts';

const settings = Object.fromEntries(process.argv.slice(2).map((kv) => kv.split('=') as [string, string]));
const [n, d, m, repeat] = [Number(settings.n ?? 4000), Number(settings.d ?? 11), Number(settings.m ?? 128), Number(settings.repeat ?? 3)];
const random = new SeededRandom(1);
const x = denseMatrix(n, d, Float64Array.from({ length: n * d }, () => random.normal()));
const y = Uint8Array.from({ length: n }, (_, i) => (x.data[i * d] > 1 ? 1 : 0));
const cholCov = new Float64Array(m * m);
for (let j = 0; j < m; j++) cholCov[j * m + j] = 0.5;
const base = {
  theta: Float64Array.from({ length: d + 1 }, (_, k) => (k === 0 ? 0 : Math.log(2))),
  inducing: Float64Array.from({ length: m * d }, () => random.normal()),
  mean: Float64Array.from({ length: m }, () => random.normal()),
  cholCov,
};

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const rows: string[] = [];
for (const kernel of KERNEL_SHAPES) {
  const params = { ...base, kernel };
  const all: number[] = [];
  const variational: number[] = [];
  for (let r = 0; r < repeat; r++) {
    let t = cpu();
    evaluateElbo(x, y, params, { scope: 'all' });
    all.push(cpu() - t);
    const factor = inducingCholesky(params, m, d);
    t = cpu();
    evaluateElbo(x, y, params, { scope: 'variational', ...factor });
    variational.push(cpu() - t);
  }
  rows.push(`| ${kernel} | ${median(all).toFixed(3)} s | ${median(variational).toFixed(3)} s |`);
}
console.log(`n=${n} d=${d} m=${m}, median of ${repeat} (CPU seconds)\n| kernel | gradient pass (θ, Z) | q(v) pass |\n|---|---|---|\n${rows.join('\n')}`);
