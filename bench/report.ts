/**
 * The bench's reports: the stdout text and the Markdown fragment for docs/benchmarks.md, both
 * the tables plus the notes a reader needs to read them (subsamples, failures, what ×sk means).
 */
import { cpus } from 'node:os';
import { PROTOCOL } from './protocol.ts';
import { type BenchRecord, isMeasured } from './records.ts';
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
    ...section(records, (rows) => ['scikit-learn (gpc_iso, OpenBLAS SkylakeX, threshold 0.5):', baselineTable(rows), '']),
  ].join('\n');
}

/** The Markdown fragment: environment, command, tables and notes. */
export function markdownReport(records: readonly BenchRecord[], context: RunContext): string {
  const cpu = cpus();
  return [
    `Measured ${context.date.toISOString().replace(/\.\d+Z$/, 'Z')} with Node ${process.version} on ${cpu[0]?.model ?? 'an unknown CPU'} ` +
      `(${cpu.length} logical CPUs), GPC options \`${JSON.stringify(context.gpcOptions)}\`, ` +
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
    ...section(records, (rows) => [
      "scikit-learn's own figures (gpc_iso, OpenBLAS SkylakeX, threshold 0.5), from `shared/reference/sklearn-baseline.json`:",
      '',
      baselineMarkdown(rows),
      '',
    ]),
  ].join('\n');
}

/** The baseline section for the data sets that have one; nothing when none has. */
function section(records: readonly BenchRecord[], render: (rows: BenchRecord[]) => string[]): string[] {
  const rows = records.filter((r) => isMeasured(r) && r.sklearn_model !== undefined);
  return rows.length > 0 ? render(rows) : [];
}
