/**
 * scikit-learn's figures from `<shared>/reference/sklearn-baseline.json`. Each data set and model
 * was measured twice, with OpenBLAS's generic kernel ("Prescott") and with its AVX-512 kernel
 * ("SkylakeX"); the faster SkylakeX run of the isotropic GPC is the peer Prognos is measured against.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The baseline figures the bench compares with (all optional: some rows are projections only). */
export interface SklearnFigures {
  readonly n_train?: number;
  readonly n_test?: number;
  readonly fit_s?: number;
  /** CPU seconds of the fit, every thread (only measured by `--generated` runs). */
  readonly fit_cpu_s?: number;
  readonly average_precision?: number;
  readonly row_latency_mean_ms?: number;
  readonly peak_rss_mib?: number;
  readonly roc_auc?: number;
  readonly recall?: number;
  readonly precision?: number;
  readonly lml_opt?: number;
  /** Cholesky factorisations of scikit-learn's fit (only measured by `--generated` runs). */
  readonly cholesky_n?: number;
}

interface BaselineRow extends SklearnFigures {
  readonly dataset: string;
  readonly model: string;
  readonly openblas_kernel?: string;
}

/** Looks up the peer row of a data set by name. */
export type BaselineLookup = (dataset: string) => SklearnFigures | undefined;

/** The model and OpenBLAS kernel of the peer row. */
export const PEER = { model: 'gpc_iso', kernelPrefix: 'SkylakeX' } as const;

/** Reads the baseline of `sharedDir`; a lookup that finds nothing when the file is absent. */
export function loadBaseline(sharedDir: string | undefined): BaselineLookup {
  const file = sharedDir && join(sharedDir, 'reference', 'sklearn-baseline.json');
  if (!file || !existsSync(file)) return () => undefined;
  const { rows } = JSON.parse(readFileSync(file, 'utf8')) as { rows: BaselineRow[] };
  return (dataset) =>
    rows.find((r) => r.dataset === dataset && r.model === PEER.model && (r.openblas_kernel ?? '').startsWith(PEER.kernelPrefix));
}
