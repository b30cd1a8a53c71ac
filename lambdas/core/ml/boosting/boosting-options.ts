import { z } from 'zod';
import { InvalidDataError, ShapeError } from '../../errors.ts';
import { type ClassWeight, classWeightSchema, parseClassWeight } from '../logistic/class-weight.ts';
import { MAX_BINS } from './bin-mapper.ts';

/** Settings of {@link GradientBoostingClassifier.fit}; each default is explained in docs/ml.md ("Challengers"). */
export interface GradientBoostingOptions {
  /** Shrinkage of every tree's leaf values. @default 0.05 */
  readonly learningRate?: number;
  /** Trees at most (boosting rounds); early stopping usually ends the fit well before. @default 500 */
  readonly maxIterations?: number;
  /** Leaves per tree at most; null: no limit (then set maxDepth). @default 7 */
  readonly maxLeafNodes?: number | null;
  /** Depth of a leaf at most (root 0); null: no limit. @default null */
  readonly maxDepth?: number | null;
  /** Rows in every leaf at least (unweighted). @default 20 */
  readonly minSamplesLeaf?: number;
  /** λ, the L2 penalty on leaf values. @default 1 */
  readonly l2Regularization?: number;
  /** Bins per feature at most, 2 … 255. @default 255 */
  readonly maxBins?: number;
  /** @default 'none' */
  readonly classWeight?: ClassWeight;
  /**
   * Hold out a stratified `validationFraction` of the rows and stop when its loss has not improved
   * by `tolerance` for `iterationsWithoutChange` rounds (the trees keep growing on the other
   * rows only). 'auto': only above 10,000 rows (scikit-learn's rule). @default true
   */
  readonly earlyStopping?: 'auto' | boolean;
  /** @default 0.1 */
  readonly validationFraction?: number;
  /** @default 10 */
  readonly iterationsWithoutChange?: number;
  /** @default 1e-7 */
  readonly tolerance?: number;
  /** Seeds the validation split and the binning subsample (beyond 200,000 rows). @default 0 */
  readonly seed?: number;
}

/** Rows above which 'auto' early stopping holds out a validation part (scikit-learn's threshold). */
export const AUTO_EARLY_STOPPING_ROWS = 10_000;

export const DEFAULT_BOOSTING_OPTIONS = {
  learningRate: 0.05,
  maxIterations: 500,
  maxLeafNodes: 7,
  maxDepth: null,
  minSamplesLeaf: 20,
  l2Regularization: 1,
  maxBins: 255,
  classWeight: 'none',
  earlyStopping: true,
  validationFraction: 0.1,
  iterationsWithoutChange: 10,
  tolerance: 1e-7,
  seed: 0,
} as const satisfies Required<GradientBoostingOptions>;

/** The options a fit ran with, every default filled in: kept in the model's summary. */
export const boostingSettingsSchema = z.object({
  learningRate: z.number().positive(),
  maxIterations: z.int().positive(),
  maxLeafNodes: z.int().min(2).nullable(),
  maxDepth: z.int().positive().nullable(),
  minSamplesLeaf: z.int().positive(),
  l2Regularization: z.number().nonnegative(),
  maxBins: z.int().min(2).max(MAX_BINS),
  classWeight: classWeightSchema,
  earlyStopping: z.union([z.literal('auto'), z.boolean()]),
  validationFraction: z.number().gt(0).lt(1),
  iterationsWithoutChange: z.int().positive(),
  tolerance: z.number().nonnegative(),
  seed: z.int(),
});
export type BoostingSettings = z.infer<typeof boostingSettingsSchema>;

/**
 * Defaults merged with `options`, each checked.
 * @throws ShapeError for an unknown option name; InvalidDataError naming the option and what it must be
 */
export function boostingSettings(options: GradientBoostingOptions): BoostingSettings {
  const unknown = Object.keys(options).filter((key) => !(key in DEFAULT_BOOSTING_OPTIONS));
  if (unknown.length > 0) {
    // A misspelt option would otherwise be ignored silently and the default used.
    throw new ShapeError(`unknown gradient boosting option(s) ${unknown.join(', ')}; known: ${Object.keys(DEFAULT_BOOSTING_OPTIONS).join(', ')}`);
  }
  const merged = { ...DEFAULT_BOOSTING_OPTIONS, ...options };
  const rule = (ok: boolean, name: keyof GradientBoostingOptions, what: string): void => {
    if (!ok) throw new InvalidDataError(`gradient boosting option ${name} must be ${what}, got ${JSON.stringify(merged[name])}`);
  };
  const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  rule(finite(merged.learningRate) && merged.learningRate > 0, 'learningRate', 'a finite number > 0');
  rule(positiveInt(merged.maxIterations), 'maxIterations', 'an integer ≥ 1');
  rule(merged.maxLeafNodes === null || (positiveInt(merged.maxLeafNodes) && merged.maxLeafNodes >= 2), 'maxLeafNodes', 'an integer ≥ 2 or null');
  rule(merged.maxDepth === null || positiveInt(merged.maxDepth), 'maxDepth', 'an integer ≥ 1 or null');
  rule(positiveInt(merged.minSamplesLeaf), 'minSamplesLeaf', 'an integer ≥ 1');
  rule(finite(merged.l2Regularization) && merged.l2Regularization >= 0, 'l2Regularization', 'a finite number ≥ 0');
  rule(Number.isInteger(merged.maxBins) && merged.maxBins >= 2 && merged.maxBins <= MAX_BINS, 'maxBins', `an integer in [2, ${MAX_BINS}]`);
  rule(merged.earlyStopping === 'auto' || typeof merged.earlyStopping === 'boolean', 'earlyStopping', "'auto', true or false");
  rule(finite(merged.validationFraction) && merged.validationFraction > 0 && merged.validationFraction < 1, 'validationFraction', 'a number strictly between 0 and 1');
  rule(positiveInt(merged.iterationsWithoutChange), 'iterationsWithoutChange', 'an integer ≥ 1');
  rule(finite(merged.tolerance) && merged.tolerance >= 0, 'tolerance', 'a finite number ≥ 0');
  rule(Number.isSafeInteger(merged.seed), 'seed', 'a safe integer');
  return { ...merged, classWeight: parseClassWeight(merged.classWeight, 'gradient boosting') };
}
