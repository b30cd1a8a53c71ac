/**
 * The bench's reports: the stdout text and the Markdown fragment for docs/benchmarks.md, both
 * the tables plus the notes a reader needs to read them (subsamples, failures, what ×sk means).
 */
import { cpus } from 'node:os';
import { wasmKernels } from '../lambdas/core/ml/wasm/wasm-kernels.ts';
import { generatedGroup } from './generated.ts';
import { PROTOCOL } from './protocol.ts';
import { type BenchRecord, isMeasured, type MeasuredRecord } from './records.ts';
import { baselineMarkdown, baselineTable, resultMarkdown, resultTable } from './table.ts';

/** Where and how the numbers were measured. */
export interface RunContext {
  readonly command: string;
  readonly date: Date;
  readonly gpcOptions: object;
}

const LEGEND =
  `70/30 stratified split: scikit-learn's own StratifiedShuffleSplit(test_size=0.3, random_state=${PROTOCOL.seed}), reproduced ` +
  'bit for bit (bench/sklearn-split.ts), so both models see the same training and test rows; threshold chosen on leave-one-out predictions of the training rows for ' +
  `recall ${PROTOCOL.targetRecall}; ROC AUC, AP (average precision), recall and precision on the test split at that threshold; ` +
  'LML = log marginal likelihood at the fitted kernel; wall s = whole child process (load, fit, row-by-row and batch prediction). ' +
  '×sk = ours / scikit-learn, Δ = ours − scikit-learn, against scikit-learn 1.2.1 GaussianProcessClassifier(1.0 * RBF(1.0)) ' +
  'with OpenBLAS forced to its SkylakeX kernel (the fastest peer; its threshold is 0.5); — = no baseline for that data set.';

/** Notes under the table: subsampled training sets, failures, and code that changed mid-run. */
export function notes(records: readonly BenchRecord[]): string[] {
  return [...records.map(recordNote), mixedCodeNote(records)].filter((n) => n !== '');
}

function recordNote(r: BenchRecord): string {
  if (!isMeasured(r)) return `${r.dataset}: no result (${r.error}).`;
  if (!r.subsampled) return '';
  return `${r.dataset}: trained on a stratified subsample of ${r.n_train} of the ${r.n_train_available} training rows (--max-train); evaluated on all ${r.n_test} test rows.`;
}

/** Each child loads the sources afresh: say so when they were edited between data sets. */
function mixedCodeNote(records: readonly BenchRecord[]): string {
  const versions = [...new Set(records.map((r) => r.source_fingerprint))];
  if (versions.length < 2) return '';
  const which = records.map((r) => `${r.dataset} ${r.source_fingerprint}`).join(', ');
  return `WARNING: lambdas/core changed during the run, so these rows measure different code (source fingerprints: ${which}).`;
}

/** The stdout report: result table, notes, legend and scikit-learn's own figures. */
export function textReport(records: readonly BenchRecord[]): string {
  return [
    resultTable(records),
    '',
    ...notes(records).map((n) => `* ${n}`),
    `* ${LEGEND}`,
    '',
    ...spread(records),
    ...section(records, (rows) => ['scikit-learn (gpc_iso, OpenBLAS SkylakeX, threshold 0.5):', baselineTable(rows), '']),
  ].join('\n');
}

/** The Markdown fragment: environment, command, tables and notes. */
export function markdownReport(records: readonly BenchRecord[], context: RunContext): string {
  const cpu = cpus();
  return [
    `Measured ${context.date.toISOString().replace(/\.\d+Z$/, 'Z')} with Node ${process.version} on ${cpu[0]?.model ?? 'an unknown CPU'} ` +
      `(${cpu.length} logical CPUs), ${wasmKernels() ? 'WebAssembly SIMD kernels' : 'JavaScript kernels (PROGNOS_WASM=0)'}, ` +
      `GPC options \`${JSON.stringify(context.gpcOptions)}\`, ` +
      `lambdas/core source fingerprint ${[...new Set(records.map((r) => r.source_fingerprint))].join(' / ')}:`,
    '',
    '```sh',
    context.command,
    '```',
    '',
    resultMarkdown(records),
    '',
    ...notes(records).map((n) => `- ${n}`),
    `- ${LEGEND}`,
    '',
    ...spread(records),
    ...section(records, (rows) => [
      "scikit-learn's own figures (gpc_iso, OpenBLAS SkylakeX, threshold 0.5), from `shared/reference/sklearn-baseline.json` or, for generated sets, measured right after ours:",
      '',
      baselineMarkdown(rows),
      '',
    ]),
  ].join('\n');
}

/**
 * The spread of the generated sets per family and size: how far the comparison with
 * scikit-learn moves with the seed and the noise. Median [min–max]; nothing without such sets.
 */
export function spread(records: readonly BenchRecord[]): string[] {
  const groups = new Map<string, MeasuredRecord[]>();
  for (const r of records) {
    const group = generatedGroup(r.dataset);
    if (!group || !isMeasured(r) || r.fit_seconds_ratio === undefined) continue;
    groups.set(group, [...(groups.get(group) ?? []), r]);
  }
  if (groups.size === 0) return [];
  const range = (values: number[], format: (v: number) => string): string => {
    const sorted = [...values].sort((a, b) => a - b);
    return `${format(sorted[Math.floor((sorted.length - 1) / 2)])} [${format(sorted[0])} – ${format(sorted.at(-1)!)}]`;
  };
  const times = (v: number) => `${v.toFixed(2)}×`;
  // A difference that rounds to zero is shown unsigned (no "+0.0000" for noise).
  const signed = (digits: number) => (v: number) => (Number(v.toFixed(digits)) === 0 ? (0).toFixed(digits) : (v > 0 ? '+' : '') + v.toFixed(digits));
  const defined = (values: Array<number | undefined>) => values.filter((v): v is number => v !== undefined);
  return [
    'Spread over the generated sets, median [min – max] (ours / scikit-learn for times, ours − scikit-learn for quality):',
    '',
    '| family and size | sets | n_train | fit wall ×sk | fit CPU ×sk | ΔAUC | ΔLML |',
    '| :--- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...[...groups].map(([group, rows]) => {
      const cpu = defined(rows.map((r) => r.fit_cpu_seconds_ratio));
      return (
        `| ${group} | ${rows.length} | ${rows[0].n_train} | ${range(rows.map((r) => r.fit_seconds_ratio!), times)} | ${cpu.length ? range(cpu, times) : '—'} | ` +
        `${range(defined(rows.map((r) => r.roc_auc_diff)), signed(4))} | ${range(defined(rows.map((r) => r.log_marginal_likelihood_diff)), signed(2))} |`
      );
    }),
    '',
  ];
}

/** The baseline section for the data sets that have one; nothing when none has. */
function section(records: readonly BenchRecord[], render: (rows: BenchRecord[]) => string[]): string[] {
  const rows = records.filter((r) => isMeasured(r) && r.sklearn_model !== undefined);
  return rows.length > 0 ? render(rows) : [];
}
