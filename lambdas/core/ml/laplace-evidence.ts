import { type DenseMatrix, row, takeRows } from './dense.ts';
import type { SearchProblem, SearchRun, Stage, StageObjective, StartPoint } from './hyperparameter-search.ts';
import type { ConstantRbfKernel } from './kernel.ts';
import { allocateMatrix, type LaplaceState, logMarginalLikelihoodGradient, posteriorMode } from './laplace.ts';
import { dot } from './linalg.ts';

/**
 * The exact GP's side of the hyperparameter search: −log q(y | X, θ) under the Laplace
 * approximation as the objective, on all rows or on a subsample. Its warm state is Newton's
 * first latent vector. Every evaluation moves `kernel`'s θ; the caller sets the chosen θ after
 * the search.
 */
export class LaplaceEvidence implements SearchProblem<LaplaceState, Float64Array> {
  readonly bounds: Array<[number, number]>;
  readonly rows: { readonly full: number; readonly subsample?: number };
  /** Newton iterations (= Cholesky factorisations) of every evaluation so far. */
  newtonIterations = 0;
  readonly #kernel: ConstantRbfKernel;
  readonly #x: DenseMatrix;
  readonly #y: Uint8Array;
  readonly #sub: { readonly x: DenseMatrix; readonly y: Uint8Array } | undefined;
  readonly #warmStart: boolean;

  /**
   * @param subsample row indices of the coarse stage (see `subsampleRows`), or undefined for none
   * @param warmStart start each Newton search near the new mode (docs/ml.md, section 2, item 1)
   */
  constructor(kernel: ConstantRbfKernel, x: DenseMatrix, y: Uint8Array, options: { readonly subsample?: ArrayLike<number>; readonly warmStart: boolean }) {
    this.#kernel = kernel;
    this.#x = x;
    this.#y = y;
    this.#warmStart = options.warmStart;
    const { subsample } = options;
    this.#sub = subsample && { x: takeRows(x, subsample), y: Uint8Array.from(subsample, (i) => y[i]) };
    this.bounds = kernel.logBounds;
    this.rows = { full: x.rows, subsample: this.#sub?.x.rows };
  }

  /**
   * Newton's start on all rows from the subsample model at its best θ: its latent mean at every
   * row, f₀(x_r) = k_m(x_r)ᵀ (y_m − π_m).
   */
  carryOver(best: SearchRun<LaplaceState>): Float64Array {
    const { x: xs, y: ys } = this.#sub!;
    const kernel = this.#kernel;
    kernel.theta = best.best.theta;
    const { pi } = best.best.state;
    const residual = Float64Array.from(ys, (yi, i) => yi - pi[i]);
    const x = this.#x;
    const latent = new Float64Array(x.rows);
    const w = kernel.inverseSquaredScales();
    const kStar = new Float64Array(xs.rows);
    for (let r = 0; r < x.rows; r++) {
      kernel.crossRow(xs, row(x, r), kStar, w);
      latent[r] = dot(kStar, 0, residual, 0, xs.rows);
    }
    return latent;
  }

  objective(stage: Stage, from: StartPoint<Float64Array>): StageObjective<LaplaceState> {
    const { x, y } = stage === 'subsample' ? this.#sub! : { x: this.#x, y: this.#y };
    const kernel = this.#kernel;
    const warmStart = this.#warmStart;
    let lastMode: Float64Array | undefined = warmStart ? from.warm : undefined;
    let best: { theta: Float64Array; state: LaplaceState } | undefined;
    // Two buffers for the Cholesky factor: one may belong to the best state so far, the other
    // takes each new evaluation. K is rebuilt in place: its gradient is taken before the next
    // evaluation. Without reuse, n×n buffers pile up faster than the collector frees them.
    const n = x.rows;
    const factors = [allocateMatrix(n), allocateMatrix(n)];
    const k = new Float64Array(n * n);
    // Newton's start: the mode at the last point whose gradient is known, moved to first order
    // along ∂f̂/∂θ (which the gradient yields for free), so a nearby θ converges in two or three
    // steps; before the first gradient, the last mode (or the caller's latent start).
    let anchor: { theta: Float64Array; mode: Float64Array; derivatives: Float64Array[] } | undefined;
    const predictedMode = (theta: Float64Array): Float64Array | undefined => {
      if (!warmStart) return undefined;
      if (!anchor) return lastMode;
      const f = anchor.mode.slice();
      anchor.derivatives.forEach((d, m) => {
        const step = theta[m] - anchor!.theta[m];
        for (let i = 0; i < n; i++) f[i] += step * d[i];
      });
      return f;
    };
    return {
      evaluate: (theta) => {
        kernel.theta = theta;
        kernel.matrix(x, k);
        const workspace = factors.find((buffer) => buffer !== best?.state.cholB)!;
        let state = posteriorMode(k, y, { initialLatent: predictedMode(theta), workspace });
        this.newtonIterations += state.iterations;
        if (warmStart && !state.converged) {
          // A warm start far from the new mode did not converge: fall back to f = 0.
          state = posteriorMode(k, y, { workspace });
          this.newtonIterations += state.iterations;
        }
        lastMode = state.mode;
        if (!best || state.logMarginalLikelihood > best.state.logMarginalLikelihood) best = { theta: theta.slice(), state };
        return {
          value: -state.logMarginalLikelihood,
          // Called before the next evaluation (the optimiser's contract), so K and the kernel's θ
          // are still this point's.
          gradient: () => {
            const { gradient, modeDerivatives } = logMarginalLikelihoodGradient(state, k, x, y, kernel);
            anchor = { theta: theta.slice(), mode: state.mode, derivatives: modeDerivatives };
            return gradient.map((g) => -g);
          },
        };
      },
      best: () => best!,
    };
  }
}
