import { InvalidDataError } from '../../errors.ts';
import { assertFinite, type DenseMatrix } from '../dense.ts';
import type { KernelShape } from '../kernel-shape.ts';
import type { Bounds } from '../kernel.ts';
import { minimizeBounded } from '../optimize/lbfgsb.ts';
import { evaluateElbo } from './elbo.ts';
import { initialInducingPoints } from './inducing-points.ts';
import { evaluateSparseLaplace, inducingPosterior, type WhitenedMode } from './sparse-laplace.ts';
import { SparseGaussianProcessClassifier, type SparseFitSummary, type SparseStage } from './svgp.ts';

/**
 * Fits the sparse model by the Laplace approximation (sparse-laplace.ts) instead of the
 * variational bound: θ (and optionally Z) by L-BFGS on the Laplace evidence, an isotropic stage
 * and, with `ard`, one length scale per input from its optimum; then q(v) = N(v̂, B⁻¹). The result
 * is an ordinary SparseGaussianProcessClassifier, so it predicts, serialises and serves as the
 * variational one does. What it is for and how it compares: docs/ml.md §7, "The Laplace sparse GP".
 */
export interface SparseLaplaceFitOptions {
  /** Number of inducing points m (at most the number of rows). @default 128 */
  readonly inducingPoints?: number;
  /** @default 'rbf' (radial shapes only) */
  readonly kernel?: KernelShape;
  /** A second stage with one length scale per input. @default false */
  readonly ard?: boolean;
  /** Move Z with θ. @default false */
  readonly optimizeInducing?: boolean;
  /** @default 1 */
  readonly constant?: number;
  /** @default √d */
  readonly lengthScale?: number;
  /** @default [1e-3, 1e4] */
  readonly constantBounds?: Bounds;
  /** @default [1e-2, 1e3] */
  readonly lengthScaleBounds?: Bounds;
  /** L-BFGS iterations per stage. @default 150 */
  readonly maxIterations?: number;
  /** Seed of the inducing-point initialisation. @default 0 */
  readonly seed?: number;
  readonly onProgress?: (progress: { readonly stage: SparseStage; readonly iteration: number; readonly evidence: number; readonly theta: number[] }) => void;
}

/** The same defaults as the variational fit's (sparse-fit.ts). */
const DEFAULT_CONSTANT_BOUNDS: Bounds = [1e-3, 1e4];
const DEFAULT_LENGTH_SCALE_BOUNDS: Bounds = [1e-2, 1e3];
const DEFAULT_INDUCING_POINTS = 128;

export interface SparseLaplaceFit {
  readonly model: SparseGaussianProcessClassifier;
  /** The Laplace evidence log q(y | θ, Z) at the result. */
  readonly evidence: number;
}

function checkOptions(x: DenseMatrix, y: Uint8Array, options: SparseLaplaceFitOptions): number {
  if (y.length !== x.rows) throw new InvalidDataError(`sparse Laplace fit: ${x.rows} rows but ${y.length} labels`);
  assertFinite(x, 'sparse Laplace fit');
  const m = options.inducingPoints ?? Math.min(DEFAULT_INDUCING_POINTS, x.rows);
  if (!Number.isInteger(m) || m < 1 || m > x.rows) throw new InvalidDataError(`sparse Laplace fit: inducingPoints must be an integer in [1, ${x.rows}], got ${m}`);
  for (const name of ['constantBounds', 'lengthScaleBounds'] as const) {
    const b = options[name];
    if (b && !(b[0] > 0 && b[1] >= b[0] && Number.isFinite(b[1]))) throw new InvalidDataError(`sparse Laplace fit: ${name} must be 0 < low ≤ high < ∞, got [${b.join(', ')}]`);
  }
  return m;
}

export function fitSparseLaplace(x: DenseMatrix, y: Uint8Array, options: SparseLaplaceFitOptions = {}): SparseLaplaceFit {
  const started = performance.now();
  const m = checkOptions(x, y, options);
  const d = x.cols;
  const kernel = options.kernel ?? 'rbf';
  const constantBounds = options.constantBounds ?? DEFAULT_CONSTANT_BOUNDS;
  const lengthScaleBounds = options.lengthScaleBounds ?? DEFAULT_LENGTH_SCALE_BOUNDS;
  const logBounds = (b: Bounds): [number, number] => [Math.log(b[0]), Math.log(b[1])];
  let theta = Float64Array.from([Math.log(options.constant ?? 1), Math.log(options.lengthScale ?? Math.sqrt(d))]);
  let inducing = initialInducingPoints(x, y, m, { seed: options.seed ?? 0 });
  let start: Float64Array | undefined;
  let newtonSteps = 0;
  const stages: Array<SparseFitSummary['optimizer']['stages'][number]> = [];
  const trace: number[] = [];

  for (const stage of (options.ard ? ['isotropic', 'ard'] : ['isotropic']) as SparseStage[]) {
    if (stage === 'ard') theta = Float64Array.from({ length: d + 1 }, (_, k) => theta[Math.min(k, 1)]);
    const nTheta = theta.length;
    const bounds = [logBounds(constantBounds), ...Array.from({ length: nTheta - 1 }, () => logBounds(lengthScaleBounds))];
    const moveZ = options.optimizeInducing ?? false;
    const x0 = moveZ ? Float64Array.from([...theta, ...inducing]) : theta;
    const zBounds = moveZ ? Array.from({ length: m * d }, (): [number, number] => [-Infinity, Infinity]) : [];
    const result = minimizeBounded(
      (point) => {
        const e = evaluateSparseLaplace(x, y, { theta: point.subarray(0, nTheta), inducing: moveZ ? point.subarray(nTheta) : inducing, kernel }, m, { start });
        start = e.mode.mode;
        newtonSteps += e.mode.iterations;
        return {
          value: -e.value,
          gradient: () => Float64Array.from([...e.gradTheta!, ...(moveZ ? e.gradInducing! : [])], (g) => -g),
        };
      },
      x0,
      {
        bounds: [...bounds, ...zBounds],
        maxIterations: options.maxIterations ?? 150,
        onIteration: (it) => options.onProgress?.({ stage, iteration: it.iteration, evidence: -it.value, theta: Array.from(it.x.subarray(0, nTheta)) }),
      },
    );
    theta = result.x.slice(0, nTheta);
    if (moveZ) inducing = result.x.slice(nTheta);
    trace.push(...result.trace.map((v) => -v));
    stages.push({ stage, rows: x.rows, iterations: result.iterations, evaluations: result.evaluations, elbo: -result.value, reason: result.reason });
  }

  const final = evaluateSparseLaplace(x, y, { theta, inducing, kernel }, m, { start, gradient: false });
  newtonSteps += final.mode.iterations;
  return { model: classifierOf(x, y, { theta, inducing, kernel, constantBounds, lengthScaleBounds, mode: final.mode, newtonSteps, stages, trace, started }), evidence: final.value };
}

function classifierOf(
  x: DenseMatrix,
  y: Uint8Array,
  fitted: {
    theta: Float64Array;
    inducing: Float64Array;
    kernel: KernelShape;
    constantBounds: Bounds;
    lengthScaleBounds: Bounds;
    mode: WhitenedMode;
    newtonSteps: number;
    stages: SparseFitSummary['optimizer']['stages'];
    trace: number[];
    started: number;
  },
): SparseGaussianProcessClassifier {
  const { theta, inducing, kernel, mode } = fitted;
  const m = mode.mode.length;
  const params = { theta, inducing, kernel, ...inducingPosterior(mode, m) };
  // The summary's ELBO is the variational bound at this q(v): comparable with a variational fit's; the stages and the trace hold the Laplace evidence they maximised.
  const elbo = evaluateElbo(x, y, params, { scope: 'none' }).value;
  const relevances = Array.from({ length: x.cols }, (_, k) => Math.exp(-theta[theta.length === 2 ? 1 : 1 + k]));
  const ls = Array.from(theta.subarray(1), (v) => Number(Math.exp(v).toPrecision(3)));
  const summary: SparseFitSummary = {
    nTrain: x.rows,
    nPositive: y.reduce((t, v) => t + v, 0),
    nInducing: m,
    theta: Array.from(theta),
    kernel: `${Math.sqrt(Math.exp(theta[0])).toPrecision(3)}**2 * ${kernel}(length_scale=${ls.length === 1 ? ls[0] : `[${ls.join(', ')}]`}), ${m} inducing points, Laplace`,
    elbo,
    logMarginalLikelihood: elbo,
    relevances,
    optimizer: { stages: fitted.stages, trace: fitted.trace, variationalIterations: fitted.newtonSteps },
    fitSeconds: (performance.now() - fitted.started) / 1000,
  };
  return SparseGaussianProcessClassifier.fromState({ ...params, nFeatures: x.cols, constantBounds: fitted.constantBounds, lengthScaleBounds: fitted.lengthScaleBounds }, summary);
}
