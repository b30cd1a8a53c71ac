import type { ErrorCosts } from '../../ml/expected-cost.ts';
import type { InputRelevance } from '../../ml/relevance.ts';
import type { ModelMetrics } from '../../ml/metrics.ts';
import type { ThresholdRecord } from '../../ml/maintenance-model.ts';
import type { CandidatePick, CandidateRow, GateDecision } from '../../registry/decision-record.ts';
import type { ModelImportance } from '../../registry/model-importance.ts';

/** One landing file as ingest saw it. */
export interface IngestedFile {
  readonly key: string;
  /** 'ingested' now, 'already-ingested' by an earlier run (same content), or 'quarantined' as a whole file (unusable or edited). */
  readonly status: 'ingested' | 'already-ingested' | 'quarantined';
  readonly rowsRead: number;
  readonly rowsValid: number;
  readonly rowsQuarantined: number;
}

export interface DataSummary {
  readonly files: readonly IngestedFile[];
  /** Inclusive `YYYY-MM-DD` bounds of the `dt` partitions the training set was selected from. */
  readonly window: { readonly from: string; readonly to: string };
  readonly trainingSetRows: number;
  readonly trainRows: number;
  readonly holdoutRows: number;
  readonly trainPositives: number;
  readonly holdoutPositives: number;
  /** Rows on the holdout side before config.maxHoldoutRows (more than holdoutRows when the cap bound); absent in records from before the cap. */
  readonly holdoutRowsAvailable?: number;
  /** What became of every reading in the window (BuildTrainingSet's accounting); absent in records from before it was kept. */
  readonly accounting?: { readonly readings: number; readonly unlabelled: number; readonly invalidDerived: number; readonly replaced: number };
  /** The time the window's readings span, by reading time or else by ingest time; null without readings; absent in older records. */
  readonly dataRange?: { readonly basis: 'reading time' | 'ingest time'; readonly from: string; readonly to: string } | null;
  /** Which model trained on how many of the train split's rows, and why; absent in records from before Train said so. */
  readonly fitted?: {
    readonly model: 'gpc-exact' | 'gpc-sparse';
    readonly rows: number;
    readonly reason: string;
    /** Train rounds (invocations) the fit took. */
    readonly rounds: number;
  };
}

/**
 * Where an optimiser step was taken: the exact GP's subsample and full-data stages, or the sparse
 * GP's isotropic, per-input (ARD) and q(u) stages.
 */
export const OPTIMIZER_STAGES = ['subsample', 'full', 'isotropic', 'ard', 'refine', 'minibatch', 'variational'] as const;
export type OptimizerStage = (typeof OPTIMIZER_STAGES)[number];

/** One accepted optimiser step (from the fit's progress). */
export interface OptimizerStep {
  readonly stage: OptimizerStage;
  /** Which optimiser start (0 = the default start, then the restarts). */
  readonly start: number;
  readonly iteration: number;
  /** The objective after the step: the log marginal likelihood (exact GP) or the ELBO (sparse GP), see TrainingSummary.objective. */
  readonly logMarginalLikelihood: number;
}

export interface TrainingSummary {
  readonly mode: 'full' | 'refit';
  readonly fitSeconds: number;
  /** e.g. `12.3**2 * RBF(length_scale=[…])`. */
  readonly kernel: string;
  /** Hyperparameters in natural units, e.g. { name: 'constant', value: 151.9 }, { name: 'length scale (torque_nm)', value: 2.1 }. */
  readonly hyperparameters: readonly { readonly name: string; readonly value: number }[];
  readonly logMarginalLikelihood: number;
  /** Empty in refit mode (nothing is optimised). */
  readonly trace: readonly OptimizerStep[];
  /** What `logMarginalLikelihood` and the trace hold: the exact GP's log marginal likelihood, or the sparse GP's ELBO (a lower bound of it). @default 'log marginal likelihood' (records before the sparse GP) */
  readonly objective?: 'log marginal likelihood' | 'ELBO';
  /** 1/length scale per model input: which inputs the kernel uses (absent in records before relevances). */
  readonly relevances?: readonly InputRelevance[];
  readonly threshold: ThresholdRecord;
}

/** One model scored on the run's holdout. */
export interface HoldoutEvaluation {
  readonly version: string;
  /** The model's own decision threshold (chosen when it was trained). */
  readonly threshold: number;
  readonly metrics: ModelMetrics;
  /** The highest threshold that reaches the target recall on this holdout, and the precision there. */
  readonly thresholdForTargetRecall: { readonly threshold: number; readonly recall: number; readonly precision: number };
  /** Per holdout row, in the same order for every model: P(needs maintenance). */
  readonly probability: readonly number[];
  /** Per holdout row: standard deviation of the latent function (the model's uncertainty); null for a model without uncertainty. */
  readonly latentStd: readonly number[] | null;
  /** Per holdout row: mean of the latent function; null for a model without uncertainty, absent in evaluations from before review levels. */
  readonly latentMean?: readonly number[] | null;
  /** The review level the model applies (ml/review.ts); absent for a model without uncertainty, and in older evaluations or GP artifacts (then the default applies). */
  readonly reviewLevel?: number;
}

export interface Evaluation {
  /** Per holdout row: the true label (1 = needs maintenance). */
  readonly labels: readonly number[];
  readonly targetRecall: number;
  /** The model the rule picked to go to the gate (the GP in runs without challengers). */
  readonly challenger: HoldoutEvaluation;
  /** The serving model on the same holdout; null when there is none yet. */
  readonly champion: HoldoutEvaluation | null;
  /** Every model trained in the run on the same holdout (the GP first); absent before the challengers. */
  readonly candidates?: readonly CandidateRow[];
  /** Which of the candidates is `challenger`, and why; absent before the challengers. */
  readonly pick?: CandidatePick;
  /** Permutation importance of every model trained in the run, in the candidates' order (steps/holdout-importance.ts); absent before it. */
  readonly importance?: readonly ModelImportance[];
}

/** Everything one model version's report shows. */
export interface ReportData {
  readonly version: string;
  readonly runName: string;
  readonly createdAt: string;
  readonly contractName: string;
  /** Model input columns, in order (after one-hot encoding). */
  readonly featureNames: readonly string[];
  readonly data: DataSummary;
  readonly training: TrainingSummary;
  readonly evaluation: Evaluation;
  /** `pick`: the model the gate's rule picks among the run's (decision records since the challengers). */
  readonly decision: GateDecision;
  /** What the run prices a missed failure and a needless inspection at (config.costs); absent: the default. */
  readonly costs?: ErrorCosts;
}
