import { z } from 'zod';
import { EXECUTION_NAME_PATTERN, EXECUTION_NAME_RULE } from '../ports/orchestrator.ts';
import { isProduct, KERNEL_SHAPES } from '../ml/kernel-shape.ts';
import { DEFAULT_REVIEW_LEVEL } from '../ml/review.ts';
import { DEFAULT_SPARSE_KERNEL } from '../ml/sparse/sparse-fit.ts';
import { MAX_EXACT_TRAIN_ROWS, MAX_HOLDOUT_ROWS, MAX_INDUCING_POINTS } from './step-limits.ts';

/**
 * The JSON that flows through the training state machine. Each step receives the whole state
 * (`$`) and parses only the parts it reads, so a step can be run alone with just those.
 * Results stay small (Step Functions passes at most 256 KB): data goes through the object store.
 */

export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

/** A run's name is its execution name, so it follows Step Functions' rule (ports/orchestrator.ts). */
export const runName = z.string().regex(EXECUTION_NAME_PATTERN, EXECUTION_NAME_RULE);

export const TRAINING_MODES = ['full', 'refit'] as const;
export type TrainingMode = (typeof TRAINING_MODES)[number];

/** Which GP a run trains: the exact one, the sparse one, or the one the rule in docs/pipeline.md picks. */
export const MODEL_CHOICES = ['exact', 'sparse', 'auto'] as const;
export type ModelChoiceSetting = (typeof MODEL_CHOICES)[number];

/**
 * How the sparse GP is fitted: its variational bound (SVGP, the default: ARD, the additive terms,
 * minibatches) or the Laplace approximation (ml/sparse/sparse-laplace.ts: the exact GP's
 * inference on the inducing points; docs/ml.md §7, "The Laplace sparse GP").
 */
export const SPARSE_INFERENCES = ['variational', 'laplace'] as const;
export type SparseInference = (typeof SPARSE_INFERENCES)[number];

/** What a deployment can tune; every field has a default a newcomer can keep. */
export const pipelineConfigSchema = z
  .object({
    /** Recall of "needs maintenance" the decision threshold is chosen for (on leave-one-out predictions of the training split). */
    targetRecall: z.number().gt(0).lte(1).default(0.9),
    /**
     * A GP's reading goes to review when the chance, under its latent Gaussian, that it lies on
     * the other side of the threshold from the decision exceeds this (docs/ml.md, "Review"). Kept
     * with the model's threshold, so the API, batch scoring and `prognos predict` apply one rule.
     */
    reviewLevel: z.number().gt(0).lt(0.5).default(DEFAULT_REVIEW_LEVEL),
    /**
     * Holdout recall the gate requires; unset: targetRecall. A small holdout moves recall in big
     * steps (one missed failure of 8 is 0.125), so a deployment with few failures may set it lower.
     */
    gateMinRecall: z.number().gt(0).lte(1).optional(),
    /** Share of each class held out for evaluation (never seen by the scaler or the model). */
    holdoutFraction: z.number().gt(0).lt(1).default(0.3),
    /**
     * Most holdout rows Evaluate scores: beyond, a stratified sample of this many (the rest are
     * counted, and used by neither side). Bounded so that Evaluate scores two of the largest
     * models within its timeout (step-limits.ts).
     */
    maxHoldoutRows: z.int().min(20).max(MAX_HOLDOUT_ROWS).default(MAX_HOLDOUT_ROWS),
    /** Seed of the split and of the optimiser's restarts. */
    seed: z.int().nonnegative().default(0),
    /** Days of `dt` partitions, ending on the run date, that the training set is selected from. */
    windowDays: z.int().positive().default(365),
    /** Fewest rows of each class the training set needs (so that both splits keep some of each). */
    minRowsPerClass: z.int().min(4).default(10),
    /**
     * 'exact' (Laplace, cost n³), 'sparse' (variational, inducing points, every row) or 'auto':
     * exact while its predicted fit time fits the Train budget with margin and the training split
     * is within maxTrainRows, sparse beyond (docs/pipeline.md).
     */
    model: z.enum(MODEL_CHOICES).default('auto'),
    /**
     * Most training-split rows the exact GP is fitted on (a stratified sample beyond; cost grows as
     * n³). At most what one Train round can fit (step-limits.ts). The sparse GP takes every row up
     * to its own limit (docs/pipeline.md, "Bounded steps").
     */
    maxTrainRows: z.int().min(20).max(MAX_EXACT_TRAIN_ROWS).default(2800),
    /**
     * Seconds one Train round works before it checkpoints and hands back to the state machine. In
     * AWS the round also ends a margin before the Lambda's own timeout, whichever comes first.
     */
    trainBudgetSeconds: z.number().positive().max(86_400).default(800),
    /** Train rounds the state machine allows before it fails the run (each round is one Train invocation). */
    maxTrainRounds: z.int().min(1).max(1000).default(16),
    /** Inducing points of the sparse GP; unset: the sparse model's own default. */
    inducingPoints: z.int().min(2).max(MAX_INDUCING_POINTS).optional(),
    /**
     * The sparse GP's kernel: 'rbf', 'matern32', 'matern52', 'matern32-product' or
     * 'matern52-product' (docs/ml.md §7). The exact GP
     * fits the RBF whatever this says: its gradient is the RBF's.
     */
    kernel: z.enum(KERNEL_SHAPES).default(DEFAULT_SPARSE_KERNEL),
    /**
     * The sparse GP adds one one-dimensional RBF per input, each with its own variance and length
     * scale, to `kernel` (docs/ml.md §7, "An additive kernel"), and fits θ on at most 2,000 rows.
     * The exact GP ignores it. Unset: on (DEFAULT_ADDITIVE_KERNEL in steps/train/sparse-fitter.ts);
     * optional, so the settings (so the execution names) of runs that do not set it are unchanged.
     */
    additiveKernel: z.boolean().optional(),
    /**
     * The sparse GP learns a monotone warp of each input's tails with θ (docs/ml.md §7, "Input
     * warping"). The exact GP ignores it. Unset: DEFAULT_INPUT_WARP in steps/train/sparse-fitter.ts;
     * optional for the same reason as additiveKernel.
     */
    inputWarp: z.boolean().optional(),
    /**
     * Beyond the rows Train refines θ on (docs/ml.md §7, "Refining θ on every row"), this many
     * epochs of minibatch steps over every row (natural gradients for q(u), Adam for θ; docs/ml.md §7,
     * "Minibatches beyond the refine limit"). The exact GP ignores it. Unset: DEFAULT_MINIBATCH_EPOCHS
     * in steps/train/sparse-fitter.ts (none); optional for the same reason as additiveKernel.
     */
    minibatchEpochs: z.int().min(0).max(20).optional(),
    /**
     * How the sparse GP is fitted (SPARSE_INFERENCES). 'laplace' fits a radial kernel with one
     * length scale per input on every row, without additiveKernel, inputWarp or minibatchEpochs
     * (setting them is an error), on at most sparseLaplaceRowLimit rows (step-limits.ts). The exact
     * GP ignores it. Unset: 'variational'; optional for the same reason as additiveKernel.
     */
    sparseInference: z.enum(SPARSE_INFERENCES).optional(),
    /** How much worse than the champion, on the same holdout, a challenger may be and still be promoted. */
    gateMargin: z.number().min(0).lt(1).default(0.02),
    /**
     * What the report prices errors at, in any one unit: a missed failure and a needless
     * inspection. Unset: a miss costs 10 inspections (ml/expected-cost.ts DEFAULT_ERROR_COSTS).
     * Informs the report only; the threshold still follows targetRecall.
     */
    costs: z.object({ missedFailure: z.number().positive(), inspection: z.number().positive() }).strict().optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.sparseInference !== 'laplace') return;
    // What the Laplace sparse GP does not model is refused here, before a run starts, rather than ignored.
    const refuse = (path: string, what: string) => ctx.addIssue({ code: 'custom', path: [path], message: `${what} is the variational sparse GP's; sparseInference 'laplace' has none` });
    if (config.additiveKernel === true) refuse('additiveKernel', 'the additive kernel');
    if (config.inputWarp === true) refuse('inputWarp', 'the input warp');
    if ((config.minibatchEpochs ?? 0) > 0) refuse('minibatchEpochs', 'the minibatch stage');
    if (isProduct(config.kernel)) ctx.addIssue({ code: 'custom', path: ['kernel'], message: `sparseInference 'laplace' needs a radial kernel (rbf, matern32, matern52), got ${config.kernel}` });
  });

export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

export const runInputSchema = z.looseObject({
  runName,
  /** The day the run is for (`daily-YYYY-MM-DD` runs: that day); the training window ends on it. */
  runDate: isoDate,
  mode: z.enum(TRAINING_MODES),
  /** Landing keys to ingest before training; empty for a scheduled run over what is in the lake. */
  files: z.array(z.string().min(1)),
  config: pipelineConfigSchema.default(pipelineConfigSchema.parse({})),
});

export type RunInput = z.infer<typeof runInputSchema>;

/** Parses `input` with `schema`, or throws a TypeError that names each bad field (never a zod dump). */
export function parseStepInput<T extends z.ZodType>(step: string, schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new TypeError(`${step}: unexpected input:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
