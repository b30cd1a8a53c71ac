import type { DriftReport, TrainingReference } from '../../drift/types.ts';
import type { Reason } from '../../ml/local-explanation.ts';
import type { RealisedMetrics } from '../../ml/realised-metrics.ts';
import type { ScoreHistogram } from './batch-score-histogram.ts';

/** One landing file as a batch saw it. */
export interface BatchFile {
  readonly key: string;
  /**
   * 'scored' by this batch; 'already-scored' when the same content was scored by an earlier batch
   * (its rows are not scored or counted again); 'unusable' when the file as a whole could not be
   * read (quarantined with `reason`).
   */
  readonly status: 'scored' | 'already-scored' | 'unusable';
  readonly rowsRead: number;
  readonly rowsScored: number;
  readonly rowsQuarantined: number;
  /** Why the file is unusable; null otherwise. */
  readonly reason: string | null;
}

/** Row counts of the whole batch (files scored by this batch only). */
export interface BatchCounts {
  readonly rowsRead: number;
  readonly rowsScored: number;
  readonly rowsQuarantined: number;
  /** Scored rows labelled "needs maintenance" at the model's threshold. */
  readonly rowsFlagged: number;
  /** Scored rows sent to a person: the chance that they lie on the other side of the threshold from their label exceeds the model's review level. */
  readonly rowsReview: number;
}

/** The batch's drift against the model's training data. */
export interface BatchDrift {
  readonly report: DriftReport;
  readonly reference: TrainingReference;
}

/** One flagged machine of the work list. */
export interface WorkListRow {
  /** The reading's id (the contract's id column). */
  readonly id: string | number;
  readonly sourceKey: string;
  readonly sourceLine: number;
  readonly probability: number;
  /** null for a model without a review flag. */
  readonly review: boolean | null;
  /** Largest |change| first; null past the file's explained rows. */
  readonly reasons: readonly Reason[] | null;
}

/** The batch's work list (`flagged.csv`) as the report shows it. */
export interface BatchWorkList {
  /** flagged.csv relative to the report, for the link. */
  readonly href: string;
  /** Its key in the lake. */
  readonly key: string;
  /** Flagged rows listed in it. */
  readonly rows: number;
  /** Of those, rows with reasons. */
  readonly explained: number;
  /** Its first rows (highest probability). */
  readonly top: readonly WorkListRow[];
}

/** Everything one batch's report shows. */
export interface BatchReportData {
  /** The batch (execution) name, e.g. `infer-3f…`. */
  readonly batchName: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly modelVersion: string;
  /** The model's decision threshold on P(needs maintenance). */
  readonly threshold: number;
  /** The model's review level (ml/review.ts); null for a model without uncertainty (no review); absent in older data. */
  readonly reviewLevel?: number | null;
  readonly files: readonly BatchFile[];
  readonly counts: BatchCounts;
  /** P(needs maintenance) of the scored rows, binned (see batch-score-histogram.ts). */
  readonly scores: ScoreHistogram;
  /** null when drift was not computed (no scored rows, or a model without a training reference). */
  readonly drift: BatchDrift | null;
  /** Why `drift` is null, for the reader; null when drift was computed. */
  readonly driftNote: string | null;
  readonly workList: BatchWorkList;
  /** How the model did on the scored rows that carried their label; null when none did. */
  readonly realised: RealisedMetrics | null;
}
