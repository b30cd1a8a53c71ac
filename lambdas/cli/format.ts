import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { FitSummary } from '../core/ml/gpc.ts';
import type { ThresholdRecord } from '../core/ml/maintenance-model.ts';
import type { ConfusionMatrix, ModelMetrics } from '../core/ml/metrics.ts';

/** Column alignment of {@link formatTable}. */
export type Align = 'left' | 'right';

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Alignment per column; default: first column left, the others right (labels, then numbers). */
  readonly align?: readonly Align[];
  /** Prefix of every line. @default two spaces */
  readonly indent?: string;
}

/**
 * Plain-text table: columns padded to their widest cell and separated by two spaces, one line
 * per row, trailing blanks trimmed. Plain text so it reads the same in a terminal, a CI log or a file.
 */
export function formatTable(rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const indent = options.indent ?? '  ';
  const nCols = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: nCols }, (_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length)));
  const alignOf = (j: number): Align => options.align?.[j] ?? (j === 0 ? 'left' : 'right');
  return rows
    .map((r) => {
      const cells = widths.map((width, j) => {
        const cell = r[j] ?? '';
        return alignOf(j) === 'left' ? cell.padEnd(width) : cell.padStart(width);
      });
      return (indent + cells.join('  ')).trimEnd() + '\n';
    })
    .join('');
}

/** A metric with `digits` decimals, always shown the same way (0.900, not 0.9). */
export function fixed(value: number, digits = 3): string {
  return value.toFixed(digits);
}

/**
 * The evaluation of a model on the held-out test split: a heading naming the split, the ranking
 * metrics (threshold-free), the metrics at the model's threshold, probability quality, and the
 * confusion matrix.
 */
export function metricsReport(metrics: ModelMetrics, threshold: ThresholdRecord): string {
  const n = metrics.nPositive + metrics.nNegative;
  const heading =
    `Test split: ${n} rows held out of training, ${metrics.nPositive} need maintenance.\n` +
    `Threshold ${fixed(threshold.value, 4)} was chosen for recall ≥ ${threshold.targetRecall} on leave-one-out predictions of the training rows.\n\n`;
  const table = formatTable([
    ['metric', 'test'],
    ['ROC AUC', fixed(metrics.rocAuc)],
    ['average precision', fixed(metrics.averagePrecision)],
    ['threshold', fixed(metrics.threshold, 4)],
    ['recall', fixed(metrics.recall)],
    ['precision', fixed(metrics.precision)],
    ['specificity', fixed(metrics.specificity)],
    ['F1', fixed(metrics.f1)],
    ['F2', fixed(metrics.f2)],
    ['Brier score', fixed(metrics.brier, 4)],
    ['log loss', fixed(metrics.logLoss, 4)],
  ], { align: ['left', 'left'] });
  return `${heading}${table}\n${confusionTable(metrics.confusion)}`;
}

/** Confusion matrix counts, truth in rows, decision in columns. */
export function confusionTable(c: ConfusionMatrix): string {
  return formatTable([
    ['confusion matrix', 'flagged', 'not flagged'],
    ['needs maintenance', `${c.tp} TP`, `${c.fn} FN`],
    ['healthy', `${c.fp} FP`, `${c.tn} TN`],
  ]);
}

/** What was fitted: kernel, training rows, log marginal likelihood, timings. */
export function modelSummary(summary: FitSummary, info: { readonly fitSeconds: number; readonly predictMsPerRow?: number; readonly features: readonly string[] }): string {
  const rows: string[][] = [
    ['kernel', summary.kernel],
    ['features', info.features.join(', ')],
    ['training rows', `${summary.nTrain} (${summary.nPositive} need maintenance)`],
    ['log marginal likelihood', fixed(summary.logMarginalLikelihood, 2)],
    ['fit seconds', fixed(info.fitSeconds, 1)],
  ];
  if (info.predictMsPerRow !== undefined) rows.push(['predict ms per row', fixed(info.predictMsPerRow, 2)]);
  return `Model\n${formatTable(rows, { align: ['left', 'left'] })}`;
}

/** The path relative to the working directory when it lies inside it (shorter to read and copy), else absolute. */
export function displayPath(path: string): string {
  const absolute = resolve(path);
  const rel = relative(process.cwd(), absolute);
  if (rel === '') return '.';
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? absolute : rel;
}
