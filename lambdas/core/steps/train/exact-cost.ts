/**
 * How long the exact GP takes to fit n training rows: the cost model `auto` chooses the model by
 * (docs/pipeline.md). The fit is dominated by Cholesky factorisations of n × n matrices, so its
 * time grows as n³; the coefficient comes from the fits measured in docs/benchmarks.md (the
 * deployment's GPC options, leave-one-out pass included, on this project's 2-core machine).
 */

/** One measured fit: training rows and seconds (docs/benchmarks.md, "GPC against scikit-learn"). */
export interface ExactFitMeasurement {
  readonly dataset: string;
  readonly rows: number;
  readonly seconds: number;
}

export const EXACT_FIT_MEASUREMENTS: readonly ExactFitMeasurement[] = [
  { dataset: 'moons_1000', rows: 700, seconds: 1.77 },
  { dataset: 'moons_2000', rows: 1400, seconds: 6.54 },
  { dataset: 'ai4i_like_2000', rows: 1400, seconds: 6.65 },
  { dataset: 'ai4i_like_4000', rows: 2800, seconds: 66.08 },
  { dataset: 'ai4i2020', rows: 2800, seconds: 91.13 },
];

/**
 * Below this many rows fixed costs (the subsample stage, the optimiser's start) dominate and the
 * fit takes seconds whatever the model says: such measurements would distort the n³ coefficient.
 */
const CUBIC_REGIME_ROWS = 1000;

/**
 * Seconds per n³: the largest ratio among the measurements in the cubic regime, so that every
 * measured fit took at most the predicted time (the slowest is the real AI4I data, whose
 * optimiser needs more steps than the generated sets). About 4.2e-9: 2,800 rows → 91 s,
 * 5,000 rows → 8.6 minutes.
 */
export const EXACT_SECONDS_PER_CUBIC_ROW = Math.max(
  ...EXACT_FIT_MEASUREMENTS.filter((m) => m.rows >= CUBIC_REGIME_ROWS).map((m) => m.seconds / m.rows ** 3),
);

/** Predicted seconds for a full exact fit (hyperparameter search and leave-one-out) on `rows` rows. */
export function predictExactFitSeconds(rows: number): number {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  return EXACT_SECONDS_PER_CUBIC_ROW * rows ** 3;
}
