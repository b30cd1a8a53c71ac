import { z } from 'zod';
import { InvalidDataError, NotPositiveDefiniteError, ShapeError } from '../../errors.ts';
import { assertFinite, type DenseMatrix } from '../dense.ts';
import { choleskyInPlace, choSolveInPlace } from '../linalg.ts';
import { readVersionedJson } from '../versioned-json.ts';
import { type ClassWeight, classWeightSchema, parseClassWeight, weightedTrainingData } from './class-weight.ts';
import { logOnePlusExp, sigmoid } from './sigmoid.ts';

/**
 * Binary logistic regression with an L2 penalty and class weights: the simple challenger of the
 * GP. It minimises scikit-learn's objective (LogisticRegression with penalty='l2'),
 *
 *   F(w, b) = Σ_i s_i [log(1 + e^{z_i}) − y_i z_i] + ‖w‖² / (2C),   z_i = w·x_i + b,
 *
 * with s_i the class weight of row i; the intercept b is not penalised. F is strictly convex in w,
 * so Newton's method (IRLS) with a backtracking line search finds the optimum in a handful of
 * steps: each costs one pass over the rows for the gradient and the (p+1)×(p+1) Hessian
 * Xᵀ diag(s π(1−π)) X + I/C, and one tiny Cholesky solve. Inputs are the scaled rows the
 * pipeline gives every model (the penalty assumes features on comparable scales).
 */

/** Artifact format this build writes and reads. */
export const LOGISTIC_REGRESSION_FORMAT_VERSION = 1;

export interface LogisticRegressionOptions {
  /** Inverse penalty strength: larger C, weaker penalty (scikit-learn's C). @default 1 */
  readonly C?: number;
  /** @default 'balanced' (failures are rare; unweighted, the fit all but ignores them) */
  readonly classWeight?: ClassWeight;
  /** Newton steps at most. @default 100 */
  readonly maxIterations?: number;
  /** Stop when ‖∇F‖∞ ≤ tolerance × Σ s_i (the gradient grows with the weighted row count). @default 1e-10 */
  readonly tolerance?: number;
}

export const DEFAULT_LOGISTIC_OPTIONS = {
  C: 1,
  classWeight: 'balanced',
  maxIterations: 100,
  tolerance: 1e-10,
} as const satisfies Required<LogisticRegressionOptions>;

const summarySchema = z.object({
  nTrain: z.int().positive(),
  nPositive: z.int().positive(),
  nFeatures: z.int().positive(),
  C: z.number().positive(),
  classWeight: classWeightSchema,
  /** The weights the rows of each class got. */
  weights: z.object({ negative: z.number().positive(), positive: z.number().positive() }),
  iterations: z.int().nonnegative(),
  /** False when maxIterations ran out before the tolerance was met. */
  converged: z.boolean(),
  /** F at the solution. */
  objective: z.number(),
  /** ‖∇F‖∞ at the solution. */
  gradientNorm: z.number().nonnegative(),
});
/**
 * How the fit went, kept with the model. No wall-clock time: the model is a pure function of data
 * and options (same inputs, same bytes); the caller times the fit.
 */
export type LogisticRegressionSummary = z.infer<typeof summarySchema>;

const jsonSchema = z
  .object({
    kind: z.literal('logistic-regression'),
    formatVersion: z.literal(LOGISTIC_REGRESSION_FORMAT_VERSION),
    coefficients: z.array(z.number()).min(1),
    intercept: z.number(),
    summary: summarySchema,
  })
  .refine((v) => v.coefficients.length === v.summary.nFeatures, { message: 'coefficients must have one entry per feature (summary.nFeatures)' });
/** The serialised form of a fitted {@link LogisticRegression}. */
export type LogisticRegressionJson = z.infer<typeof jsonSchema>;

/** Backtracking line search: Armijo constant and the most halvings. */
const ARMIJO = 1e-4;
const MAX_HALVINGS = 40;
/** A relative decrease of F below this is rounding, not progress. */
const FLAT = 1e-15;

export class LogisticRegression {
  readonly kind = 'logistic-regression' as const;
  readonly #coefficients: Float64Array;

  private constructor(
    coefficients: Float64Array,
    readonly intercept: number,
    readonly summary: LogisticRegressionSummary,
  ) {
    this.#coefficients = coefficients;
  }

  /**
   * Fits the model on scaled rows `x` with 0/1 labels `y`.
   * @throws InvalidDataError for empty data, NaN/±Infinity, labels other than 0/1, one class, or a bad option value
   * @throws ShapeError for an unknown option name
   */
  static fit(x: DenseMatrix, y: ArrayLike<number>, options: LogisticRegressionOptions = {}): LogisticRegression {
    const settings = parseOptions(options);
    const { labels, weights, rowWeight } = weightedTrainingData(x, y, settings.classWeight);
    const totalWeight = rowWeight.reduce((a, b) => a + b, 0);

    const p = x.cols;
    const dim = p + 1; // coefficients, then the intercept
    let beta: Float64Array = new Float64Array(dim);
    let { value, gradient, hessian } = newtonTerms(x, labels, rowWeight, beta, settings.C, true);
    let iterations = 0;
    let converged = maxAbs(gradient) <= settings.tolerance * totalWeight;
    while (!converged && iterations < settings.maxIterations) {
      const step = newtonStep(hessian, gradient, dim);
      const slope = dotAll(gradient, step);
      let t = 1;
      let next: Float64Array | undefined;
      for (let k = 0; k < MAX_HALVINGS; k++, t /= 2) {
        const trial = beta.map((b, j) => b + t * step[j]);
        const trialValue = newtonTerms(x, labels, rowWeight, trial, settings.C, false).value;
        if (trialValue <= value + ARMIJO * t * slope) {
          next = trial;
          break;
        }
      }
      iterations++;
      // No decrease even for a tiny step: F is flat to rounding here, which is the optimum.
      if (next === undefined) break;
      beta = next;
      const previous = value;
      ({ value, gradient, hessian } = newtonTerms(x, labels, rowWeight, beta, settings.C, true));
      converged = maxAbs(gradient) <= settings.tolerance * totalWeight;
      // F changes only in its last bits: more steps cannot help (collinear inputs with a weak penalty get here).
      if (previous - value <= FLAT * Math.abs(previous)) break;
    }
    const gradientNorm = maxAbs(gradient);
    let nPositive = 0;
    for (const label of labels) nPositive += label;
    const summary: LogisticRegressionSummary = {
      nTrain: x.rows,
      nPositive,
      nFeatures: p,
      C: settings.C,
      classWeight: settings.classWeight,
      weights,
      iterations,
      // Stopped where F is flat to rounding: converged when the gradient is small, if not at the tolerance.
      converged: converged || gradientNorm <= 1e-6 * totalWeight,
      objective: value,
      gradientNorm,
    };
    return new LogisticRegression(beta.slice(0, p), beta[p], summary);
  }

  /** The weights w, one per feature (a copy). */
  get coefficients(): Float64Array {
    return this.#coefficients.slice();
  }

  get nFeatures(): number {
    return this.#coefficients.length;
  }

  /** z = w·x + b per row: the log-odds of needing maintenance. */
  decisionFunction(x: DenseMatrix): Float64Array {
    checkInput(x, this.nFeatures);
    const w = this.#coefficients;
    const out = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let z = this.intercept;
      for (let j = 0, o = i * x.cols; j < x.cols; j++) z += w[j] * x.data[o + j];
      out[i] = z;
    }
    return out;
  }

  /** P(needs maintenance) for scaled rows. */
  predictProbability(x: DenseMatrix): Float64Array {
    return this.decisionFunction(x).map(sigmoid);
  }

  toJSON(): LogisticRegressionJson {
    return {
      kind: 'logistic-regression',
      formatVersion: LOGISTIC_REGRESSION_FORMAT_VERSION,
      coefficients: Array.from(this.#coefficients),
      intercept: this.intercept,
      summary: this.summary,
    };
  }

  /**
   * Rebuilds a model from {@link toJSON} output (object or JSON text); it predicts bitwise the same.
   * @throws ArtifactError naming what is wrong: not a logistic regression, unknown version, bad values
   */
  static load(json: unknown): LogisticRegression {
    const { coefficients, intercept, summary } = readVersionedJson(json, 'logistic-regression', LOGISTIC_REGRESSION_FORMAT_VERSION, jsonSchema);
    return new LogisticRegression(Float64Array.from(coefficients), intercept, summary);
  }
}

type Settings = { readonly C: number; readonly classWeight: ClassWeight; readonly maxIterations: number; readonly tolerance: number };

function parseOptions(options: LogisticRegressionOptions): Settings {
  const unknown = Object.keys(options).filter((key) => !(key in DEFAULT_LOGISTIC_OPTIONS));
  if (unknown.length > 0) {
    // A misspelt option would otherwise be ignored silently and the default used.
    throw new ShapeError(`unknown logistic regression option(s) ${unknown.join(', ')}; known: ${Object.keys(DEFAULT_LOGISTIC_OPTIONS).join(', ')}`);
  }
  const merged = { ...DEFAULT_LOGISTIC_OPTIONS, ...options };
  if (!(typeof merged.C === 'number' && merged.C > 0 && Number.isFinite(merged.C))) {
    throw new InvalidDataError(`logistic regression option C must be a finite number > 0, got ${String(merged.C)}`);
  }
  if (!(Number.isInteger(merged.maxIterations) && merged.maxIterations >= 1)) {
    throw new InvalidDataError(`logistic regression option maxIterations must be an integer ≥ 1, got ${String(merged.maxIterations)}`);
  }
  if (!(typeof merged.tolerance === 'number' && merged.tolerance > 0 && Number.isFinite(merged.tolerance))) {
    throw new InvalidDataError(`logistic regression option tolerance must be a finite number > 0, got ${String(merged.tolerance)}`);
  }
  return { ...merged, classWeight: parseClassWeight(merged.classWeight, 'logistic regression') };
}

/**
 * F, and when asked its gradient and Hessian (lower triangle filled, row-major dim×dim), at β =
 * [w, b]. Row terms: g_i = s_i (π_i − y_i), h_i = s_i π_i (1 − π_i).
 */
function newtonTerms(x: DenseMatrix, y: Uint8Array, s: Float64Array, beta: Float64Array, C: number, derivatives: boolean): { value: number; gradient: Float64Array; hessian: Float64Array } {
  const p = x.cols;
  const dim = p + 1;
  const gradient = new Float64Array(derivatives ? dim : 0);
  const hessian = new Float64Array(derivatives ? dim * dim : 0);
  const row = new Float64Array(dim);
  row[p] = 1;
  let value = 0;
  for (let i = 0; i < x.rows; i++) {
    const o = i * p;
    let z = beta[p];
    for (let j = 0; j < p; j++) {
      row[j] = x.data[o + j];
      z += beta[j] * row[j];
    }
    value += s[i] * (logOnePlusExp(z) - y[i] * z);
    if (!derivatives) continue;
    const pi = sigmoid(z);
    const g = s[i] * (pi - y[i]);
    const h = s[i] * pi * (1 - pi);
    for (let a = 0; a < dim; a++) {
      gradient[a] += g * row[a];
      const ha = h * row[a];
      for (let b = 0, r = a * dim; b <= a; b++) hessian[r + b] += ha * row[b];
    }
  }
  let penalty = 0;
  for (let j = 0; j < p; j++) penalty += beta[j] * beta[j];
  value += penalty / (2 * C);
  if (derivatives) {
    for (let j = 0; j < p; j++) {
      gradient[j] += beta[j] / C;
      hessian[j * dim + j] += 1 / C;
    }
  }
  return { value, gradient, hessian };
}

/** The Newton direction −H⁻¹g; when rounding makes H look singular (saturated rows), a little damping. */
function newtonStep(hessian: Float64Array, gradient: Float64Array, dim: number): Float64Array {
  let trace = 0;
  for (let j = 0; j < dim; j++) trace += hessian[j * dim + j];
  for (let damping = 0, attempt = 0; attempt < 12; attempt++, damping = damping === 0 ? 1e-12 * trace : damping * 100) {
    const factor = hessian.slice();
    for (let j = 0; j < dim; j++) factor[j * dim + j] += damping;
    try {
      choleskyInPlace(factor, dim);
    } catch (error) {
      if (error instanceof NotPositiveDefiniteError) continue;
      throw error;
    }
    const step = gradient.map((g) => -g);
    choSolveInPlace(factor, dim, step);
    return step;
  }
  // Unreachable in practice (damping reaches the scale of the trace); steepest descent is always valid.
  return gradient.map((g) => -g / Math.max(trace, 1));
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (const value of v) m = Math.max(m, Math.abs(value));
  return m;
}

function dotAll(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function checkInput(x: DenseMatrix, nFeatures: number): void {
  if (x.cols !== nFeatures) throw new InvalidDataError(`logistic regression: expected ${nFeatures} feature column(s), got ${x.cols}`);
  assertFinite(x, 'logistic regression input');
}
