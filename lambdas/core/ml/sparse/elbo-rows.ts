import { isProduct, type KernelShape, KERNEL_SHAPES, profileOf, profileRatio } from '../kernel-shape.ts';
import { dot, solveLowerManyInPlace, solveLowerTransposedInPlace } from '../linalg.ts';
import { addAdditiveCross, type AdditiveScales, crossCovariance } from './cross-covariance.ts';
import { expectedLogSigmoid } from './expected-log-sigmoid.ts';

/**
 * The ELBO's sum over rows, one chunk of rows at a time (elbo.ts does the O(m³) rest).
 *
 * Rows fall into chunks of a size fixed by n alone; each chunk adds into its own block of
 * partial sums, and the caller adds the blocks in chunk order. So which thread computes a chunk,
 * and how many threads there are, never changes a bit of the result (parallel.ts runs the chunks
 * on every core; one thread runs the same code in a loop).
 *
 * Per row i, with a_i = L_m⁻¹ k(Z, x_i) and t = Lᵀ a_i:
 *   q(f_i) = N(μᵀ a_i, k(x_i, x_i) − ‖a_i‖² + ‖t‖²), E_i = E_q(f_i)[log σ(y±_i f_i)]
 * and the sums the ELBO and its gradients need: Σ E_i, Σ ∂E_i/∂m_i a_i, Σ ∂E_i/∂s_i a_i a_iᵀ and,
 * for θ and Z, p_i = L_m⁻ᵀ ∂E_i/∂a_i chained through k(Z, x_i).
 */

/** What to differentiate: nothing, q(v) only (for natural-gradient steps), or everything. */
export type GradientScope = 'none' | 'variational' | 'all';

/** Rows per chunk at least, and chunks at most: the partial sums stay O(64 m²) whatever n. */
const MIN_CHUNK_ROWS = 256;
const MAX_CHUNKS = 64;
/** Rows per block inside a chunk: a block of a_i (block × m doubles) and its transpose stay in cache. */
const BLOCK_ROWS = 128;
/** Floor of a marginal variance, which rounding can push to or below zero when q(f_i) is certain. */
const MIN_VARIANCE = 1e-12;

/** Rows per chunk for n rows: a multiple of BLOCK_ROWS, depending on n only. */
export function chunkRows(n: number): number {
  const rows = Math.max(MIN_CHUNK_ROWS, Math.ceil(n / MAX_CHUNKS));
  return Math.ceil(rows / BLOCK_ROWS) * BLOCK_ROWS;
}

export function chunkCount(n: number): number {
  return Math.max(1, Math.ceil(n / chunkRows(n)));
}

/** Where each sum sits in one chunk's block of partial sums. */
export interface PartialLayout {
  readonly ell: number;
  readonly gradLogConstant: number;
  readonly gradLogScales: number;
  readonly gradAddVariance: number;
  readonly gradAddScales: number;
  readonly meanStatistic: number;
  /** Σ b_i a_i a_iᵀ, lower triangle (row-major m × m). */
  readonly covStatistic: number;
  readonly gradInducing: number;
  /** Σ_i p_i a_iᵀ, m × m. */
  readonly pAt: number;
  readonly length: number;
}

export function partialLayout(m: number, d: number): PartialLayout {
  const gradLogScales = 2;
  const gradAddVariance = gradLogScales + d;
  const gradAddScales = gradAddVariance + d;
  const meanStatistic = gradAddScales + d;
  const covStatistic = meanStatistic + m;
  const gradInducing = covStatistic + m * m;
  const pAt = gradInducing + m * d;
  return { ell: 0, gradLogConstant: 1, gradLogScales, gradAddVariance, gradAddScales, meanStatistic, covStatistic, gradInducing, pAt, length: pAt + m * m };
}

/** Per-row outputs: the marginals of q(f_i) and the slopes of E_i. */
export interface MarginalRows {
  readonly mean: Float64Array;
  /** Variance of q(f_i): the part through u, a_iᵀ S a_i, plus the Nyström residual c − ‖a_i‖². */
  readonly variance: Float64Array;
  readonly residualVariance: Float64Array;
  readonly slope: Float64Array;
  readonly curvature: Float64Array;
}

/** Everything a pass over rows reads, the same in every thread. */
export interface RowPass {
  readonly n: number;
  readonly d: number;
  readonly m: number;
  readonly scope: GradientScope;
  /** Inputs where the kernel sees them (warped when the model has a warp), n × d. */
  readonly xs: Float64Array;
  /** Labels as 0/1. */
  readonly y: ArrayLike<number>;
  /** Inducing inputs where the kernel sees them, m × d. */
  readonly z: Float64Array;
  readonly shape: KernelShape;
  readonly constant: number;
  readonly priorVariance: number;
  readonly inverseSquared: Float64Array;
  readonly additive?: AdditiveScales;
  readonly mu: Float64Array;
  readonly chol: Float64Array;
  readonly cholKmm: Float64Array;
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
  /** A = L_m⁻¹ K(Z, X) when q(v) alone changes (never for scope 'all'). */
  readonly whitened?: Float64Array;
  /** Filled with A = L_m⁻¹ K(Z, X) when present (and A is not given): for the passes over q(v) alone that follow. */
  readonly keepWhitened?: Float64Array;
  /** Filled per row when present. */
  readonly rows?: MarginalRows;
  /** ∂ELBO/∂(kernel input) per row, n × d (scope 'all' with a warp). */
  readonly gradInputs?: Float64Array;
  /** chunkCount(n) blocks of partialLayout(m, d).length sums, each starting at zero. */
  readonly partials: Float64Array;
}

/** Adds chunks [from, to) of the pass into their blocks of `pass.partials`. */
export function accumulateChunks(pass: RowPass, from: number, to: number): void {
  const size = chunkRows(pass.n);
  const layout = partialLayout(pass.m, pass.d);
  for (let chunk = from; chunk < to; chunk++) {
    const start = chunk * size;
    accumulateRows(pass, start, Math.min(pass.n, start + size), layout, chunk * layout.length);
  }
}

/** Adds the sums of rows [first, last) into the block at `offset` of `pass.partials`. */
function accumulateRows(pass: RowPass, first: number, last: number, layout: PartialLayout, offset: number): void {
  const { d, m, xs, y, z, shape, constant: c, priorVariance, inverseSquared: w, additive, mu, chol, cholKmm, nodes, weights, rows, gradInputs } = pass;
  const out = pass.partials;
  const wantVariational = pass.scope !== 'none';
  const wantAll = pass.scope === 'all';
  const product = isProduct(shape);
  const profile = profileOf(shape);
  const addW = additive?.inverseSquared;
  const block = Math.min(BLOCK_ROWS, Math.max(last - first, 1));
  const kBlock = new Float64Array(block * m);
  // c · κ̃ per pair, the factor of the ℓ and Z gradients: the kernel values themselves for the RBF and the product shapes.
  const slopeBlock = wantAll && shape !== 'rbf' && !product ? new Float64Array(block * m) : kBlock;
  const aBlock = new Float64Array(block * m);
  const termBlock = additive && wantAll ? new Float64Array(block * m * d) : undefined;
  const aT = new Float64Array(m * block);
  const bAT = new Float64Array(m * block);
  const pT = new Float64Array(m * block);
  const t = new Float64Array(m);
  const g = new Float64Array(m);
  const quad = new Float64Array(3);
  const cached = wantAll ? undefined : pass.whitened;
  const meanAt = offset + layout.meanStatistic;
  const covAt = offset + layout.covStatistic;
  const inducingAt = offset + layout.gradInducing;
  const scalesAt = offset + layout.gradLogScales;
  const addVarianceAt = offset + layout.gradAddVariance;
  const addScalesAt = offset + layout.gradAddScales;
  const pAtAt = offset + layout.pAt;
  let ell = 0;
  let gradLogConstant = 0;

  for (let start = first; start < last; start += block) {
    const rowsHere = Math.min(block, last - start);
    if (cached) aBlock.set(cached.subarray(start * m, (start + rowsHere) * m));
    else {
      for (let r = 0; r < rowsHere; r++) crossCovariance(z, m, xs, (start + r) * d, d, c, w, kBlock, r * m, shape, wantAll ? slopeBlock : undefined);
      aBlock.set(kBlock.subarray(0, rowsHere * m));
      if (additive) for (let r = 0; r < rowsHere; r++) addAdditiveCross(z, m, xs, (start + r) * d, d, additive, aBlock, r * m, termBlock);
      solveLowerManyInPlace(cholKmm, m, aBlock, rowsHere);
      pass.keepWhitened?.set(aBlock.subarray(0, rowsHere * m), start * m);
    }
    for (let r = 0; r < rowsHere; r++) {
      const i = start + r;
      const ao = r * m;
      // t = Lᵀ a (row j of L scaled by a_j, added to the first j + 1 entries).
      t.fill(0);
      for (let j = 0; j < m; j++) {
        const aj = aBlock[ao + j];
        const lj = j * m;
        for (let k = 0; k <= j; k++) t[k] += chol[lj + k] * aj;
      }
      const mean = dot(mu, 0, aBlock, ao, m);
      const residualVariance = priorVariance - dot(aBlock, ao, aBlock, ao, m);
      const variance = Math.max(MIN_VARIANCE, residualVariance + dot(t, 0, t, 0, m));
      expectedLogSigmoid(y[i] === 1 ? 1 : -1, mean, variance, nodes, weights, quad);
      ell += quad[0];
      const slope = quad[1];
      const curvature = quad[2];
      if (rows) {
        rows.mean[i] = mean;
        rows.variance[i] = variance;
        rows.residualVariance[i] = Math.max(0, residualVariance);
        rows.slope[i] = slope;
        rows.curvature[i] = curvature;
      }
      if (!wantVariational) continue;
      for (let j = 0; j < m; j++) {
        const aj = aBlock[ao + j];
        out[meanAt + j] += slope * aj;
        aT[j * block + r] = aj;
        bAT[j * block + r] = curvature * aj;
      }
      if (!wantAll) continue;
      // g = ∂E_i/∂a_i = slope·μ + 2·curvature·(S − I) a_i, with S a = L t; then p = L_m⁻ᵀ g.
      for (let j = 0; j < m; j++) g[j] = slope * mu[j] + 2 * curvature * (dot(chol, j * m, t, 0, j + 1) - aBlock[ao + j]);
      solveLowerTransposedInPlace(cholKmm, m, g);
      // ∂/∂k(Z, x_i) = p: chain to log c, log ℓ and Z.
      gradLogConstant += c * curvature; // k(x_i, x_i) = c (+ Σ a_d)
      if (additive) for (let k = 0; k < d; k++) out[addVarianceAt + k] += additive.variance[k] * curvature;
      for (let j = 0; j < m; j++) {
        pT[j * block + r] = g[j];
        gradLogConstant += g[j] * kBlock[ao + j];
        const coef = g[j] * slopeBlock[ao + j];
        const zj = j * d;
        const xi = i * d;
        for (let k = 0; k < d; k++) {
          const diff = xs[xi + k] - z[zj + k];
          let u = coef * w[k] * diff;
          if (product) u *= profileRatio(profile, diff * diff * w[k]);
          out[inducingAt + zj + k] += u;
          out[scalesAt + k] += u * diff;
          if (gradInputs) gradInputs[xi + k] -= u;
        }
        if (!termBlock) continue;
        const at = (ao + j) * d;
        for (let k = 0; k < d; k++) {
          const gv = g[j] * termBlock[at + k];
          const diff = xs[xi + k] - z[zj + k];
          const u = gv * addW![k] * diff;
          out[addVarianceAt + k] += gv;
          out[inducingAt + zj + k] += u;
          out[addScalesAt + k] += u * diff;
          if (gradInputs) gradInputs[xi + k] -= u;
        }
      }
    }
    if (!wantVariational) continue;
    // Block sums as dot products over contiguous rows of the transposed block.
    for (let j = 0; j < m; j++) {
      for (let k = 0; k <= j; k++) out[covAt + j * m + k] += dot(bAT, j * block, aT, k * block, rowsHere);
    }
    if (wantAll) {
      for (let j = 0; j < m; j++) {
        for (let k = 0; k < m; k++) out[pAtAt + j * m + k] += dot(pT, j * block, aT, k * block, rowsHere);
      }
    }
  }
  out[offset + layout.ell] += ell;
  out[offset + layout.gradLogConstant] += gradLogConstant;
}

/** The chunks' partial sums added in chunk order into one block (the first). */
export function reducePartials(partials: Float64Array, chunks: number, length: number): Float64Array {
  const total = partials.slice(0, length);
  for (let chunk = 1; chunk < chunks; chunk++) {
    const at = chunk * length;
    for (let k = 0; k < length; k++) total[k] += partials[at + k];
  }
  return total;
}

/** Kernel shapes as the numbers a worker thread reads from shared memory. */
export function shapeCode(shape: KernelShape): number {
  return KERNEL_SHAPES.indexOf(shape);
}

export function shapeOfCode(code: number): KernelShape {
  const shape = KERNEL_SHAPES[code];
  if (shape === undefined) throw new RangeError(`unknown kernel shape code ${code}`);
  return shape;
}
