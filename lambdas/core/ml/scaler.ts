import { z } from 'zod';
import { ArtifactError, InvalidDataError, NotFittedError } from '../errors.ts';
import { assertFinite, denseMatrix, type DenseMatrix } from './dense.ts';

/** The serialised form of a fitted {@link StandardScaler} (part of the model artifact). */
export interface StandardScalerJson {
  readonly kind: 'StandardScaler';
  readonly version: 1;
  readonly mean: number[];
  readonly scale: number[];
}

/** Artifact format version written by {@link StandardScaler.toJSON}. */
export const STANDARD_SCALER_VERSION = 1;

const headerSchema = z.object({ kind: z.literal('StandardScaler'), version: z.number() });
const bodySchema = z
  .object({
    kind: z.literal('StandardScaler'),
    version: z.literal(STANDARD_SCALER_VERSION),
    mean: z.array(z.number()).min(1),
    scale: z.array(z.number().positive()).min(1),
  })
  .refine((v) => v.mean.length === v.scale.length, { message: 'mean and scale must have the same length' });

const EPSILON = Number.EPSILON;

/**
 * Standardises features to zero mean and unit variance, like scikit-learn's StandardScaler:
 * mean and population standard deviation (ddof = 0) of the training rows, and a constant column
 * keeps scale 1 so it maps to 0 instead of dividing by zero.
 */
export class StandardScaler {
  private fitted: { mean: Float64Array; scale: Float64Array } | undefined;

  /** Per-column means (a copy). @throws NotFittedError before fit */
  get mean(): Float64Array {
    return this.state().mean.slice();
  }

  /** Per-column divisors: population standard deviation, or 1 for constant columns (a copy). */
  get scale(): Float64Array {
    return this.state().scale.slice();
  }

  /** Number of feature columns seen by fit, or undefined before fit. */
  get nFeatures(): number | undefined {
    return this.fitted?.mean.length;
  }

  get isFitted(): boolean {
    return this.fitted !== undefined;
  }

  /**
   * Learns mean and scale of every column of X.
   * @throws InvalidDataError when X has no rows or columns, or a NaN/±Infinity
   */
  fit(X: DenseMatrix): this {
    if (X.rows === 0 || X.cols === 0) {
      throw new InvalidDataError(`cannot fit StandardScaler on an empty matrix (${X.rows}×${X.cols})`);
    }
    assertFinite(X, 'StandardScaler.fit');
    const mean = new Float64Array(X.cols);
    const scale = new Float64Array(X.cols);
    for (let j = 0; j < X.cols; j++) {
      const m = columnMean(X, j);
      const sd = Math.sqrt(columnVariance(X, j, m));
      mean[j] = m;
      // Treat a spread at rounding-noise level of the mean as constant, as scikit-learn does.
      scale[j] = sd === 0 || sd < 10 * EPSILON * Math.abs(m) ? 1 : sd;
    }
    this.fitted = { mean, scale };
    return this;
  }

  /** Returns a new matrix with every column standardised; X is left unchanged. */
  transform(X: DenseMatrix): DenseMatrix {
    const { mean, scale } = this.state();
    this.checkColumns(X.cols);
    assertFinite(X, 'StandardScaler.transform');
    const out = denseMatrix(X.rows, X.cols);
    for (let i = 0, k = 0; i < X.rows; i++) {
      for (let j = 0; j < X.cols; j++, k++) out.data[k] = (X.data[k] - mean[j]) / scale[j];
    }
    return out;
  }

  /** Standardises one feature row (the inference path). */
  transformRow(values: ArrayLike<number>): Float64Array {
    const { mean, scale } = this.state();
    this.checkColumns(values.length);
    const out = new Float64Array(values.length);
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (!Number.isFinite(v)) {
        throw new InvalidDataError(`StandardScaler.transformRow: column ${j} is ${v}; every value must be a finite number`);
      }
      out[j] = (v - mean[j]) / scale[j];
    }
    return out;
  }

  /** fit(X) then transform(X). */
  fitTransform(X: DenseMatrix): DenseMatrix {
    return this.fit(X).transform(X);
  }

  /** Serialisable parameters; numbers survive JSON exactly. @throws NotFittedError before fit */
  toJSON(): StandardScalerJson {
    const { mean, scale } = this.state();
    return { kind: 'StandardScaler', version: STANDARD_SCALER_VERSION, mean: Array.from(mean), scale: Array.from(scale) };
  }

  /**
   * Rebuilds a fitted scaler from {@link StandardScaler.toJSON} output (object or JSON text).
   * @throws ArtifactError naming what is wrong: not a StandardScaler, unknown version, bad values
   */
  static load(json: unknown): StandardScaler {
    const value = typeof json === 'string' ? parseJson(json) : json;
    const header = headerSchema.safeParse(value);
    if (!header.success) {
      throw new ArtifactError(`not a StandardScaler artifact:\n${z.prettifyError(header.error)}`);
    }
    if (header.data.version !== STANDARD_SCALER_VERSION) {
      throw new ArtifactError(
        `unsupported StandardScaler artifact version ${header.data.version}; this build reads version ${STANDARD_SCALER_VERSION}`,
      );
    }
    const body = bodySchema.safeParse(value);
    if (!body.success) {
      throw new ArtifactError(`invalid StandardScaler artifact:\n${z.prettifyError(body.error)}`);
    }
    const scaler = new StandardScaler();
    scaler.fitted = { mean: Float64Array.from(body.data.mean), scale: Float64Array.from(body.data.scale) };
    return scaler;
  }

  private state(): { mean: Float64Array; scale: Float64Array } {
    if (!this.fitted) throw new NotFittedError('StandardScaler used before fit(); call fit() or load() first');
    return this.fitted;
  }

  private checkColumns(got: number): void {
    const expected = this.state().mean.length;
    if (got !== expected) {
      throw new InvalidDataError(`StandardScaler expects ${expected} feature columns, got ${got}`);
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ArtifactError(`StandardScaler artifact is not valid JSON: ${(error as Error).message}`);
  }
}

/** Column mean with Neumaier-compensated summation, so the result is nearly correctly rounded. */
function columnMean(X: DenseMatrix, j: number): number {
  let sum = 0;
  let compensation = 0;
  for (let k = j; k < X.data.length; k += X.cols) {
    const v = X.data[k];
    const t = sum + v;
    compensation += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return (sum + compensation) / X.rows;
}

/**
 * Population variance by the corrected two-pass algorithm (Chan, Golub & LeVeque 1983):
 * squares of deviations from the mean, minus the (tiny) error term left by rounding in the mean.
 */
function columnVariance(X: DenseMatrix, j: number, mean: number): number {
  let squares = 0;
  let deviations = 0;
  for (let k = j; k < X.data.length; k += X.cols) {
    const d = X.data[k] - mean;
    squares += d * d;
    deviations += d;
  }
  return Math.max(0, (squares - (deviations * deviations) / X.rows) / X.rows);
}
