/**
 * What the bench parent (gpc.bench.ts) and its per-data-set child (run-one.ts) exchange: the
 * parent hands a {@link BenchJob} to the child as one JSON argument, the child answers with one
 * {@link ChildResult} on a stdout line that starts with {@link RESULT_MARKER}, or with its error
 * message after {@link ERROR_MARKER}.
 */
import type { GpcOptions } from '../lambdas/core/ml/gpc.ts';

/** Prefix of the stdout line that carries the child's result; every other line is just passed on. */
export const RESULT_MARKER = '@@prognos-bench-result ';

/** Prefix of the stdout line with which a failing child says why (its message, without a stack). */
export const ERROR_MARKER = '@@prognos-bench-error ';

/** The fixed protocol every data set is measured with (the one of the scikit-learn baseline). */
export const PROTOCOL = { testFraction: 0.3, seed: 99, targetRecall: 0.9 } as const;

/** One data set to benchmark. */
export interface BenchJob {
  /** Short name; also the key of the scikit-learn baseline (e.g. `moons_1000`). */
  readonly name: string;
  readonly file: string;
  readonly label: string;
  /** Feature columns; default every column except the label. */
  readonly features?: readonly string[];
  /** Train on a stratified subsample of at most this many rows of the training split. */
  readonly maxTrain?: number;
  /** Threads for the linear algebra (PROGNOS_THREADS in the child); default: every core. */
  readonly threads?: number;
  /** Passed to the classifier as given (without onProgress, which the child adds). */
  readonly gpc: Omit<GpcOptions, 'onProgress'>;
}

/** One measured data set, in the snake_case of the JSON output. */
export interface ChildResult {
  readonly dataset: string;
  readonly model: 'prognos_gpc';
  readonly n_train: number;
  readonly n_test: number;
  /** Rows of the training split before any --max-train subsample. */
  readonly n_train_available: number;
  readonly subsampled: boolean;
  readonly fit_seconds: number;
  /** CPU seconds of the fit over every thread (process.cpuUsage): less sensitive to a busy machine than wall time. */
  readonly fit_cpu_seconds: number;
  /** Optimiser evaluations and Newton iterations (Cholesky factorisations) over every stage: work a busy machine does not change. */
  readonly evaluations: number;
  readonly newton_iterations: number;
  readonly predict_ms_per_row: number;
  readonly peak_rss_mib: number;
  readonly roc_auc: number;
  readonly average_precision: number;
  readonly threshold: number;
  readonly recall: number;
  readonly precision: number;
  readonly log_marginal_likelihood: number;
  /** Fitted kernel, e.g. `3.2**2 * RBF(length_scale=0.91)`. */
  readonly kernel: string;
  /** Fitted hyperparameters in log space: [log c, log l_1, …]. */
  readonly theta: number[];
}
