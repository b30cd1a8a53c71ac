import { categoryColumnsOf } from '../drift/categories.ts';
import { type DenseMatrix, takeRows } from '../ml/dense.ts';
import type { ArtifactManifest } from '../ml/artifact.ts';
import { featureGroups, permutationImportance } from '../ml/permutation-importance.ts';
import { SeededRandom } from '../ml/random.ts';
import type { CandidateRow } from '../registry/decision-record.ts';
import type { ModelImportance } from '../registry/model-importance.ts';
import { loadModel } from '../registry/model-store.ts';
import type { StepContext } from './context.ts';
import { predictScoringSeconds } from './step-cost.ts';
import { EVALUATE_FUNCTION_TIMEOUT_SECONDS, LAMBDA_MARGIN_SECONDS } from './step-limits.ts';

/**
 * Evaluate's permutation importance of every model the run trained, on the run's holdout
 * (ml/permutation-importance.ts), within a time budget. Shuffling costs 1 + inputs × repeats
 * predictions of the rows: nothing for the challengers (microseconds a row), but an exact GP
 * pays O(n²) a row, so 46 passes over a 2,922-row holdout at 2,800 training rows would be
 * about 10 minutes — beyond Evaluate's Lambda. The budget is predicted with the measured cost
 * model (step-cost.ts), not timed, so the same run gives the same rows and the same numbers:
 * a model that cannot afford the whole holdout gets fewer repeats and a sample of its rows
 * (every failure kept while they are at most half of it, the healthy rows a systematic sample
 * along the model's scores, weighted back), and the record says on what it was computed.
 * docs/ml.md §10 explains the choices.
 */

/** Share of Evaluate's timeout the run's importance passes may take, predicted: 72.5 s of 290 s. */
export const IMPORTANCE_SHARE = 0.25;
export const IMPORTANCE_BUDGET_SECONDS = IMPORTANCE_SHARE * EVALUATE_FUNCTION_TIMEOUT_SECONDS;
/** Shuffles per input on the whole holdout, and when the rows must be sampled (more rows buy more than more shuffles). */
export const IMPORTANCE_REPEATS = 5;
export const IMPORTANCE_REPEATS_SAMPLED = 3;
/** Below this many rows the drops would be noise: the model's importance is skipped, with the reason. */
export const MIN_IMPORTANCE_ROWS = 100;
/** Seed of the shuffles and of the row sample: fixed, so a rerun of the run gives the same record. */
export const IMPORTANCE_SEED = 20_201;
/**
 * Seconds a challenger (trees or logistic regression) takes per scored row, generously: boosting
 * measured 2–4 µs a row on AI4I (docs/ml.md §8), the logistic regression less; the scaler's pass
 * and the row copies come on top.
 */
export const CHALLENGER_PREDICT_SECONDS_PER_ROW = 20e-6;


/** How many rows and repeats a model's importance gets, and what that is predicted to take. */
export interface ImportancePlan {
  readonly rows: number;
  readonly repeats: number;
  readonly predictedSeconds: number;
}

/**
 * The whole holdout at IMPORTANCE_REPEATS when it fits `budgetSeconds`; else IMPORTANCE_REPEATS_SAMPLED
 * on as many rows as fit (all of them, if they do at that count).
 * @param secondsPerRow the model's predicted seconds to score one row
 */
export function importancePlan(secondsPerRow: number, holdoutRows: number, inputs: number, budgetSeconds: number): ImportancePlan {
  if (!(secondsPerRow >= 0 && Number.isFinite(secondsPerRow))) throw new RangeError(`seconds per row must be a finite non-negative number, got ${secondsPerRow}`);
  for (const [name, v] of [['holdout rows', holdoutRows], ['inputs', inputs]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  }
  if (!(budgetSeconds >= 0)) throw new RangeError(`the budget must be a non-negative number of seconds, got ${budgetSeconds}`);
  const seconds = (rows: number, repeats: number): number => rows * (1 + inputs * repeats) * secondsPerRow;
  if (seconds(holdoutRows, IMPORTANCE_REPEATS) <= budgetSeconds) {
    return { rows: holdoutRows, repeats: IMPORTANCE_REPEATS, predictedSeconds: seconds(holdoutRows, IMPORTANCE_REPEATS) };
  }
  const rows = Math.min(holdoutRows, Math.floor(budgetSeconds / seconds(1, IMPORTANCE_REPEATS_SAMPLED)));
  return { rows, repeats: IMPORTANCE_REPEATS_SAMPLED, predictedSeconds: seconds(rows, IMPORTANCE_REPEATS_SAMPLED) };
}

/**
 * `size` of the holdout's row indices (ascending): every failure while they are at most half of
 * it (else half the rows are failures), the rest healthy rows. The weights say how many holdout
 * rows of its class each kept row stands for, so a weighted average precision on the sample
 * estimates the whole holdout's (failures are ~3 % of AI4I: a uniform sample of 500 rows would
 * hold about 18, and their ranking is all AP measures).
 *
 * With the model's own holdout `scores`, each class is a systematic sample along them (sorted,
 * every k-th row from a seeded start): the kept healthy rows cover the score range evenly, so the
 * false alarms above any threshold are estimated to within one row's weight. A uniform draw
 * (without scores) leaves that to chance: on AI4I's exact GP, 525-row uniform samples gave
 * average precisions with an sd of 0.06 around the holdout's 0.752 (docs/ml.md §10).
 */
export function importanceSample(
  labels: ArrayLike<number>,
  size: number,
  seed: number,
  scores?: ArrayLike<number>,
): { indices: number[]; classWeights: { positive: number; negative: number } } {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`the sample size must be a positive integer, got ${size}`);
  if (scores !== undefined && scores.length !== labels.length) throw new RangeError(`${scores.length} scores for ${labels.length} labels`);
  const classes: [number[], number[]] = [[], []];
  for (let i = 0; i < labels.length; i++) classes[labels[i] === 1 ? 1 : 0].push(i);
  const [negatives, positives] = classes;
  const keptPositives = Math.min(positives.length, Math.max(Math.ceil(size / 2), size - negatives.length));
  const keptNegatives = Math.min(negatives.length, size - keptPositives);
  const random = new SeededRandom(seed);
  const draw = (rows: number[], count: number): number[] => {
    if (count >= rows.length) return rows;
    if (scores === undefined) return random.shuffle([...rows]).slice(0, count);
    const sorted = [...rows].sort((a, b) => scores[a] - scores[b] || a - b);
    const step = sorted.length / count;
    const start = random.next();
    return Array.from({ length: count }, (_, k) => sorted[Math.floor((k + start) * step)]);
  };
  const indices = [...draw(positives, keptPositives), ...draw(negatives, keptNegatives)].sort((a, b) => a - b);
  const weight = (all: number, kept: number): number => (kept === 0 ? 1 : all / kept);
  return { indices, classWeights: { positive: weight(positives.length, keptPositives), negative: weight(negatives.length, keptNegatives) } };
}

/** Predicted seconds a model takes per scored row: the GP by its size (step-cost.ts), a challenger by CHALLENGER_PREDICT_SECONDS_PER_ROW. */
export function secondsPerRow(manifest: ArtifactManifest): number {
  if (manifest.kind === 'gpc-exact') return predictScoringSeconds({ kind: 'gpc-exact', rows: manifest.nTrain }, 1);
  if (manifest.kind === 'gpc-sparse') return predictScoringSeconds({ kind: 'gpc-sparse', inducingPoints: manifest.nInducing }, 1);
  return CHALLENGER_PREDICT_SECONDS_PER_ROW;
}

/**
 * Permutation importance of every trained model in `candidates` on the holdout rows `x` (raw
 * inputs) with labels `labels`, cheapest model first so the dearest (the GP) gets what the others
 * leave of the budget. `holdoutScores` (by version: the probabilities Evaluate already has) lets a
 * model that must be sampled be sampled along its own scores (see importanceSample). A model that
 * cannot be explained (a holdout without failures, too few affordable rows, an error) is recorded
 * as skipped with the reason: an explanation never costs the run. Results come in the candidates'
 * order.
 */
export async function holdoutImportance(
  context: StepContext,
  candidates: readonly CandidateRow[],
  x: DenseMatrix,
  labels: Uint8Array,
  featureNames: readonly string[],
  holdoutScores: Readonly<Record<string, ArrayLike<number>>> = {},
  budgetSeconds = IMPORTANCE_BUDGET_SECONDS,
): Promise<ModelImportance[]> {
  const trained = candidates.flatMap((c) => (c.status === 'trained' ? [{ kind: c.kind, version: c.holdout.version }] : []));
  const groups = featureGroups(featureNames, categoryColumnsOf(context.contract));
  const positives = labels.reduce((s, y) => s + y, 0);
  const loaded = await Promise.all(trained.map(async (t) => ({ ...t, ...(await loadModel(context.store, t.version)) })));
  const byCost = loaded.map((m, at) => ({ ...m, at, perRow: secondsPerRow(m.manifest) })).sort((a, b) => a.perRow - b.perRow);
  const results: ModelImportance[] = new Array<ModelImportance>(loaded.length);
  let left = budgetSeconds;
  for (const [k, m] of byCost.entries()) {
    const skip = (reason: string): void => {
      results[m.at] = { status: 'skipped', version: m.version, kind: m.kind, reason };
      context.progress({ kind: 'message', text: `importance: ${m.kind} skipped: ${reason}` });
    };
    if (positives === 0) {
      skip('the holdout has no failures, so average precision is undefined');
      continue;
    }
    const plan = importancePlan(m.perRow, labels.length, groups.length, left / (byCost.length - k));
    if (plan.rows < Math.min(MIN_IMPORTANCE_ROWS, labels.length)) {
      skip(`the time budget (${budgetSeconds.toFixed(1)} s) affords ${plan.rows} holdout rows for this model, fewer than ${MIN_IMPORTANCE_ROWS}`);
      continue;
    }
    const remaining = context.remainingTimeMs?.();
    if (remaining !== undefined && plan.predictedSeconds > remaining / 1000 - LAMBDA_MARGIN_SECONDS) {
      skip(`${(remaining / 1000).toFixed(0)} s were left of Evaluate's time, and the shuffles were predicted to take ${plan.predictedSeconds.toFixed(0)} s`);
      continue;
    }
    const sample = plan.rows < labels.length ? importanceSample(labels, plan.rows, IMPORTANCE_SEED, holdoutScores[m.version]) : null;
    const rows = sample ? takeRows(x, sample.indices) : x;
    const rowLabels = sample ? Uint8Array.from(sample.indices, (i) => labels[i]) : labels;
    context.progress({ kind: 'message', text: `importance: ${m.kind} on ${rows.rows} of ${labels.length} holdout rows, ${groups.length} inputs × ${plan.repeats} shuffles` });
    try {
      const importance = permutationImportance(m.model, rows, rowLabels, featureNames, {
        repeats: plan.repeats,
        seed: IMPORTANCE_SEED,
        groups,
        ...(sample ? { classWeights: sample.classWeights } : {}),
        onFeature: (done, total, feature) => context.progress({ kind: 'message', text: `importance: ${m.kind} ${done}/${total} inputs (${feature})` }),
      });
      results[m.at] = { status: 'computed', version: m.version, kind: m.kind, holdoutRows: labels.length, predictedSeconds: plan.predictedSeconds, importance };
      left -= plan.predictedSeconds;
    } catch (error) {
      skip(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  }
  return results;
}
