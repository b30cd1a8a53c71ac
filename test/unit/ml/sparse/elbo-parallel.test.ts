import { describe, expect, it } from 'vitest';
import { choleskyInPlace } from '../../../../lambdas/core/ml/linalg.ts';
import { LinalgPool } from '../../../../lambdas/core/ml/parallel.ts';
import { SeededRandom } from '../../../../lambdas/core/ml/random.ts';
import { addAdditiveCross, crossCovariance } from '../../../../lambdas/core/ml/sparse/cross-covariance.ts';
import { accumulateChunks, chunkCount, chunkRows, type GradientScope, partialLayout, type RowPass } from '../../../../lambdas/core/ml/sparse/elbo-rows.ts';
import { gaussHermite } from '../../../../lambdas/core/ml/sparse/gauss-hermite.ts';
import { arenaLength, packPass, unpackPass } from '../../../../lambdas/core/ml/sparse/row-pass-arena.ts';

const [n, d, m] = [1_100, 4, 24];
const random = new SeededRandom(17);
const xs = Float64Array.from({ length: n * d }, () => random.normal());
const y = Uint8Array.from({ length: n }, (_, i) => (xs[i * d] - xs[i * d + 1] + 0.4 * random.normal() > 0.5 ? 1 : 0));
const z = Float64Array.from({ length: m * d }, () => random.normal());
const inverseSquared = Float64Array.from([0.8, 1.3, 0.5, 2]);
const additive = { variance: Float64Array.from([0.2, 0.1, 0.05, 0.3]), inverseSquared: Float64Array.from([1, 4, 0.25, 2]) };
const constant = 1.7;
const priorVariance = constant + additive.variance.reduce((s, v) => s + v, 0);
const kmm = new Float64Array(m * m);
for (let j = 0; j < m; j++) {
  crossCovariance(z, m, z, j * d, d, constant, inverseSquared, kmm, j * m);
  addAdditiveCross(z, m, z, j * d, d, additive, kmm, j * m);
  kmm[j * m + j] *= 1 + 1e-6;
}
const cholKmm = kmm.slice();
choleskyInPlace(cholKmm, m);
const chol = new Float64Array(m * m);
for (let j = 0; j < m; j++) for (let k = 0; k <= j; k++) chol[j * m + k] = j === k ? 0.4 + random.uniform() : 0.2 * random.normal();
const mu = Float64Array.from({ length: m }, () => random.normal());
const { nodes, weights } = gaussHermite(20);

function pass(scope: GradientScope): RowPass {
  return {
    n, d, m, scope, xs, y, z, shape: 'rbf', constant, priorVariance, inverseSquared, additive, mu, chol, cholKmm, nodes, weights,
    rows: { mean: new Float64Array(n), variance: new Float64Array(n), residualVariance: new Float64Array(n), slope: new Float64Array(n), curvature: new Float64Array(n) },
    gradInputs: new Float64Array(n * d),
    keepWhitened: new Float64Array(n * m),
    partials: new Float64Array(chunkCount(n) * partialLayout(m, d).length),
  };
}

const bytes = (v: Float64Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

describe('the ELBO row pass on every core', () => {
  it('keeps A = L_m⁻¹ K(Z, X) for the passes over q(v) alone, which then give the same bound', () => {
    const first = pass('variational');
    accumulateChunks(first, 0, chunkCount(n));
    const reuse = { ...pass('variational'), keepWhitened: undefined, whitened: first.keepWhitened };
    accumulateChunks(reuse, 0, chunkCount(n));
    expect(Buffer.compare(bytes(reuse.partials), bytes(first.partials))).toBe(0);
  });

  it('cuts rows into chunks that depend on n alone and cover every row once', () => {
    for (const rows of [1, 255, 256, 257, 2_000, 7_078, 100_000, 1_000_000]) {
      const size = chunkRows(rows);
      expect(size % 128).toBe(0);
      expect(chunkCount(rows)).toBeLessThanOrEqual(64);
      expect((chunkCount(rows) - 1) * size).toBeLessThan(rows);
      expect(chunkCount(rows) * size).toBeGreaterThanOrEqual(rows);
    }
  });

  it('gives bitwise the same sums, marginals and input gradients on 2, 3 and 5 threads as on one', () => {
    for (const scope of ['none', 'variational', 'all'] as const) {
      const serial = pass(scope);
      accumulateChunks(serial, 0, chunkCount(n));
      expect(serial.partials.some((v) => v !== 0)).toBe(true);
      expect(serial.keepWhitened!.every((v) => Number.isFinite(v)) && serial.keepWhitened!.some((v) => v !== 0)).toBe(true);
      for (const threads of [2, 3, 5]) {
        const pool = new LinalgPool(threads);
        try {
          // Twice on the same arena: the second pass must start from zeroed outputs.
          for (let round = 0; round < 2; round++) {
            // A travels beside the arena in its own shared buffer, written in place.
            const parallel = { ...pass(scope), keepWhitened: pool.allocate(n * m) };
            const arena = pool.scratch('row-pass', arenaLength(parallel));
            packPass(parallel, arena);
            pool.rowChunks(arena, chunkCount(n), parallel.keepWhitened);
            unpackPass(arena, parallel, parallel.keepWhitened);
            const label = `${scope}, ${threads} threads, round ${round}`;
            expect(Buffer.compare(bytes(parallel.partials), bytes(serial.partials)), label).toBe(0);
            expect(Buffer.compare(bytes(parallel.gradInputs!), bytes(serial.gradInputs!)), label).toBe(0);
            expect(Buffer.compare(bytes(parallel.keepWhitened!), bytes(serial.keepWhitened!)), `${label}: A`).toBe(0);
            for (const key of ['mean', 'variance', 'slope', 'curvature'] as const) {
              expect(Buffer.compare(bytes(parallel.rows![key]), bytes(serial.rows![key])), `${label}: ${key}`).toBe(0);
            }
          }
        } finally {
          pool.close();
        }
      }
    }
  });

  it('reads a given A in place on the pool: the same sums as one thread', () => {
    const first = pass('variational');
    accumulateChunks(first, 0, chunkCount(n));
    const pool = new LinalgPool(3);
    try {
      const shared = pool.allocate(n * m);
      shared.set(first.keepWhitened!);
      const reuse = { ...pass('variational'), keepWhitened: undefined, whitened: shared };
      const arena = pool.scratch('row-pass', arenaLength(reuse));
      packPass(reuse, arena);
      pool.rowChunks(arena, chunkCount(n), shared);
      unpackPass(arena, reuse, shared);
      expect(Buffer.compare(bytes(reuse.partials), bytes(first.partials))).toBe(0);
    } finally {
      pool.close();
    }
  });

  it('refuses an arena or an A outside shared memory', () => {
    const pool = new LinalgPool(2);
    try {
      expect(() => pool.rowChunks(new Float64Array(arenaLength(pass('none'))), chunkCount(n))).toThrow(TypeError);
      expect(() => pool.rowChunks(pool.allocate(arenaLength(pass('none'))), chunkCount(n), new Float64Array(n * m))).toThrow(TypeError);
    } finally {
      pool.close();
    }
  });
});
