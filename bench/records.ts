/**
 * The bench's output records: one per data set and model, the child's measurements joined with
 * scikit-learn's figures and the comparisons (ratios for costs, differences for quality).
 */
import type { BaselineLookup, SklearnFigures } from './baseline.ts';
import { PEER } from './baseline.ts';
import type { JobOutcome } from './runner.ts';
import type { ChildResult } from './protocol.ts';

/** scikit-learn's figures and the comparisons; every field absent where the baseline has no row. */
export interface SklearnComparison {
  readonly sklearn_model?: string;
  readonly sklearn_openblas_kernel?: string;
  readonly sklearn_n_train?: number;
  readonly sklearn_fit_seconds?: number;
  readonly sklearn_fit_cpu_seconds?: number;
  readonly sklearn_predict_ms_per_row?: number;
  readonly sklearn_peak_rss_mib?: number;
  readonly sklearn_roc_auc?: number;
  readonly sklearn_average_precision?: number;
  /** At scikit-learn's threshold 0.5. */
  readonly sklearn_recall?: number;
  readonly sklearn_precision?: number;
  readonly sklearn_log_marginal_likelihood?: number;
  readonly sklearn_cholesky_factorisations?: number;
  /** Ours / scikit-learn's. */
  readonly fit_seconds_ratio?: number;
  readonly fit_cpu_seconds_ratio?: number;
  readonly predict_ms_per_row_ratio?: number;
  readonly peak_rss_mib_ratio?: number;
  /** Ours − scikit-learn's. */
  readonly roc_auc_diff?: number;
  readonly log_marginal_likelihood_diff?: number;
}

/** A measured data set. */
export type MeasuredRecord = ChildResult & SklearnComparison & RunInfo;

/** How a data set was run, known to the parent. */
export interface RunInfo {
  readonly wall_seconds: number;
  /** Hash of the lambdas/core sources when the child started (see fingerprint.ts). */
  readonly source_fingerprint: string;
}

/** A data set whose child failed or was stopped. */
export interface FailedRecord extends RunInfo {
  readonly dataset: string;
  readonly model: 'prognos_gpc';
  readonly error: string;
}

export type BenchRecord = MeasuredRecord | FailedRecord;

export function isMeasured(record: BenchRecord): record is MeasuredRecord {
  return !('error' in record);
}

/** Joins a child's outcome with the baseline row of its data set. */
export function toRecord(dataset: string, outcome: JobOutcome, baseline: BaselineLookup, sourceFingerprint: string): BenchRecord {
  const info: RunInfo = { wall_seconds: outcome.wallSeconds, source_fingerprint: sourceFingerprint };
  if (!outcome.result) return { dataset, model: 'prognos_gpc', error: outcome.error ?? 'no result', ...info };
  return { ...outcome.result, ...compare(outcome.result, baseline(dataset)), ...info };
}

/** Compares only like with like: a baseline fitted on another number of rows (e.g. under --max-train) is left out. */
function compare(ours: ChildResult, sk: SklearnFigures | undefined): SklearnComparison {
  if (!sk || sk.n_train !== ours.n_train) return {};
  return {
    sklearn_model: PEER.model,
    sklearn_openblas_kernel: PEER.kernelPrefix,
    sklearn_n_train: sk.n_train,
    sklearn_fit_seconds: sk.fit_s,
    sklearn_fit_cpu_seconds: sk.fit_cpu_s,
    sklearn_predict_ms_per_row: sk.row_latency_mean_ms,
    sklearn_peak_rss_mib: sk.peak_rss_mib,
    sklearn_roc_auc: sk.roc_auc,
    sklearn_average_precision: sk.average_precision,
    sklearn_recall: sk.recall,
    sklearn_precision: sk.precision,
    sklearn_log_marginal_likelihood: sk.lml_opt,
    sklearn_cholesky_factorisations: sk.cholesky_n,
    fit_seconds_ratio: ratio(ours.fit_seconds, sk.fit_s),
    fit_cpu_seconds_ratio: ratio(ours.fit_cpu_seconds, sk.fit_cpu_s),
    predict_ms_per_row_ratio: ratio(ours.predict_ms_per_row, sk.row_latency_mean_ms),
    peak_rss_mib_ratio: ratio(ours.peak_rss_mib, sk.peak_rss_mib),
    roc_auc_diff: difference(ours.roc_auc, sk.roc_auc),
    log_marginal_likelihood_diff: difference(ours.log_marginal_likelihood, sk.lml_opt),
  };
}

function ratio(ours: number, theirs: number | undefined): number | undefined {
  return theirs === undefined || !(theirs > 0) ? undefined : ours / theirs;
}

function difference(ours: number, theirs: number | undefined): number | undefined {
  return theirs === undefined ? undefined : ours - theirs;
}
