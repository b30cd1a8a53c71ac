import { InvalidDataError, ShapeError } from '../errors.ts';
import type { DenseMatrix } from './dense.ts';
import { checkKernelShape, type KernelShape, pairValue, shapeLabel } from './kernel-shape.ts';

/** Bounds of one hyperparameter in natural units (not log); scikit-learn's default is [1e-5, 1e5]. */
export type Bounds = readonly [lower: number, upper: number];

export const DEFAULT_BOUNDS: Bounds = [1e-5, 1e5];

export interface KernelOptions {
  /** One length scale shared by all features (true) or one per feature (ARD). @default true */
  readonly isotropic?: boolean;
  /** Signal variance c. @default 1 */
  readonly constant?: number;
  /** Length scale(s) l: one number, or one per feature when not isotropic. @default 1 */
  readonly lengthScale?: number | readonly number[];
  /** @default [1e-5, 1e5] */
  readonly constantBounds?: Bounds;
  /** @default [1e-5, 1e5] */
  readonly lengthScaleBounds?: Bounds;
  /**
   * θ = [log c, log l…] exactly, in place of `constant` and `lengthScale`: another model's
   * hyperparameters bit for bit (exp then log does not always round-trip).
   */
  readonly theta?: readonly number[];
  /**
   * The kernel's shape (kernel-shape.ts). The exact GP's hyperparameter gradient (laplace.ts) is
   * the RBF's: only the sparse GP fits a Matérn; this class then evaluates it. @default 'rbf'
   */
  readonly shape?: KernelShape;
}

/** The serialisable state of a kernel (what the artifact stores). */
export interface KernelJson {
  readonly kind: 'ConstantRbf';
  /** The kernel's shape; artifacts written before Matérn kernels have none and mean 'rbf'. */
  readonly shape: KernelShape;
  readonly constant: number;
  readonly lengthScales: number[];
  readonly constantBounds: [number, number];
  readonly lengthScaleBounds: [number, number];
}

/**
 * k(x, x') = c · exp(−½ Σ_d (x_d − x'_d)² / l_d²): scikit-learn's `C(c) * RBF(l)`; with another
 * `shape`, c · κ(Σ_d (x_d − x'_d)² / l_d²), κ a Matérn profile (`C(c) * Matern(l, nu)`).
 *
 * Hyperparameters live in log space, θ = [log c, log l_1, …], because the optimiser moves
 * them over orders of magnitude and the gradients ∂K/∂θ are then simply K and K ∘ D_d/l_d².
 */
export class ConstantRbfKernel {
  readonly nFeatures: number;
  readonly isotropic: boolean;
  readonly constantBounds: Bounds;
  readonly lengthScaleBounds: Bounds;
  readonly shape: KernelShape;
  #theta: Float64Array;

  constructor(nFeatures: number, options: KernelOptions = {}) {
    if (!Number.isInteger(nFeatures) || nFeatures < 1) {
      throw new ShapeError(`kernel: the number of features must be a positive integer, got ${nFeatures}`);
    }
    this.nFeatures = nFeatures;
    this.isotropic = options.isotropic ?? true;
    this.shape = options.shape === undefined ? 'rbf' : checkKernelShape(options.shape, 'kernel');
    this.constantBounds = checkBounds(options.constantBounds ?? DEFAULT_BOUNDS, 'constant');
    this.lengthScaleBounds = checkBounds(options.lengthScaleBounds ?? DEFAULT_BOUNDS, 'length scale');
    const nScales = this.isotropic ? 1 : nFeatures;
    const given = options.lengthScale ?? 1;
    const scales = typeof given === 'number' ? new Array<number>(nScales).fill(given) : [...given];
    if (scales.length !== nScales) {
      throw new ShapeError(`kernel: expected ${nScales} length scale(s), got ${scales.length}`);
    }
    const constant = options.constant ?? 1;
    for (const v of [constant, ...scales]) {
      if (!(v > 0) || !Number.isFinite(v)) throw new InvalidDataError(`kernel: hyperparameters must be positive and finite, got ${v}`);
    }
    this.#theta = Float64Array.from([constant, ...scales], Math.log);
    if (options.theta !== undefined) this.theta = options.theta;
  }

  /** Number of hyperparameters: 1 + number of length scales. */
  get nHyperparameters(): number {
    return this.#theta.length;
  }

  /** θ = [log c, log l…] (a copy). */
  get theta(): Float64Array {
    return this.#theta.slice();
  }

  set theta(theta: ArrayLike<number>) {
    if (theta.length !== this.#theta.length) {
      throw new ShapeError(`kernel: θ has ${this.#theta.length} entries, got ${theta.length}`);
    }
    for (let i = 0; i < theta.length; i++) {
      if (!Number.isFinite(theta[i])) throw new InvalidDataError(`kernel: θ[${i}] is ${theta[i]}`);
    }
    this.#theta = Float64Array.from(theta);
  }

  get constant(): number {
    return Math.exp(this.#theta[0]);
  }

  get lengthScales(): Float64Array {
    return this.#theta.subarray(1).map(Math.exp);
  }

  /** Bounds of θ in log space, one [lo, hi] per hyperparameter. */
  get logBounds(): Array<[number, number]> {
    const c: [number, number] = [Math.log(this.constantBounds[0]), Math.log(this.constantBounds[1])];
    const l: [number, number] = [Math.log(this.lengthScaleBounds[0]), Math.log(this.lengthScaleBounds[1])];
    return [c, ...Array.from({ length: this.#theta.length - 1 }, () => [...l] as [number, number])];
  }

  get names(): string[] {
    return this.isotropic ? ['log_constant', 'log_length_scale'] : ['log_constant', ...Array.from({ length: this.nFeatures }, (_, d) => `log_length_scale_${d}`)];
  }

  /** Inverse squared length scale per feature, 1/l_d² (the isotropic one repeated). */
  inverseSquaredScales(): Float64Array {
    const out = new Float64Array(this.nFeatures);
    for (let d = 0; d < this.nFeatures; d++) {
      const l = Math.exp(this.#theta[this.isotropic ? 1 : 1 + d]);
      out[d] = 1 / (l * l);
    }
    return out;
  }

  /** The symmetric n×n kernel matrix K(X, X), row-major, written into `out` when given. */
  matrix(x: DenseMatrix, out?: Float64Array): Float64Array {
    this.#checkColumns(x);
    const n = x.rows;
    const p = x.cols;
    const c = this.constant;
    const w = this.inverseSquaredScales();
    if (out && out.length !== n * n) throw new ShapeError(`kernel: output needs ${n * n} values, got ${out.length}`);
    const k = out ?? new Float64Array(n * n);
    const xs = x.data;
    const shape = this.shape;
    for (let i = 0; i < n; i++) {
      k[i * n + i] = c;
      for (let j = 0; j < i; j++) {
        let v: number;
        if (shape === 'rbf') {
          let s = 0;
          for (let d = 0; d < p; d++) {
            const t = xs[i * p + d] - xs[j * p + d];
            s += t * t * w[d];
          }
          v = c * Math.exp(-0.5 * s);
        } else v = c * pairValue(shape, xs, i * p, xs, j * p, p, w);
        k[i * n + j] = v;
        k[j * n + i] = v;
      }
    }
    return k;
  }

  /** Cross-covariances k(X_train, z) for one row z, written into `out` (length n). */
  crossRow(x: DenseMatrix, z: ArrayLike<number>, out: Float64Array, w = this.inverseSquaredScales()): Float64Array {
    const p = x.cols;
    const c = this.constant;
    const xs = x.data;
    const shape = this.shape;
    for (let i = 0; i < x.rows; i++) {
      if (shape !== 'rbf') {
        out[i] = c * pairValue(shape, xs, i * p, z, 0, p, w);
        continue;
      }
      let s = 0;
      for (let d = 0; d < p; d++) {
        const t = xs[i * p + d] - z[d];
        s += t * t * w[d];
      }
      out[i] = c * Math.exp(-0.5 * s);
    }
    return out;
  }

  toJSON(): KernelJson {
    return {
      kind: 'ConstantRbf',
      shape: this.shape,
      constant: this.constant,
      lengthScales: Array.from(this.lengthScales),
      constantBounds: [...this.constantBounds],
      lengthScaleBounds: [...this.lengthScaleBounds],
    };
  }

  static load(json: KernelJson, nFeatures: number): ConstantRbfKernel {
    const kernel = new ConstantRbfKernel(nFeatures, {
      isotropic: json.lengthScales.length === 1,
      constant: json.constant,
      lengthScale: json.lengthScales,
      constantBounds: json.constantBounds,
      lengthScaleBounds: json.lengthScaleBounds,
      shape: json.shape,
    });
    return kernel;
  }

  /** Human-readable form, like scikit-learn's repr: `21.2**2 * RBF(length_scale=0.827)`. */
  toString(): string {
    const ls = Array.from(this.lengthScales, (l) => Number(l.toPrecision(3)));
    return `${Math.sqrt(this.constant).toPrecision(3)}**2 * ${shapeLabel(this.shape)}(length_scale=${ls.length === 1 ? ls[0] : `[${ls.join(', ')}]`})`;
  }

  #checkColumns(x: DenseMatrix): void {
    if (x.cols !== this.nFeatures) {
      throw new InvalidDataError(`kernel: expected ${this.nFeatures} feature column(s), got ${x.cols}`);
    }
  }
}

function checkBounds(bounds: Bounds, what: string): Bounds {
  const [lo, hi] = bounds;
  if (!(lo > 0) || !(hi > lo) || !Number.isFinite(hi)) {
    throw new InvalidDataError(`kernel: ${what} bounds must satisfy 0 < lower < upper < ∞, got [${lo}, ${hi}]`);
  }
  return [lo, hi];
}
