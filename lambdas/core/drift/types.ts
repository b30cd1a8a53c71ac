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
  /**
   * The model's predictive uncertainty on out-of-sample rows (leave-one-out latent variance of the
   * training rows); null for a model that gives no uncertainty (the challengers).
   */
  readonly latentVariance: FeatureReference | null;
}

/**
 * The decision rule (docs/drift.md, section 3). A statistic flags a feature only when it is both
 * significant for the batch's size (its test at `alpha`, shared by all tests of the batch) and
 * larger than its effect floor (`psi`, `ks`, `meanShift`): significance alone flags shifts too
 * small to matter in a large batch, a fixed floor alone flags sampling noise in a small one.
 */
export interface DriftThresholds {
  /** Effect floor: PSI over a categorical input's levels above which it can drift (numeric inputs show PSI, KS and the mean decide). @default 0.2 */
  readonly psi: number;
  /** Effect floor: two-sample Kolmogorov–Smirnov statistic above which a numeric input can drift. @default 0.3 */
  readonly ks: number;
  /** Effect floor: |batch mean − training mean| in training standard deviations. @default 0.5 */
  readonly meanShift: number;
  /** Relative change of the mean latent variance, |batch / reference − 1|, above which uncertainty has drifted. @default 0.5 */
  readonly varianceShift: number;
  /** Family-wise false-alarm rate of the deciding tests: each of the batch's k tests runs at alpha / k (Bonferroni). @default 0.05 */
  readonly alpha: number;
  /** Fewer scored rows than this: "not enough rows", never drifted. @default 100 */
  readonly minRows: number;
}

/**
 * A categorical input as the model sees it: one 0/1 column per level (contract/encode.ts). Drift
 * compares the level shares, not the columns.
 */
export interface CategoryColumns {
  readonly name: string;
  readonly levels: readonly string[];
  /** The model input holding each level's 0/1 flag, same order as `levels`. */
  readonly columns: readonly string[];
}

export interface FeatureDrift {
  readonly name: string;
  readonly psi: number;
  /** χ² homogeneity test of the training and batch counts over the PSI bins. */
  readonly psiPValue: number;
  readonly ks: number;
  /** The KS statistic a batch of this size exceeds by chance with probability alpha / k. */
  readonly ksCritical: number;
  /** (batch mean − training mean) / training sd; 0 for a constant training feature that stays put. */
  readonly meanShift: number;
  /** Two-sided z test of the mean shift (training sd, n and m rows). */
  readonly meanPValue: number;
  readonly drifted: boolean;
  /**
   * Per-bin shares for the report's chart: the reference's bins (lower < x ≤ upper) and the batch's
   * share in each. `lower` is null for the first bin and `upper` null for the last (open-ended:
   * ±Infinity would not survive JSON).
   */
  readonly bins: readonly { readonly lower: number | null; readonly upper: number | null; readonly reference: number; readonly batch: number }[];
}

/** Drift of one categorical input: its level shares, PSI over the levels and a χ² test of the counts. */
export interface CategoryDrift {
  readonly name: string;
  readonly levels: readonly { readonly level: string; readonly reference: number; readonly batch: number }[];
  readonly psi: number;
  readonly pValue: number;
  readonly drifted: boolean;
}

export interface DriftReport {
  readonly rows: number;
  /** false when rows < thresholds.minRows: the statistics are shown but nothing counts as drifted. */
  readonly enoughRows: boolean;
  readonly thresholds: DriftThresholds;
  /** k, the number of deciding tests the family-wise alpha is shared among (2 per numeric, 1 per categorical input); each runs at alpha / k. */
  readonly tests: number;
  /** Numeric inputs (one-hot columns of categorical inputs are under `categories`). */
  readonly features: readonly FeatureDrift[];
  readonly categories: readonly CategoryDrift[];
  /** null when the model gives no uncertainty. */
  readonly latentVariance: { readonly referenceMean: number; readonly batchMean: number; readonly relativeShift: number; readonly drifted: boolean } | null;
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
    /** Sum of the values: the batch mean, and the level count of a one-hot column. */
    readonly sum: number;
  }[];
  /** Sum of the latent variance over the rows (mean = sum / rows). */
  readonly latentVarianceSum: number;
}
