import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BATCH_FUNCTIONS } from '../../../lib/batch-pipeline.ts';
import { TRAINING_DEFINITION, TRAINING_FUNCTIONS } from '../../../lib/training-pipeline.ts';
import { pipelineConfigSchema } from '../../../lambdas/core/steps/run-state.ts';
import {
  EXACT_PREDICT_MEASUREMENTS,
  EXACT_PREDICT_SECONDS_PER_ROW_PER_SQUARED_ROW,
  predictEvaluateSeconds,
  predictExactFitSeconds,
  predictScoringSeconds,
  predictSparseFullPassSeconds,
  predictSparseIterationSeconds,
  predictSparseLaplaceIterationSeconds,
  SPARSE_LAPLACE_EVALUATION_SECONDS,
  SPARSE_PREDICT_MEASUREMENTS,
  SPARSE_PREDICT_SECONDS_PER_ROW_PER_SQUARED_INDUCING,
} from '../../../lambdas/core/steps/step-cost.ts';
import {
  DEFAULT_INDUCING_POINTS,
  EVALUATE_SCORING_SHARE,
  LAMBDA_MARGIN_SECONDS,
  MAX_EXACT_TRAIN_ROWS,
  MAX_HOLDOUT_ROWS,
  MAX_INDUCING_POINTS,
  maxScoringRows,
  MAX_EXPLAINED_ROWS_PER_FILE,
  scoringPredictions,
  SCORE_FILE_FUNCTION_TIMEOUT_SECONDS,
  SCORE_FILE_SCORING_SHARE,
  SPARSE_FINISH_ALLOWANCE_SECONDS,
  SPARSE_STEP_ALLOWANCE_SECONDS,
  REFINE_THREADS,
  ROW_PASS_THREAD_EFFICIENCY,
  sparseOptimizeRows,
  sparseLaplaceRowLimit,
  sparseRefineRows,
  sparseRowLimit,
} from '../../../lambdas/core/steps/step-limits.ts';
import { ADDITIVE_PASS_COST_FACTOR } from '../../../lambdas/core/steps/train/model-choice.ts';

/**
 * Each Task's worst case, from the measured cost model (step-cost.ts) and the largest values the
 * config schema accepts, against the Lambda timeouts of the CDK app (lib/training-pipeline.ts) and
 * the Task timeouts of the state machine. A config limit that lets a step outlast its timeout
 * fails here (docs/architecture.md, "Worst cases").
 */

const shape = pipelineConfigSchema.shape;
/** The config limits as the schema enforces them. */
const LIMITS = {
  maxTrainRows: shape.maxTrainRows.unwrap().maxValue!,
  maxHoldoutRows: shape.maxHoldoutRows.unwrap().maxValue!,
  inducingPoints: { min: shape.inducingPoints.unwrap().minValue!, max: shape.inducingPoints.unwrap().maxValue! },
};

const lambdaSeconds = (step: keyof typeof TRAINING_FUNCTIONS): number => TRAINING_FUNCTIONS[step].timeout.toSeconds();

interface AslState {
  readonly Type: string;
  readonly TimeoutSeconds?: number;
  readonly ItemProcessor?: { readonly States: Record<string, AslState> };
  readonly Branches?: readonly { readonly States: Record<string, AslState> }[];
}
const definition = JSON.parse(readFileSync(TRAINING_DEFINITION, 'utf8')) as { States: Record<string, AslState>; TimeoutSeconds: number };
function taskTimeout(name: string, states: Record<string, AslState> = definition.States): number | undefined {
  for (const [stateName, state] of Object.entries(states)) {
    if (stateName === name) return state.TimeoutSeconds;
    for (const sub of [state.ItemProcessor, ...(state.Branches ?? [])]) {
      const inner = sub && taskTimeout(name, sub.States);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

interface Limits {
  readonly maxTrainRows: number;
  readonly maxHoldoutRows: number;
  readonly maxInducingPoints: number;
}

/** Every m from the schema's least to its largest, where the sparse bounds change. */
const inducingValues = (max: number): number[] => [LIMITS.inducingPoints.min, 16, 64, DEFAULT_INDUCING_POINTS, 200, max].filter((m) => m <= max);

/** Seconds each Task can take at worst under `limits`, next to the seconds it is allowed. */
function worstCases(limits: Limits): { step: string; worst: number; allowed: number }[] {
  const train = lambdaSeconds('Train');
  const round = train - LAMBDA_MARGIN_SECONDS;
  const exactAtMost = { kind: 'gpc-exact', rows: limits.maxTrainRows } as const;
  const sparseAtMost = { kind: 'gpc-sparse', inducingPoints: limits.maxInducingPoints } as const;
  const cases = [
    // The exact GP cannot checkpoint mid-fit: its whole fit is one round, whatever the budget says.
    { step: 'Train (exact GP, one round)', worst: predictExactFitSeconds(limits.maxTrainRows), allowed: round },
    {
      step: 'Evaluate (two models on the holdout)',
      worst: Math.max(predictEvaluateSeconds(limits.maxHoldoutRows, exactAtMost, exactAtMost), predictEvaluateSeconds(limits.maxHoldoutRows, sparseAtMost, exactAtMost)),
      allowed: EVALUATE_SCORING_SHARE * lambdaSeconds('Evaluate'),
    },
  ];
  for (const m of inducingValues(limits.maxInducingPoints)) {
    // A round ends at its deadline (at most the Lambda's time less the margin), plus one unit of work begun before it, plus the last pass.
    // The refine stage's iteration on every row runs its passes on REFINE_THREADS threads, each pass at the additive kernel's cost.
    const refine = (predictSparseIterationSeconds(sparseRefineRows(m, ADDITIVE_PASS_COST_FACTOR), m) * ADDITIVE_PASS_COST_FACTOR) / (1 + (REFINE_THREADS - 1) * ROW_PASS_THREAD_EFFICIENCY);
    const overrun = Math.max(predictSparseIterationSeconds(sparseOptimizeRows(m), m), refine, predictSparseFullPassSeconds(sparseRowLimit(m), m));
    const finish = predictSparseFullPassSeconds(sparseRowLimit(m), m);
    cases.push(
      { step: `Train (sparse GP, m = ${m}): one unit of work past the deadline`, worst: overrun, allowed: SPARSE_STEP_ALLOWANCE_SECONDS },
      { step: `Train (sparse GP, m = ${m}): the last pass`, worst: finish, allowed: SPARSE_FINISH_ALLOWANCE_SECONDS },
      { step: `Train (sparse GP, m = ${m}): one round`, worst: round + overrun + finish, allowed: train },
    );
    // The Laplace fit (config.sparseInference): its unit is one L-BFGS iteration on every row, its last pass one mode search with the cavity scores and the bound.
    const laplaceRows = sparseLaplaceRowLimit(m);
    const laplaceOverrun = predictSparseLaplaceIterationSeconds(laplaceRows, m);
    const laplaceFinish = SPARSE_LAPLACE_EVALUATION_SECONDS * laplaceRows * m ** 2 + predictSparseFullPassSeconds(laplaceRows, m);
    cases.push(
      { step: `Train (Laplace sparse GP, m = ${m}): one unit of work past the deadline`, worst: laplaceOverrun, allowed: SPARSE_STEP_ALLOWANCE_SECONDS },
      { step: `Train (Laplace sparse GP, m = ${m}): the last pass`, worst: laplaceFinish, allowed: SPARSE_FINISH_ALLOWANCE_SECONDS },
      { step: `Train (Laplace sparse GP, m = ${m}): one round`, worst: round + laplaceOverrun + laplaceFinish, allowed: train },
    );
  }
  return cases;
}

const tooLong = (limits: Limits) => worstCases(limits).filter((c) => !(c.worst <= c.allowed));

describe('worst cases under the config limits', () => {
  const limits: Limits = { maxTrainRows: LIMITS.maxTrainRows, maxHoldoutRows: LIMITS.maxHoldoutRows, maxInducingPoints: LIMITS.inducingPoints.max };

  it('the schema enforces the limits step-limits.ts derives', () => {
    expect(limits).toEqual({ maxTrainRows: MAX_EXACT_TRAIN_ROWS, maxHoldoutRows: MAX_HOLDOUT_ROWS, maxInducingPoints: MAX_INDUCING_POINTS });
    expect(limits).toEqual({ maxTrainRows: 5800, maxHoldoutRows: 3700, maxInducingPoints: 256 });
    expect(pipelineConfigSchema.parse({}).maxHoldoutRows).toBe(3700);
  });

  it('no Task outlasts its Lambda timeout (lib/training-pipeline.ts)', () => {
    expect(tooLong(limits)).toEqual([]);
    // Golden figures: 810 s of an 830 s round for the exact GP; 145 s of scoring in Evaluate's 290 s.
    expect(predictExactFitSeconds(5800)).toBeCloseTo(809.97, 1);
    expect(predictEvaluateSeconds(3700, { kind: 'gpc-exact', rows: 5800 }, { kind: 'gpc-exact', rows: 5800 })).toBeCloseTo(144.79, 1);
  });

  it('fails a limit that lets a step outlast its timeout', () => {
    expect(tooLong({ ...limits, maxTrainRows: 5900 }).map((c) => c.step)).toEqual(['Train (exact GP, one round)', 'Evaluate (two models on the holdout)']);
    expect(tooLong({ ...limits, maxHoldoutRows: 3800 }).map((c) => c.step)).toEqual(['Evaluate (two models on the holdout)']);
    // The sparse GP's rows shrink with m to keep its time; what bounds m is the rows left to the
    // optimiser: at m = 600 fewer than one per inducing point, which the sparse fit refuses.
    expect(tooLong({ ...limits, maxInducingPoints: 600 })).toEqual([]);
    expect(sparseOptimizeRows(600)).toBeLessThan(600);
  });

  it('each Lambda stops before its Task times out, so the run record names the Lambda timeout', () => {
    for (const step of Object.keys(TRAINING_FUNCTIONS) as (keyof typeof TRAINING_FUNCTIONS)[]) {
      expect(lambdaSeconds(step), step).toBeLessThan(taskTimeout(step)!);
    }
  });

  it('the default Train rounds fit the execution timeout with every other Task at its limit', () => {
    const defaults = pipelineConfigSchema.parse({});
    const others = ['ValidateAndIngest', 'BuildTrainingSet', 'SplitAndScale', 'Evaluate', 'Gate', 'WriteReport', 'Promote'].reduce((s, name) => s + taskTimeout(name)!, 0);
    expect(defaults.maxTrainRounds * taskTimeout('Train')! + others).toBeLessThanOrEqual(definition.TimeoutSeconds);
  });
});

describe('the cost model behind them', () => {
  it('takes the largest measured prediction cost, so every measurement took at most the prediction', () => {
    expect(EXACT_PREDICT_SECONDS_PER_ROW_PER_SQUARED_ROW).toBe(4.56e-3 / 2800 ** 2);
    for (const m of EXACT_PREDICT_MEASUREMENTS) expect(m.value, m.source).toBeLessThanOrEqual(EXACT_PREDICT_SECONDS_PER_ROW_PER_SQUARED_ROW);
    expect(SPARSE_PREDICT_SECONDS_PER_ROW_PER_SQUARED_INDUCING).toBe(0.09e-3 / 64 ** 2);
    for (const m of SPARSE_PREDICT_MEASUREMENTS) expect(m.value, m.source).toBeLessThanOrEqual(SPARSE_PREDICT_SECONDS_PER_ROW_PER_SQUARED_INDUCING);
  });

  it('scores rows at n² per exact row and m² per sparse row', () => {
    expect(predictScoringSeconds({ kind: 'gpc-exact', rows: 2800 }, 1000)).toBeCloseTo(4.56, 10);
    expect(predictScoringSeconds({ kind: 'gpc-sparse', inducingPoints: 64 }, 1000)).toBeCloseTo(0.09, 10);
    expect(predictEvaluateSeconds(1000, { kind: 'gpc-exact', rows: 2800 }, null)).toBeCloseTo(4.56, 10);
    expect(() => predictScoringSeconds({ kind: 'gpc-sparse', inducingPoints: 0 }, 10)).toThrow(RangeError);
    expect(() => predictScoringSeconds({ kind: 'gpc-exact', rows: 10 }, -1)).toThrow('rows must be an integer of at least 0, got -1');
  });

  it('bounds the sparse GP: 4,000 optimiser rows and 750,000 rows at the default m = 128; fewer at m = 256', () => {
    expect(DEFAULT_INDUCING_POINTS).toBe(128);
    expect([sparseOptimizeRows(128), sparseRowLimit(128)]).toEqual([4_000, 750_000]);
    expect([sparseOptimizeRows(256), sparseRowLimit(256)]).toEqual([2700, 180_000]);
    // A larger m never gets more rows.
    for (const m of [16, 64, 128, 200]) {
      expect(sparseOptimizeRows(2 * m)).toBeLessThanOrEqual(sparseOptimizeRows(m));
      expect(sparseRowLimit(2 * m)).toBeLessThan(sparseRowLimit(m));
    }
    // The Laplace fit takes every row into each L-BFGS iteration, on one thread: 46,000 rows at m = 128.
    expect([sparseLaplaceRowLimit(128), sparseLaplaceRowLimit(256)]).toEqual([46_000, 11_000]);
    // θ is refined on every row up to 13,500 rows at m = 128 with the additive kernel: AI4I 2020's 7,078 training rows.
    expect(sparseRefineRows(128, ADDITIVE_PASS_COST_FACTOR)).toBe(13_500);
    expect(sparseRefineRows(256, ADDITIVE_PASS_COST_FACTOR)).toBeLessThan(sparseRefineRows(128, ADDITIVE_PASS_COST_FACTOR));
    // The optimiser sees at least ten rows per inducing point at the largest m.
    expect(sparseOptimizeRows(MAX_INDUCING_POINTS)).toBeGreaterThanOrEqual(10 * MAX_INDUCING_POINTS);
  });
});

describe('ScoreFile: rows a file may hold for the champion it is scored with', () => {
  it('lets no champion any config allows score a file past its share of ScoreFile’s Lambda timeout', () => {
    expect(BATCH_FUNCTIONS.ScoreFile.timeout.toSeconds()).toBe(SCORE_FILE_FUNCTION_TIMEOUT_SECONDS);
    const budget = SCORE_FILE_SCORING_SHARE * SCORE_FILE_FUNCTION_TIMEOUT_SECONDS;
    for (const model of [
      { kind: 'gpc-exact', rows: MAX_EXACT_TRAIN_ROWS },
      { kind: 'gpc-exact', rows: 2800 },
      { kind: 'gpc-sparse', inducingPoints: MAX_INDUCING_POINTS },
      { kind: 'gpc-sparse', inducingPoints: DEFAULT_INDUCING_POINTS },
    ] as const) {
      const rows = maxScoringRows(model);
      expect(predictScoringSeconds(model, rows), JSON.stringify(model)).toBeLessThanOrEqual(budget);
      expect(predictScoringSeconds(model, rows + 1), JSON.stringify(model)).toBeGreaterThan(budget);
    }
    // With the work list's explanations (AI4I: 6 features), every row flagged and explained as far as the cap allows.
    const features = 6;
    for (const model of [
      { kind: 'gpc-exact', rows: MAX_EXACT_TRAIN_ROWS },
      { kind: 'gpc-exact', rows: 2800 },
      { kind: 'gpc-exact', rows: 100_000 },
      { kind: 'gpc-sparse', inducingPoints: MAX_INDUCING_POINTS },
    ] as const) {
      const rows = maxScoringRows(model, features);
      const perPrediction = predictScoringSeconds(model, 1);
      expect(scoringPredictions(rows, rows, features) * perPrediction, JSON.stringify(model)).toBeLessThanOrEqual(budget * (1 + 1e-12));
      expect(scoringPredictions(rows + 1, rows + 1, features) * perPrediction, JSON.stringify(model)).toBeGreaterThan(budget);
    }
    expect(maxScoringRows({ kind: 'gpc-exact', rows: 2800 }, features)).toBe(maxScoringRows({ kind: 'gpc-exact', rows: 2800 }) - MAX_EXPLAINED_ROWS_PER_FILE * features);
    // What those limits are: an exact champion of 2,800 rows takes files of about 64,000 rows.
    expect(maxScoringRows({ kind: 'gpc-exact', rows: 2800 })).toBeGreaterThan(60_000);
    expect(maxScoringRows({ kind: 'gpc-exact', rows: MAX_EXACT_TRAIN_ROWS })).toBeGreaterThan(10_000);
  });
});
