/**
 * Formats bench records as a fixed-width table (stdout) or a Markdown table (docs), from one
 * list of column definitions so both always show the same thing.
 */
import { type BenchRecord, isMeasured, type MeasuredRecord } from './records.ts';

/** One column: header, alignment and how to print a measured record's cell. */
interface Column {
  readonly header: string;
  readonly align: 'left' | 'right';
  readonly cell: (r: MeasuredRecord) => string;
}

const DASH = '—';

/** Our figures with scikit-learn's next to them (×sk = ours / scikit-learn, Δ = ours − scikit-learn). */
const RESULT_COLUMNS: Column[] = [
  { header: 'dataset', align: 'left', cell: (r) => r.dataset },
  { header: 'n_train', align: 'right', cell: (r) => String(r.n_train) },
  { header: 'n_test', align: 'right', cell: (r) => String(r.n_test) },
  { header: 'fit s', align: 'right', cell: (r) => seconds(r.fit_seconds) },
  { header: '×sk', align: 'right', cell: (r) => times(r.fit_seconds_ratio) },
  { header: 'cpu s', align: 'right', cell: (r) => seconds(r.fit_cpu_seconds) },
  { header: '×sk', align: 'right', cell: (r) => times(r.fit_cpu_seconds_ratio) },
  { header: 'ms/row', align: 'right', cell: (r) => millis(r.predict_ms_per_row) },
  { header: '×sk', align: 'right', cell: (r) => times(r.predict_ms_per_row_ratio) },
  { header: 'RSS MiB', align: 'right', cell: (r) => r.peak_rss_mib.toFixed(0) },
  { header: '×sk', align: 'right', cell: (r) => times(r.peak_rss_mib_ratio) },
  { header: 'ROC AUC', align: 'right', cell: (r) => r.roc_auc.toFixed(4) },
  { header: 'ΔAUC', align: 'right', cell: (r) => signed(r.roc_auc_diff, 4) },
  { header: 'AP', align: 'right', cell: (r) => r.average_precision.toFixed(4) },
  { header: 'threshold', align: 'right', cell: (r) => r.threshold.toFixed(4) },
  { header: 'recall', align: 'right', cell: (r) => r.recall.toFixed(3) },
  { header: 'precision', align: 'right', cell: (r) => r.precision.toFixed(3) },
  { header: 'LML', align: 'right', cell: (r) => r.log_marginal_likelihood.toFixed(2) },
  { header: 'ΔLML', align: 'right', cell: (r) => signed(r.log_marginal_likelihood_diff, 2) },
  { header: 'wall s', align: 'right', cell: (r) => seconds(r.wall_seconds) },
];

/** scikit-learn's own figures, for readers who want the absolute numbers. */
const BASELINE_COLUMNS: Column[] = [
  { header: 'dataset', align: 'left', cell: (r) => r.dataset },
  { header: 'n_train', align: 'right', cell: (r) => optional(r.sklearn_n_train, (v) => String(v)) },
  { header: 'fit s', align: 'right', cell: (r) => optional(r.sklearn_fit_seconds, seconds) },
  { header: 'cpu s', align: 'right', cell: (r) => optional(r.sklearn_fit_cpu_seconds, seconds) },
  { header: 'ms/row', align: 'right', cell: (r) => optional(r.sklearn_predict_ms_per_row, millis) },
  { header: 'RSS MiB', align: 'right', cell: (r) => optional(r.sklearn_peak_rss_mib, (v) => v.toFixed(0)) },
  { header: 'ROC AUC', align: 'right', cell: (r) => optional(r.sklearn_roc_auc, (v) => v.toFixed(4)) },
  { header: 'recall@0.5', align: 'right', cell: (r) => optional(r.sklearn_recall, (v) => v.toFixed(3)) },
  { header: 'precision@0.5', align: 'right', cell: (r) => optional(r.sklearn_precision, (v) => v.toFixed(3)) },
  { header: 'LML', align: 'right', cell: (r) => optional(r.sklearn_log_marginal_likelihood, (v) => v.toFixed(2)) },
];

/** Our results and the comparison, as a fixed-width text table. */
export function resultTable(records: readonly BenchRecord[]): string {
  return fixedWidth(RESULT_COLUMNS, cells(RESULT_COLUMNS, records));
}

/** scikit-learn's figures as a fixed-width text table. */
export function baselineTable(records: readonly BenchRecord[]): string {
  return fixedWidth(BASELINE_COLUMNS, cells(BASELINE_COLUMNS, records));
}

/** Our results and the comparison, as a Markdown table. */
export function resultMarkdown(records: readonly BenchRecord[]): string {
  return markdown(RESULT_COLUMNS, cells(RESULT_COLUMNS, records));
}

/** scikit-learn's figures as a Markdown table. */
export function baselineMarkdown(records: readonly BenchRecord[]): string {
  return markdown(BASELINE_COLUMNS, cells(BASELINE_COLUMNS, records));
}

/** Cell texts, one row per record; a failed data set shows its name and dashes. */
function cells(columns: readonly Column[], records: readonly BenchRecord[]): string[][] {
  return records.map((r) =>
    columns.map((c, j) => {
      if (isMeasured(r)) return c.cell(r);
      if (j === 0) return r.dataset;
      return c.header === 'wall s' ? seconds(r.wall_seconds) : DASH;
    }),
  );
}

function fixedWidth(columns: readonly Column[], rows: readonly string[][]): string {
  const widths = columns.map((c, j) => Math.max(c.header.length, ...rows.map((row) => row[j].length)));
  const line = (texts: readonly string[]) =>
    texts.map((t, j) => (columns[j].align === 'left' ? t.padEnd(widths[j]) : t.padStart(widths[j]))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdown(columns: readonly Column[], rows: readonly string[][]): string {
  const line = (texts: readonly string[]) => `| ${texts.join(' | ')} |`;
  const rule = columns.map((c) => (c.align === 'left' ? ':---' : '---:'));
  return [line(columns.map((c) => c.header)), line(rule), ...rows.map(line)].join('\n');
}

function optional(value: number | undefined, format: (v: number) => string): string {
  return value === undefined ? DASH : format(value);
}

function seconds(v: number): string {
  return v < 100 ? v.toFixed(2) : v.toFixed(1);
}

function millis(v: number): string {
  return v < 1 ? v.toFixed(3) : v.toFixed(2);
}

function times(v: number | undefined): string {
  return optional(v, (x) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)}×`);
}

/** A difference with its sign; one that rounds to zero is shown unsigned (no "-0.00" for noise). */
function signed(v: number | undefined, digits: number): string {
  return optional(v, (x) => {
    const text = x.toFixed(digits);
    if (Number(text) === 0) return (0).toFixed(digits);
    return x > 0 ? `+${text}` : text;
  });
}
