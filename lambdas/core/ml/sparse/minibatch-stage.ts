import { type DenseMatrix, takeRows } from '../dense.ts';
import { SeededRandom } from '../random.ts';
import { evaluateElbo, inducingCholesky, type SparseParameters } from './elbo.ts';
import { naturalStep } from './natural-gradient.ts';

/**
 * Stochastic variational inference for the rows beyond what full-batch L-BFGS can take (Hensman,
 * Fusi & Lawrence, UAI 2013; Hensman, Matthews & Ghahramani 2015; GPflow's natural-gradient +
 * Adam recipe, Salimbeni et al. 2018): each step takes B rows of a fresh shuffle per epoch,
 *
 *   q(v): one natural-gradient step of size γ on the statistics scaled by n / B (an unbiased
 *         estimate of the all-rows step; naturalStep is the same fixed point as the full stage's)
 *   θ:    one Adam step (Kingma & Ba 2015) on n / B · ∂/∂θ of the rows' expected log-likelihood
 *         (the whitened KL term does not depend on θ), then projected on θ's bounds.
 *
 * Deterministic for a seed: epoch e shuffles the rows with seed + e. The state (Adam's moments,
 * the step count) is small and goes into the fit's checkpoint, so a resumed fit is bit for bit.
 */

export interface MinibatchSettings {
  readonly batchRows: number;
  readonly epochs: number;
  /** Adam's step on log θ. */
  readonly learningRate: number;
  /** The natural-gradient step γ on q(v). */
  readonly naturalStep: number;
  readonly seed: number;
}

export interface MinibatchState {
  step: number;
  adamMean: Float64Array;
  adamSquare: Float64Array;
  /** The last step's estimate of the all-rows ELBO (noisy). */
  estimate: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

export function startMinibatch(parameters: number): MinibatchState {
  return { step: 0, adamMean: new Float64Array(parameters), adamSquare: new Float64Array(parameters), estimate: Number.NaN };
}

export function minibatchSteps(rows: number, settings: MinibatchSettings): number {
  return settings.epochs * Math.ceil(rows / settings.batchRows);
}

/** The rows of step `step`: a slice of epoch ⌊step / steps per epoch⌋'s shuffle. */
export function batchRows(rows: number, step: number, settings: MinibatchSettings, cache: { epoch: number; order: Int32Array } | undefined): { index: Int32Array; cache: { epoch: number; order: Int32Array } } {
  const perEpoch = Math.ceil(rows / settings.batchRows);
  const epoch = Math.floor(step / perEpoch);
  let current = cache;
  if (!current || current.epoch !== epoch) {
    const order = Int32Array.from({ length: rows }, (_, i) => i);
    const random = new SeededRandom(settings.seed + epoch);
    for (let i = rows - 1; i > 0; i--) {
      const j = random.nextInt(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    current = { epoch, order };
  }
  const start = (step % perEpoch) * settings.batchRows;
  return { index: current.order.subarray(start, Math.min(rows, start + settings.batchRows)), cache: current };
}

/**
 * One step on the rows `index` of (x, y): returns the new q(v) and θ (with the warp after it when
 * there is one), and updates `state`. `lower`/`upper` bound the concatenated θ and warp;
 * `priorGradient`, when there is a prior on θ, is ∂ log p(θ)/∂θ (taken once per step, unscaled).
 */
export function minibatchStep(
  x: DenseMatrix,
  y: Uint8Array,
  index: ArrayLike<number>,
  params: SparseParameters,
  state: MinibatchState,
  settings: MinibatchSettings,
  bounds: { lower: Float64Array; upper: Float64Array },
  quadraturePoints: number,
  priorGradient?: Float64Array,
): { mean: Float64Array; cholCov: Float64Array; theta: Float64Array; warp: Float64Array | undefined } {
  const xb = takeRows(x, index);
  const yb = Uint8Array.from(index, (i) => y[i]);
  const m = params.mean.length;
  const scale = x.rows / xb.rows;
  const factor = inducingCholesky(params, m, x.cols);
  const e = evaluateElbo(xb, yb, params, { scope: 'all', ...factor, quadraturePoints });
  state.estimate = scale * e.expectedLogLikelihood - e.kl;
  const meanStatistic = e.meanStatistic!.map((v) => v * scale);
  const covStatistic = e.covarianceStatistic!.map((v) => v * scale);
  const q = naturalStep(params.mean, params.cholCov, meanStatistic, covStatistic, m, Math.max(settings.naturalStep, 1 / (state.step + 1)));
  // Adam on the ascent direction of [θ, warp].
  const nTheta = params.theta.length;
  const values = params.warp ? Float64Array.of(...params.theta, ...params.warp) : params.theta.slice();
  const gradient = params.warp ? Float64Array.of(...e.gradTheta!, ...e.gradWarp!) : e.gradTheta!.slice();
  state.step++;
  const t = state.step;
  for (let k = 0; k < values.length; k++) {
    const g = scale * gradient[k] + (priorGradient && k < nTheta ? priorGradient[k] : 0);
    state.adamMean[k] = BETA1 * state.adamMean[k] + (1 - BETA1) * g;
    state.adamSquare[k] = BETA2 * state.adamSquare[k] + (1 - BETA2) * g * g;
    const mHat = state.adamMean[k] / (1 - BETA1 ** t);
    const vHat = state.adamSquare[k] / (1 - BETA2 ** t);
    values[k] = Math.min(bounds.upper[k], Math.max(bounds.lower[k], values[k] + (settings.learningRate * mHat) / (Math.sqrt(vHat) + EPSILON)));
  }
  return { ...q, theta: values.slice(0, nTheta), warp: params.warp ? values.slice(nTheta) : undefined };
}
