/**
 * The shapes shared by the drift module (reference, statistics) and its users (Train stores a
 * reference in the artifact; batch inference compares each batch with it).
 */

/** Compact summary of one model input over the training rows, enough for PSI and (approximate) KS. */
export interface FeatureReference {
  readonly name: string;
  /** Sorted quantile values of the training rows at `probabilities` (same length). */
  readonly quantiles: readonly number[];
  readonly probabilities: readonly number[];
  /**
   * Training rows ≤ each quantile (same length): the exact training CDF at the quantile points is
   * belowQuantile / rows. It differs from `probabilities` where values tie (one-hot columns, a
   * constant feature), which is where PSI bin shares and the KS statistic need the exact value.
   */
  readonly belowQuantile: readonly number[];
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly sd: number;
}

/** What the artifact keeps of the training distribution (JSON, about 1.7 KB per feature whatever the row count). */
export interface TrainingReference {
  readonly version: 1;
  readonly rows: number;
  /** One per model input, in the model's feature order (raw, unscaled values). */
  readonly features: readonly FeatureReference[];
  /** The model's predictive uncertainty on out-of-sample rows (leave-one-out latent variance of the training rows). */
  readonly latentVariance: FeatureReference;
}

export interface DriftThresholds {
  /** Population stability index above which a feature has drifted. @default 0.2 */
  readonly psi: number;
  /** Two-sample Kolmogorov–Smirnov statistic above which a feature has drifted. @default 0.2 */
  readonly ks: number;
  /** Relative change of the mean latent variance, |batch / reference − 1|, above which uncertainty has drifted. @default 0.5 */
  readonly varianceShift: number;
}

export interface FeatureDrift {
  readonly name: string;
  readonly psi: number;
  readonly ks: number;
  readonly drifted: boolean;
  /**
   * Per-bin shares for the report's chart: the reference's bins (lower < x ≤ upper) and the batch's
   * share in each. `lower` is null for the first bin and `upper` null for the last (open-ended:
   * ±Infinity would not survive JSON).
   */
  readonly bins: readonly { readonly lower: number | null; readonly upper: number | null; readonly reference: number; readonly batch: number }[];
}

export interface DriftReport {
  readonly rows: number;
  readonly thresholds: DriftThresholds;
  readonly features: readonly FeatureDrift[];
  readonly latentVariance: { readonly referenceMean: number; readonly batchMean: number; readonly relativeShift: number; readonly drifted: boolean };
  /** Any feature or the uncertainty drifted. */
  readonly drifted: boolean;
}

/**
 * What one file (or shard) of a batch contributes to the drift statistics: counts against the
 * reference's bins and quantiles, so shards are scored apart and merged by adding (a Distributed
 * Map's items return these, never raw rows).
 */
export interface BatchSummary {
  readonly rows: number;
  readonly features: readonly {
    readonly name: string;
    /** Rows per PSI bin of the reference (bins from its deciles; first and last bins are open). */
    readonly binCounts: readonly number[];
    /** Rows ≤ each reference quantile (for the KS statistic at the reference's quantile points). */
    readonly belowQuantile: readonly number[];
  }[];
  /** Sum of the latent variance over the rows (mean = sum / rows). */
  readonly latentVarianceSum: number;
}
