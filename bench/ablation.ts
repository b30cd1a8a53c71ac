/**
 * `npm run bench:ablation`: what each of the GP fit's economies gives, measured on moons_2000
 * (1,400 training rows on scikit-learn's split), switching them on one after another. Each
 * configuration runs `--repeat` times (default 3) in fresh processes, interleaved, and the table
 * shows the median and the range: on a shared 2-core VM one run can be 30 % off. Prints a Markdown
 * table for docs/benchmarks.md.
 */
import { loadBaseline } from './baseline.ts';
import { defaultDatasets, findSharedDir } from './datasets.ts';
import type { BenchJob } from './protocol.ts';
import { runJob } from './runner.ts';

interface Variant {
  readonly name: string;
  readonly threads: number;
  /** The WebAssembly SIMD kernels (false: PROGNOS_WASM=0, the JavaScript ones; same results). */
  readonly wasm: boolean;
  readonly gpc: BenchJob['gpc'];
}

const VARIANTS: Variant[] = [
  { name: 'scikit-learn\'s algorithm: Newton from f = 0 at every step, one core, all rows', threads: 1, wasm: false, gpc: { warmStart: false, subsampleSize: 0, restarts: 0 } },
  { name: '+ Newton warm start at the mode predicted from the last gradient', threads: 1, wasm: false, gpc: { subsampleSize: 0, restarts: 0 } },
  { name: '+ second core (row-parallel Cholesky and inverse)', threads: 2, wasm: false, gpc: { subsampleSize: 0, restarts: 0 } },
  { name: '+ first steps on a 500-row stratified subsample', threads: 2, wasm: false, gpc: { subsampleSize: 500, restarts: 0 } },
  { name: '+ two restarts on the subsample (the fit\'s defaults)', threads: 2, wasm: false, gpc: {} },
  { name: 'defaults: + WebAssembly SIMD kernels (bitwise the same model)', threads: 2, wasm: true, gpc: {} },
];

const args = process.argv.slice(2);
const repeatAt = args.indexOf('--repeat');
const repeat = repeatAt >= 0 ? Number(args.splice(repeatAt, 2)[1]) : 3;
const dataset = args[0] ?? 'moons_2000';
const sharedDir = findSharedDir();
if (!sharedDir) {
  console.error('bench:ablation: ../shared not found (set PROGNOS_SHARED_DIR); nothing measured');
} else {
  const spec = defaultDatasets(sharedDir).specs.find((s) => s.name === dataset);
  if (!spec) throw new Error(`unknown data set ${dataset}`);
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new Error(`--repeat must be a positive integer, got ${repeat}`);
  const sklearn = loadBaseline(sharedDir)(dataset);
  const seconds: number[][] = VARIANTS.map(() => []);
  const last: Array<{ lml: number; auc: number }> = [];
  // Interleaved rounds, so a slow spell of the machine spreads over every configuration.
  for (let round = 0; round < repeat; round++) {
    for (const [v, variant] of VARIANTS.entries()) {
      const job: BenchJob = { name: spec.name, file: spec.file, label: spec.label, features: spec.features, threads: variant.threads, gpc: variant.gpc };
      // The child inherits this process's environment.
      process.env.PROGNOS_WASM = variant.wasm ? '1' : '0';
      const outcome = await runJob(job);
      const r = outcome.result;
      if (!r) throw new Error(`${variant.name}: ${outcome.error}`);
      seconds[v].push(r.fit_seconds);
      last[v] = { lml: r.log_marginal_likelihood, auc: r.roc_auc };
      console.error(`round ${round + 1}/${repeat}: ${variant.name}: ${r.fit_seconds.toFixed(2)} s`);
    }
  }
  console.log(`Fit time on ${dataset} (training rows from scikit-learn's split), each economy added to the ones above; median of ${repeat} runs [min–max]:\n`);
  console.log('| configuration | fit s | × scikit-learn | LML | ROC AUC |');
  console.log('| :--- | ---: | ---: | ---: | ---: |');
  VARIANTS.forEach((variant, v) => {
    const sorted = [...seconds[v]].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const ratio = sklearn?.fit_s ? `${(median / sklearn.fit_s).toFixed(2)}×` : '—';
    console.log(`| ${variant.name} | ${median.toFixed(2)} [${sorted[0].toFixed(1)}–${sorted.at(-1)!.toFixed(1)}] | ${ratio} | ${last[v].lml.toFixed(4)} | ${last[v].auc.toFixed(4)} |`);
  });
  if (sklearn?.fit_s) console.log(`| scikit-learn 1.2.1, OpenBLAS SkylakeX (baseline) | ${sklearn.fit_s.toFixed(2)} | 1.00× | ${sklearn.lml_opt?.toFixed(4) ?? '—'} | ${sklearn.roc_auc?.toFixed(4) ?? '—'} |`);
}
