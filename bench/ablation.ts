/**
 * `npm run bench:ablation`: what each of the GP fit's economies gives, measured on moons_2000
 * (1,400 training rows on scikit-learn's split), switching them on one after another. Prints a
 * Markdown table for docs/benchmarks.md.
 */
import { loadBaseline } from './baseline.ts';
import { defaultDatasets, findSharedDir } from './datasets.ts';
import type { BenchJob } from './protocol.ts';
import { runJob } from './runner.ts';

interface Variant {
  readonly name: string;
  readonly threads: number;
  readonly gpc: BenchJob['gpc'];
}

const VARIANTS: Variant[] = [
  { name: 'scikit-learn\'s algorithm: Newton from f = 0 at every step, one core, all rows', threads: 1, gpc: { warmStart: false, subsampleSize: 0, restarts: 0 } },
  { name: '+ Newton warm start from the previous mode', threads: 1, gpc: { subsampleSize: 0, restarts: 0 } },
  { name: '+ second core (row-parallel Cholesky and inverse)', threads: 2, gpc: { subsampleSize: 0, restarts: 0 } },
  { name: '+ first steps on a 500-row stratified subsample', threads: 2, gpc: { subsampleSize: 500, restarts: 0 } },
  { name: 'defaults: + two restarts on the subsample', threads: 2, gpc: {} },
];

const dataset = process.argv[2] ?? 'moons_2000';
const sharedDir = findSharedDir();
if (!sharedDir) {
  console.error('bench:ablation: ../shared not found (set PROGNOS_SHARED_DIR); nothing measured');
} else {
  const spec = defaultDatasets(sharedDir).specs.find((s) => s.name === dataset);
  if (!spec) throw new Error(`unknown data set ${dataset}`);
  const sklearn = loadBaseline(sharedDir)(dataset);
  const rows: string[] = [];
  for (const variant of VARIANTS) {
    const job: BenchJob = { name: spec.name, file: spec.file, label: spec.label, features: spec.features, threads: variant.threads, gpc: variant.gpc };
    const outcome = await runJob(job);
    const r = outcome.result;
    if (!r) throw new Error(`${variant.name}: ${outcome.error}`);
    rows.push(`| ${variant.name} | ${r.fit_seconds.toFixed(2)} | ${sklearn?.fit_s ? (r.fit_seconds / sklearn.fit_s).toFixed(2) + '×' : '—'} | ${r.log_marginal_likelihood.toFixed(4)} | ${r.roc_auc.toFixed(4)} |`);
    console.error(rows.at(-1));
  }
  console.log(`Fit time on ${dataset} (n_train from scikit-learn's split), each economy added to the ones above:\n`);
  console.log('| configuration | fit s | × scikit-learn | LML | ROC AUC |');
  console.log('| :--- | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
  if (sklearn?.fit_s) console.log(`| scikit-learn 1.2.1, OpenBLAS SkylakeX (baseline) | ${sklearn.fit_s.toFixed(2)} | 1.00× | ${sklearn.lml_opt?.toFixed(4) ?? '—'} | ${sklearn.roc_auc?.toFixed(4) ?? '—'} |`);
}
