import { z } from 'zod';
import { InvalidDataError, ShapeError } from '../errors.ts';
import { assertFinite, type DenseMatrix, denseMatrix } from './dense.ts';
import { assertLabels, operatingPoints } from './metrics.ts';
import { SeededRandom } from './random.ts';

/**
 * Permutation importance (Breiman 2001; scikit-learn's `permutation_importance`): how much a
 * model's average precision on labelled rows drops when one input is shuffled across the rows,
 * which keeps the input's distribution but breaks its link with the label and the other inputs.
 * It asks only for predictions, so every model kind gets the same measure: a GP, a logistic
 * regression and boosted trees can be compared input by input.
 *
 * Read it as "what this model loses without the input", not "what the input says about failures":
 * two inputs that carry the same information (torque and power) share their importance, as the
 * model still sees one when the other is shuffled.
 */

/** One input of the data as the importance sees it: a model column, or all one-hot columns of a categorical feature. */
export interface FeatureGroup {
  readonly feature: string;
  /** Indices of the model columns permuted together. */
  readonly columns: readonly number[];
}

/** A categorical feature and its one-hot model columns (drift/categories.ts categoryColumnsOf gives them from a contract). */
export interface CategoricalColumns {
  readonly name: string;
  readonly columns: readonly string[];
}

export const featureImportanceSchema = z.object({
  /** The model column, or the categorical feature whose one-hot columns were permuted as one. */
  feature: z.string().min(1),
  columns: z.array(z.string().min(1)).min(1),
  /** Drop in average precision per repeat (baseline − permuted): 0 for an input the model ignores, negative when shuffling happened to help. */
  drops: z.array(z.number()).min(1),
  meanDrop: z.number(),
  /** Sample standard deviation over the repeats (0 with one repeat). */
  sdDrop: z.number().nonnegative(),
  minDrop: z.number(),
  maxDrop: z.number(),
});

export const permutationImportanceSchema = z.object({
  metric: z.literal('average precision'),
  /** Average precision on the rows as they are. */
  baseline: z.number(),
  /** Rows scored, and how many of them need maintenance. */
  rows: z.number().int().positive(),
  positives: z.number().int().positive(),
  repeats: z.number().int().positive(),
  seed: z.number().int(),
  /** How many rows of the population each scored row stands for, per class (1 and 1 when every row was scored). */
  classWeights: z.object({ positive: z.number().positive(), negative: z.number().positive() }),
  /** One entry per input, in the model's column order. */
  features: z.array(featureImportanceSchema).min(1),
});

export type FeatureImportance = z.infer<typeof featureImportanceSchema>;
export type PermutationImportance = z.infer<typeof permutationImportanceSchema>;

/** Anything that scores rows with a probability: a DeployedModel, or a plain function in tests. */
export interface ProbabilityScorer {
  predict(x: DenseMatrix): { readonly probability: ArrayLike<number> };
}

export interface PermutationImportanceOptions {
  /** Shuffles per input; more repeats narrow the spread's estimate. */
  readonly repeats: number;
  readonly seed: number;
  /** The inputs; default one per model column. See featureGroups. */
  readonly groups?: readonly FeatureGroup[];
  /**
   * What each row stands for, per class, when the rows are a sample of a larger set (all
   * failures kept, healthy rows thinned): precision is then computed on the weighted counts, so
   * the average precision estimates the larger set's. @default { positive: 1, negative: 1 }
   */
  readonly classWeights?: { readonly positive: number; readonly negative: number };
  /** Called after each input is done, for progress messages. */
  readonly onFeature?: (done: number, total: number, feature: string) => void;
}

/** The most repeats accepted: beyond it the spread is known well and the time is wasted. */
export const MAX_REPEATS = 100;

/**
 * The model's inputs for permutation: each categorical feature's one-hot columns form ONE group,
 * permuted together, every other column is its own. Shuffling one one-hot column alone would make
 * rows that are two types at once or none (Type_L = 1 and Type_M = 1), which no machine is: the
 * drop would measure the model's reaction to impossible rows, not what the type tells it. Moving
 * the whole one-hot row keeps every row one valid type, and asks the question a user has: does
 * the product type matter?
 * @param categories categorical features and their columns; columns absent from featureNames are skipped
 * @throws ShapeError for repeated column names or a column in two categories
 */
export function featureGroups(featureNames: readonly string[], categories: readonly CategoricalColumns[] = []): FeatureGroup[] {
  const index = new Map<string, number>();
  featureNames.forEach((name, j) => {
    if (index.has(name)) throw new ShapeError(`permutation importance: feature name ${name} appears twice`);
    index.set(name, j);
  });
  const groupOf = new Map<number, string>();
  for (const category of categories) {
    for (const column of category.columns) {
      const j = index.get(column);
      if (j === undefined) continue;
      if (groupOf.has(j)) throw new ShapeError(`permutation importance: column ${column} belongs to ${groupOf.get(j)} and ${category.name}`);
      groupOf.set(j, category.name);
    }
  }
  const groups: FeatureGroup[] = [];
  const seen = new Map<string, number[]>();
  featureNames.forEach((name, j) => {
    const category = groupOf.get(j);
    if (category === undefined) {
      groups.push({ feature: name, columns: [j] });
      return;
    }
    const columns = seen.get(category);
    if (columns) {
      columns.push(j);
      return;
    }
    const first = [j];
    seen.set(category, first);
    groups.push({ feature: category, columns: first });
  });
  return groups;
}

/**
 * Average precision (scikit-learn's step-wise sum over distinct scores) with per-class row
 * weights: precision at each threshold is w₊·tp / (w₊·tp + w₋·fp), recall is unchanged (all
 * positives share one weight). With both weights 1 it is metrics.ts averagePrecision exactly.
 * @throws InvalidDataError without positives, or for a weight that is not positive and finite
 */
export function weightedAveragePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>, weights: { readonly positive: number; readonly negative: number }): number {
  assertWeights(weights);
  const points = operatingPoints(labels, scores);
  if (points.nPositive === 0) throw new InvalidDataError('average precision is undefined when no row needs maintenance');
  let sum = 0;
  let previous = 0;
  for (let k = 0; k < points.tp.length; k++) {
    const tp = points.tp[k];
    const flaggedRight = weights.positive * tp;
    sum += ((tp - previous) / points.nPositive) * (flaggedRight / (flaggedRight + weights.negative * points.fp[k]));
    previous = tp;
  }
  return sum;
}

/**
 * Permutation importance of each input of `model` on the labelled rows `x` (raw model inputs,
 * as the model's predict takes them): for each input, `repeats` seeded shuffles of its column(s)
 * across the rows, each scored and compared with the unshuffled average precision. Every input
 * gets its own random stream (seed + its position), so adding an input does not move the others'.
 * Costs 1 + inputs × repeats predictions of all rows.
 * @throws ShapeError when shapes disagree; InvalidDataError for bad labels, values or options
 */
export function permutationImportance(
  model: ProbabilityScorer,
  x: DenseMatrix,
  labels: ArrayLike<number>,
  featureNames: readonly string[],
  options: PermutationImportanceOptions,
): PermutationImportance {
  const { repeats, seed } = options;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > MAX_REPEATS) {
    throw new InvalidDataError(`permutation importance: repeats must be an integer in [1, ${MAX_REPEATS}], got ${repeats}`);
  }
  if (!Number.isSafeInteger(seed)) throw new InvalidDataError(`permutation importance: seed must be a safe integer, got ${seed}`);
  if (featureNames.length !== x.cols) throw new ShapeError(`permutation importance: ${featureNames.length} feature names for ${x.cols} columns`);
  if (labels.length !== x.rows) throw new ShapeError(`permutation importance: ${labels.length} labels for ${x.rows} rows`);
  if (x.rows < 2) throw new InvalidDataError(`permutation importance needs at least 2 rows to shuffle, got ${x.rows}`);
  assertLabels(labels, 'labels');
  assertFinite(x, 'permutation importance', featureNames);
  const weights = options.classWeights ?? { positive: 1, negative: 1 };
  assertWeights(weights);
  const groups = options.groups ?? featureGroups(featureNames);
  assertGroups(groups, x.cols);

  const score = (rows: DenseMatrix): number => {
    const { probability } = model.predict(rows);
    if (probability.length !== rows.rows) throw new ShapeError(`permutation importance: the model returned ${probability.length} probabilities for ${rows.rows} rows`);
    return weightedAveragePrecision(labels, probability, weights);
  };
  const baseline = score(x);
  const shuffled = denseMatrix(x.rows, x.cols, new Float64Array(x.data));
  const order = new Uint32Array(x.rows);
  const features = groups.map((group, g): FeatureImportance => {
    const random = new SeededRandom(seed + g);
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < order.length; i++) order[i] = i;
      random.shuffle(order);
      // Row i takes the group's values of row order[i]: one permutation for all its columns.
      for (let i = 0; i < x.rows; i++) {
        for (const j of group.columns) shuffled.data[i * x.cols + j] = x.data[order[i] * x.cols + j];
      }
      drops.push(baseline - score(shuffled));
    }
    for (let i = 0; i < x.rows; i++) {
      for (const j of group.columns) shuffled.data[i * x.cols + j] = x.data[i * x.cols + j];
    }
    options.onFeature?.(g + 1, groups.length, group.feature);
    return { feature: group.feature, columns: group.columns.map((j) => featureNames[j]), ...spread(drops) };
  });
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  return { metric: 'average precision', baseline, rows: x.rows, positives, repeats, seed, classWeights: { ...weights }, features };
}

function spread(drops: number[]): Pick<FeatureImportance, 'drops' | 'meanDrop' | 'sdDrop' | 'minDrop' | 'maxDrop'> {
  const mean = drops.reduce((s, d) => s + d, 0) / drops.length;
  const variance = drops.length < 2 ? 0 : drops.reduce((s, d) => s + (d - mean) ** 2, 0) / (drops.length - 1);
  return { drops, meanDrop: mean, sdDrop: Math.sqrt(variance), minDrop: Math.min(...drops), maxDrop: Math.max(...drops) };
}

function assertWeights(weights: { readonly positive: number; readonly negative: number }): void {
  for (const [name, w] of Object.entries(weights)) {
    if (!(Number.isFinite(w) && w > 0)) throw new InvalidDataError(`permutation importance: the ${name} class weight must be a positive number, got ${w}`);
  }
}

function assertGroups(groups: readonly FeatureGroup[], cols: number): void {
  if (groups.length === 0) throw new ShapeError('permutation importance: no inputs to permute');
  const used = new Set<number>();
  for (const group of groups) {
    if (group.columns.length === 0) throw new ShapeError(`permutation importance: input ${group.feature} has no columns`);
    for (const j of group.columns) {
      if (!Number.isInteger(j) || j < 0 || j >= cols) throw new ShapeError(`permutation importance: input ${group.feature} names column ${j} of ${cols}`);
      if (used.has(j)) throw new ShapeError(`permutation importance: column ${j} is in two inputs`);
      used.add(j);
    }
  }
}
