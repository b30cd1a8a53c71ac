import { z } from 'zod';
import { DEFAULT_DRIFT_THRESHOLDS } from '../../drift/drift.ts';
import { batchSummarySchema } from '../../drift/schemas.ts';
import type { Orchestrator } from '../../ports/orchestrator.ts';
import type { ScoreHistogram } from '../../report/batch/batch-score-histogram.ts';
import type { StepContext } from '../context.ts';
import { pipelineConfigSchema, runName } from '../run-state.ts';

/**
 * The JSON that flows through the batch inference state machine
 * (`statemachines/batch-inference.asl.json`). As in training, each step gets the whole state and
 * parses only what it reads; results stay small and data goes through the object store.
 */


/**
 * Files larger than this are quarantined whole, unread: at about 1,500 rows/s against a
 * 1,400-row champion (docs/benchmarks.md) and about 60 bytes a row, 16 MiB (about 280,000 rows)
 * scores in roughly 3 minutes, well inside ScoreFile's 600 s, with the file and its rows in memory.
 */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * New files one batch takes up. ScoreFiles runs 10 files at a time and a batch has 7,200 s: at a
 * few seconds per typical file (a few thousand rows) 1,000 files take well under an hour. A
 * backlog larger than this is taken up by the following batches, oldest keys first.
 */
export const DEFAULT_MAX_FILES_PER_BATCH = 1000;

/** What a deployment can tune for batch inference; every field has a default. */
export const batchConfigSchema = z
  .object({
    /** When a feature, or the model's uncertainty, counts as drifted. */
    drift: z
      .object({
        /** Effect floors (docs/drift.md, section 3); psi and ks keep their old names, now one part of the rule. */
        psi: z.number().positive().default(DEFAULT_DRIFT_THRESHOLDS.psi),
        ks: z.number().gt(0).lte(1).default(DEFAULT_DRIFT_THRESHOLDS.ks),
        meanShift: z.number().positive().default(DEFAULT_DRIFT_THRESHOLDS.meanShift),
        varianceShift: z.number().positive().default(DEFAULT_DRIFT_THRESHOLDS.varianceShift),
        /** Family-wise false-alarm rate of the batch's tests. */
        alpha: z.number().gt(0).lt(1).default(DEFAULT_DRIFT_THRESHOLDS.alpha),
        /** Fewer scored rows: "not enough rows", never drifted. */
        minRows: z.int().positive().default(DEFAULT_DRIFT_THRESHOLDS.minRows),
      })
      .strict()
      .default({ ...DEFAULT_DRIFT_THRESHOLDS }),
    /** Start a full retrain when a batch drifts. Off by default: a person decides first. */
    retrainOnDrift: z.boolean().default(false),
    /** After a drift retrain is requested, further drift requests none for this long. */
    retrainCooldownHours: z.number().nonnegative().default(24),
    /** A landing file over this size is quarantined whole with the reason, never read (see DEFAULT_MAX_FILE_BYTES). */
    maxFileBytes: z.int().positive().default(DEFAULT_MAX_FILE_BYTES),
    /** At most this many new files per batch (see DEFAULT_MAX_FILES_PER_BATCH); the rest wait, in key order, for the next batch. */
    maxFilesPerBatch: z.int().positive().default(DEFAULT_MAX_FILES_PER_BATCH),
    /** Pipeline settings of a retrain that drift starts; unset: the pipeline's defaults. */
    retrainConfig: pipelineConfigSchema.optional(),
  })
  .strict();

export type BatchConfig = z.infer<typeof batchConfigSchema>;

/** The execution input: `{ batchName, config }`; `batchName` is the execution name (`infer-<24 hex>`). */
export const batchInputSchema = z.looseObject({
  batchName: runName,
  config: batchConfigSchema.default(batchConfigSchema.parse({})),
});

export type BatchInput = z.infer<typeof batchInputSchema>;

const count = z.int().nonnegative();

const scoreHistogramSchema: z.ZodType<ScoreHistogram> = z.object({ counts: z.array(count).min(1) });

/**
 * One file's outcome, as ScoreFile stores it (in the content's marker and in the batch's file
 * list; the state gets it without the drift summary, see {@link ScoreFileStateResult}).
 * - `scored`: its valid rows are in `predictionsKey`; bad rows in `quarantineKey`;
 * - `unusable`: the file as a whole cannot be scored (not CSV, wrong header, no valid row): it is
 *   quarantined with `reason` and the batch goes on;
 * - `skipped`: not a file (an S3 "folder" key ending in '/').
 * `batchName` is the batch that first processed this content; `duplicate` is true when that was
 * an earlier call (the marker's result is returned, nothing is scored again).
 */
export const scoreFileResultSchema = z.object({
  key: z.string(),
  status: z.enum(['scored', 'unusable', 'skipped']),
  duplicate: z.boolean(),
  batchName: z.string(),
  sha256: z.string().nullable(),
  modelVersion: z.string().nullable(),
  rowsRead: count,
  rowsScored: count,
  rowsQuarantined: count,
  /** Rows labelled "needs maintenance" at the model's threshold. */
  rowsFlagged: count,
  /** Rows the model doubts (ml/review.ts: the chance of the other side of the threshold exceeds its review level): for a person to look at. */
  rowsReview: count,
  predictionsKey: z.string().nullable(),
  quarantineKey: z.string().nullable(),
  /** Why the file is unusable or skipped; null when scored. */
  reason: z.string().nullable(),
  /** The drift statistics of the scored rows; null when the model has no training reference. */
  drift: batchSummarySchema.nullable(),
  /** Why `drift` is null, when it is. */
  driftNote: z.string().nullable(),
  /** P(needs maintenance) of the scored rows, binned for the batch report; null when nothing was scored. */
  scores: scoreHistogramSchema.nullable(),
  scoredAt: z.string().nullable(),
  /** Scored rows whose file carried their label (0 or 1); 0 in results written before labels were kept. */
  rowsLabelled: count.default(0),
  /** The file's flagged rows with reasons and its labelled rows (file-outcomes.ts); null when nothing was scored, or written before work lists. */
  outcomesKey: z.string().nullable().default(null),
});

export type ScoreFileResult = z.infer<typeof scoreFileResultSchema>;

/**
 * What ScoreFile returns into the state: the outcome without the drift summary (about 5 KB per
 * file with 99 quantiles per feature; a Map's output is limited to 256 KiB). ComputeDrift reads
 * the summaries from the batch's file list instead.
 */
export type ScoreFileStateResult = Omit<ScoreFileResult, 'drift' | 'scores'> & { readonly hasDrift: boolean };

export function stateResult(result: ScoreFileResult): ScoreFileStateResult {
  const { drift, scores: _histogram, ...rest } = result;
  return { ...rest, hasDrift: drift !== null };
}

/** The steps of batch inference get the usual ports, and StartRetrain the training workflow's starter. */
export interface BatchStepContext extends StepContext {
  /** Starts executions of the training workflow (Step Functions in AWS, the local runner on a laptop). */
  readonly retrain: Orchestrator;
}
