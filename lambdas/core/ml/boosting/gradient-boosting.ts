import { z } from 'zod';
import { InvalidDataError } from '../../errors.ts';
import { assertFinite, type DenseMatrix, takeRows } from '../dense.ts';
import { weightedTrainingData } from '../logistic/class-weight.ts';
import { logOnePlusExp, sigmoid } from '../logistic/sigmoid.ts';
import { stratifiedSplit } from '../split.ts';
import { readVersionedJson } from '../versioned-json.ts';
import { binFeatures, fitBinThresholds } from './bin-mapper.ts';
import { AUTO_EARLY_STOPPING_ROWS, boostingSettings, boostingSettingsSchema, type GradientBoostingOptions } from './boosting-options.ts';
import { type RegressionTree, regressionTreeJsonSchema, treeFromJson, treeOutput, treeToJson } from './regression-tree.ts';
import { growTree } from './tree-grower.ts';

/**
 * Histogram gradient-boosted trees for the binary "needs maintenance" label: the tree challenger
 * of the GP (LightGBM's and scikit-learn's HistGradientBoostingClassifier's algorithm).
 *
 * The model is a sum of regression trees on the log-odds, F(x) = F₀ + Σ_t f_t(x), P = σ(F).
 * F₀ is the (class-weighted) prior log-odds; each round fits one tree to the gradient
 * g_i = s_i (σ(F_i) − y_i) and hessian h_i = s_i σ(F_i)(1 − σ(F_i)) of the weighted log loss:
 * splits maximise the second-order gain (split-finder.ts) over pre-binned features
 * (bin-mapper.ts, histograms: histogram.ts), growth is best-first (tree-grower.ts), and each leaf
 * adds learningRate × −G/(H + λ). Everything is deterministic for a given seed; the seed matters
 * only for the early-stopping hold-out and the binning subsample of very large sets.
 */

/** Artifact format this build writes and reads. */
export const GRADIENT_BOOSTING_FORMAT_VERSION = 1;

/** Clip of the prior probability, so that F₀ is finite (scikit-learn's float64 eps). */
const PRIOR_CLIP = Number.EPSILON;

const summarySchema = z.object({
  nTrain: z.int().positive(),
  nPositive: z.int().positive(),
  nFeatures: z.int().positive(),
  /** Rows the trees were fitted on (nTrain minus the early-stopping hold-out). */
  nFitted: z.int().positive(),
  /** Bins each feature got. */
  binCounts: z.array(z.int().positive()),
  weights: z.object({ negative: z.number().positive(), positive: z.number().positive() }),
  nTrees: z.int().nonnegative(),
  /** True when the validation loss stopped the fit before maxIterations. */
  earlyStopped: z.boolean(),
  /** Weighted mean log loss on the fitted rows after 0, 1, … trees. */
  trainLoss: z.array(z.number()),
  /** The same on the hold-out, when early stopping was on. */
  validationLoss: z.array(z.number()).optional(),
  settings: boostingSettingsSchema,
});
/**
 * How the fit went, kept with the model. No wall-clock time: the model is a pure function of data
 * and options (same inputs, same bytes); the caller times the fit.
 */
export type GradientBoostingSummary = z.infer<typeof summarySchema>;

const jsonSchema = z
  .object({
    kind: z.literal('gradient-boosting'),
    formatVersion: z.literal(GRADIENT_BOOSTING_FORMAT_VERSION),
    /** F₀, the log-odds every tree adds to. */
    baseline: z.number(),
    trees: z.array(regressionTreeJsonSchema),
    summary: summarySchema,
  })
  .superRefine((m, ctx) => {
    if (m.trees.length !== m.summary.nTrees) ctx.addIssue({ code: 'custom', message: `summary.nTrees is ${m.summary.nTrees} but there are ${m.trees.length} trees` });
    const p = m.summary.nFeatures;
    m.trees.forEach((t, k) => {
      if (t.feature.some((f) => f >= p)) ctx.addIssue({ code: 'custom', message: `tree ${k} splits on a feature ≥ nFeatures (${p})` });
    });
  });
/** The serialised form of a fitted {@link GradientBoostingClassifier}. */
export type GradientBoostingJson = z.infer<typeof jsonSchema>;

export class GradientBoostingClassifier {
  readonly kind = 'gradient-boosting' as const;
  readonly #trees: readonly RegressionTree[];

  private constructor(
    readonly baseline: number,
    trees: readonly RegressionTree[],
    readonly summary: GradientBoostingSummary,
  ) {
    this.#trees = trees;
  }

  /**
   * Fits the ensemble on rows `x` (scaled or not: trees only compare values) with 0/1 labels `y`.
   * @throws InvalidDataError for empty data, NaN/±Infinity, labels other than 0/1, one class, a
   *   bad option value, or too few rows of a class for the early-stopping hold-out
   * @throws ShapeError for an unknown option name
   */
  static fit(x: DenseMatrix, y: ArrayLike<number>, options: GradientBoostingOptions = {}): GradientBoostingClassifier {
    const settings = boostingSettings(options);
    const { labels, weights, rowWeight } = weightedTrainingData(x, y, settings.classWeight);

    const earlyStopping = settings.earlyStopping === 'auto' ? x.rows > AUTO_EARLY_STOPPING_ROWS : settings.earlyStopping;
    const { fit, validation } = earlyStopping ? holdOut(x, labels, rowWeight, settings.validationFraction, settings.seed) : { fit: { x, y: labels, w: rowWeight }, validation: undefined };

    const thresholds = fitBinThresholds(fit.x, settings.maxBins, settings.seed);
    const binned = binFeatures(fit.x, thresholds);
    const baseline = priorLogOdds(fit.y, fit.w);
    const n = fit.x.rows;
    const raw = new Float64Array(n).fill(baseline);
    const rawValidation = validation ? new Float64Array(validation.x.rows).fill(baseline) : undefined;
    // float32, as scikit-learn stores them: half the memory, and its split choices on near-ties.
    const gradients = new Float32Array(n);
    const hessians = new Float32Array(n);
    const rules = {
      learningRate: settings.learningRate,
      maxLeafNodes: settings.maxLeafNodes,
      maxDepth: settings.maxDepth,
      minSamplesLeaf: settings.minSamplesLeaf,
      l2Regularization: settings.l2Regularization,
      minHessianToSplit: 1e-3,
    };

    const trees: RegressionTree[] = [];
    const trainLoss = [meanLogLoss(fit.y, fit.w, raw)];
    const validationLoss = validation ? [meanLogLoss(validation.y, validation.w, rawValidation!)] : undefined;
    let earlyStopped = false;
    for (let round = 0; round < settings.maxIterations; round++) {
      for (let i = 0; i < n; i++) {
        const p = sigmoid(raw[i]);
        gradients[i] = fit.w[i] * (p - fit.y[i]);
        hessians[i] = fit.w[i] * p * (1 - p);
      }
      const grown = growTree(binned, thresholds, gradients, hessians, rules);
      for (const leaf of grown.leaves) {
        for (let k = leaf.start; k < leaf.end; k++) raw[grown.rows[k]] += leaf.value;
      }
      trees.push(grown.tree);
      trainLoss.push(meanLogLoss(fit.y, fit.w, raw));
      if (validation && rawValidation && validationLoss) {
        for (let i = 0; i < validation.x.rows; i++) rawValidation[i] += treeOutput(grown.tree, validation.x.data, i * validation.x.cols);
        validationLoss.push(meanLogLoss(validation.y, validation.w, rawValidation));
        if (shouldStop(validationLoss, settings.iterationsWithoutChange, settings.tolerance)) {
          earlyStopped = round + 1 < settings.maxIterations;
          break;
        }
      }
    }

    let nPositive = 0;
    for (const label of labels) nPositive += label;
    const summary: GradientBoostingSummary = {
      nTrain: x.rows,
      nPositive,
      nFeatures: x.cols,
      nFitted: n,
      binCounts: thresholds.map((t) => t.length + 1),
      weights,
      nTrees: trees.length,
      earlyStopped,
      trainLoss,
      ...(validationLoss ? { validationLoss } : {}),
      settings,
    };
    return new GradientBoostingClassifier(baseline, trees, summary);
  }

  get nFeatures(): number {
    return this.summary.nFeatures;
  }

  /** F(x) per row: the log-odds of needing maintenance. */
  decisionFunction(x: DenseMatrix): Float64Array {
    if (x.cols !== this.nFeatures) throw new InvalidDataError(`gradient boosting: expected ${this.nFeatures} feature column(s), got ${x.cols}`);
    assertFinite(x, 'gradient boosting input');
    const out = new Float64Array(x.rows).fill(this.baseline);
    for (const tree of this.#trees) {
      for (let i = 0; i < x.rows; i++) out[i] += treeOutput(tree, x.data, i * x.cols);
    }
    return out;
  }

  /** P(needs maintenance) per row. */
  predictProbability(x: DenseMatrix): Float64Array {
    return this.decisionFunction(x).map(sigmoid);
  }

  toJSON(): GradientBoostingJson {
    return {
      kind: 'gradient-boosting',
      formatVersion: GRADIENT_BOOSTING_FORMAT_VERSION,
      baseline: this.baseline,
      trees: this.#trees.map(treeToJson),
      summary: this.summary,
    };
  }

  /**
   * Rebuilds a model from {@link toJSON} output (object or JSON text); it predicts bitwise the same.
   * @throws ArtifactError naming what is wrong: not a boosting model, unknown version, bad trees
   */
  static load(json: unknown): GradientBoostingClassifier {
    const { baseline, trees, summary } = readVersionedJson(json, 'gradient-boosting', GRADIENT_BOOSTING_FORMAT_VERSION, jsonSchema);
    return new GradientBoostingClassifier(baseline, trees.map(treeFromJson), summary);
  }
}

interface WeightedRows {
  readonly x: DenseMatrix;
  readonly y: Uint8Array;
  readonly w: Float64Array;
}

/** A stratified, seeded hold-out for early stopping; the trees never see it. */
function holdOut(x: DenseMatrix, y: Uint8Array, w: Float64Array, fraction: number, seed: number): { fit: WeightedRows; validation: WeightedRows } {
  let split;
  try {
    split = stratifiedSplit(y, { testFraction: fraction, seed });
  } catch (error) {
    throw new InvalidDataError(`gradient boosting early stopping cannot hold out a validation part: ${(error as Error).message}`, { cause: error });
  }
  const part = (index: Uint32Array): WeightedRows => ({ x: takeRows(x, index), y: Uint8Array.from(index, (i) => y[i]), w: Float64Array.from(index, (i) => w[i]) });
  return { fit: part(split.trainIndex), validation: part(split.testIndex) };
}

/** log(p / (1 − p)) of the weighted share of positives. */
function priorLogOdds(y: Uint8Array, w: Float64Array): number {
  let positive = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    positive += w[i] * y[i];
    total += w[i];
  }
  const p = Math.min(1 - PRIOR_CLIP, Math.max(PRIOR_CLIP, positive / total));
  return Math.log(p / (1 - p));
}

/** Weighted mean of log(1 + e^F) − yF, the log loss written on the log-odds. */
function meanLogLoss(y: Uint8Array, w: Float64Array, raw: Float64Array): number {
  let loss = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    loss += w[i] * (logOnePlusExp(raw[i]) - y[i] * raw[i]);
    total += w[i];
  }
  return loss / total;
}

/**
 * scikit-learn's `_should_stop` on losses: stop when none of the last `patience` rounds beat the
 * loss `patience` + 1 rounds ago by more than `tolerance`.
 */
function shouldStop(losses: readonly number[], patience: number, tolerance: number): boolean {
  if (losses.length <= patience) return false;
  const reference = losses[losses.length - patience - 1] - tolerance;
  return !losses.slice(-patience).some((loss) => loss < reference);
}
