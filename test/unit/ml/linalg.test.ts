import { availableParallelism } from 'node:os';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { NotPositiveDefiniteError } from '../../../lambdas/core/errors.ts';
import {
  choleskyInPlace,
  choSolveInPlace,
  inverseDiagonalFromCholesky,
  inverseFromCholesky,
  matVec,
  solveLowerInPlace,
  solveLowerManyInPlace,
  solveLowerTransposedInPlace,
  sumLogDiagonal,
} from '../../../lambdas/core/ml/linalg.ts';
import { LinalgPool, linalgPool, MIN_PARALLEL_N, poolThreads } from '../../../lambdas/core/ml/parallel.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';

/** A random SPD matrix A = G Gᵀ + n I, symmetric to the last bit. */
function randomSpd(n: number, seed: number): Float64Array {
  const random = new SeededRandom(seed);
  const g = Float64Array.from({ length: n * n }, () => random.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[i * n + k] * g[j * n + k];
      a[i * n + j] = s + (i === j ? n : 0);
      a[j * n + i] = a[i * n + j];
    }
  }
  return a;
}

const toRows = (a: Float64Array, n: number) => Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));

describe('dense linear algebra', () => {
  // Odd and even sizes: the kernels handle rows in pairs.
  for (const n of [1, 2, 7, 64, 129]) {
    it(`Cholesky, solves and inverse agree with ml-matrix and with A at n = ${n}`, () => {
      const a = randomSpd(n, n);
      const l = a.slice();
      choleskyInPlace(l, n);
      const reference = new CholeskyDecomposition(new Matrix(toRows(a, n))).lowerTriangularMatrix;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) expect(Math.abs(l[i * n + j] - reference.get(i, j))).toBeLessThan(1e-10 * Math.sqrt(n));
      }
      const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
      const x = b.slice();
      choSolveInPlace(l, n, x);
      const ax = matVec(a, n, x);
      for (let i = 0; i < n; i++) expect(Math.abs(ax[i] - b[i])).toBeLessThan(1e-10);

      const y = b.slice();
      solveLowerInPlace(l, n, y);
      solveLowerTransposedInPlace(l, n, y);
      expect(Array.from(y)).toEqual(Array.from(x));

      const { inverse, diagonal } = inverseFromCholesky(l, n);
      for (let i = 0; i < n; i++) {
        expect(diagonal[i]).toBe(inverse[i * n + i]);
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k] * inverse[k * n + j];
          expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-10);
          expect(inverse[i * n + j]).toBe(inverse[j * n + i]);
        }
      }
      const logDet = reference.diagonal().reduce((s: number, v: number) => s + Math.log(v), 0);
      expect(sumLogDiagonal(l, n)).toBeCloseTo(logDet, 9);
    });
  }

  it('rejects a matrix that is not positive definite with a clear error, never NaN', () => {
    const a = Float64Array.from([4, 2, 2, 1]); // singular: second pivot is 0
    expect(() => choleskyInPlace(a.slice(), 2)).toThrow(NotPositiveDefiniteError);
    expect(() => choleskyInPlace(a.slice(), 2)).toThrow(/not positive definite: pivot 1 is 0/);
    const negative = Float64Array.from([1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(() => choleskyInPlace(negative, 3)).toThrow(/pivot 1 is -1/);
    const withNaN = Float64Array.from([1, Number.NaN, Number.NaN, 1]);
    expect(() => choleskyInPlace(withNaN, 2)).toThrow(NotPositiveDefiniteError);
  });
});

describe('row-parallel passes on the second core', () => {
  for (const n of [400, 417]) {
    it(`give bitwise the same Cholesky factor and inverse as one thread at n = ${n}`, () => {
      const pool = linalgPool(n);
      expect(pool, 'this machine should offer a second core (PROGNOS_THREADS unset)').toBeDefined();
      const a = randomSpd(n, 100 + n);
      const serial = a.slice();
      choleskyInPlace(serial, n);
      const shared = pool!.allocate(n * n);
      shared.set(a);
      choleskyInPlace(shared, n, pool);
      expect(Buffer.compare(Buffer.from(shared.buffer, 0, n * n * 8), Buffer.from(serial.buffer))).toBe(0);

      const one = inverseFromCholesky(serial, n);
      // The diagonal alone sums in another order than the full inverse: equal to rounding.
      const diagonal = inverseDiagonalFromCholesky(serial, n);
      one.diagonal.forEach((d, i) => expect(Math.abs(diagonal[i] - d)).toBeLessThan(1e-14 * d));
      expect(Array.from(inverseDiagonalFromCholesky(shared, n, pool))).toEqual(Array.from(diagonal));
      // Not shared: the pool must fall back to this thread rather than hand the worker a copy.
      expect(Array.from(inverseDiagonalFromCholesky(serial, n, pool))).toEqual(Array.from(diagonal));
      const two = inverseFromCholesky(shared, n, pool);
      expect(Array.from(two.inverse)).toEqual(Array.from(one.inverse));
      expect(Array.from(two.diagonal)).toEqual(Array.from(one.diagonal));
    });
  }

  it('stays single-threaded for small matrices', () => {
    expect(linalgPool(MIN_PARALLEL_N - 1)).toBeUndefined();
  });
});

describe('a pool of any size', () => {
  it('gives bitwise the factor and inverse of one thread with 2 and 3 threads', () => {
    const n = 450;
    const a = randomSpd(n, 31);
    const serial = a.slice();
    choleskyInPlace(serial, n);
    const one = inverseFromCholesky(serial, n);
    const bytes = (v: Float64Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    for (const threads of [2, 3]) {
      const pool = new LinalgPool(threads);
      try {
        expect(pool.threads).toBe(threads);
        const shared = pool.allocate(n * n);
        shared.set(a);
        choleskyInPlace(shared, n, pool);
        expect(Buffer.compare(bytes(shared), bytes(serial)), `${threads} threads: Cholesky`).toBe(0);
        // Several passes in a row: the join/close protocol must hand each pass over cleanly.
        for (let round = 0; round < 3; round++) {
          const many = inverseFromCholesky(shared, n, pool);
          expect(Buffer.compare(bytes(many.inverse), bytes(one.inverse)), `${threads} threads: inverse, round ${round}`).toBe(0);
        }
      } finally {
        pool.close();
      }
    }
  });

  it('sizes itself from PROGNOS_THREADS, else every core, and rejects nonsense', () => {
    expect(poolThreads({ PROGNOS_THREADS: '3' })).toBe(3);
    expect(poolThreads({ PROGNOS_THREADS: '1' })).toBe(1);
    expect(poolThreads({})).toBe(Math.min(availableParallelism(), 64));
    expect(() => poolThreads({ PROGNOS_THREADS: 'many' })).toThrow(/PROGNOS_THREADS must be a positive integer, got "many"/);
    expect(() => new LinalgPool(1)).toThrow(RangeError);
  });
});

describe('solveLowerManyInPlace', () => {
  const factor = (n: number, seed: number): Float64Array => {
    const a = new Float64Array(n * n);
    const rng = new SeededRandom(seed);
    const g = Float64Array.from({ length: n * n }, () => rng.next() - 0.5);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = i === j ? n : 0;
        for (let k = 0; k < n; k++) s += g[i * n + k]! * g[j * n + k]!;
        a[i * n + j] = s;
      }
    }
    choleskyInPlace(a, n);
    return a;
  };

  // n = 37 and 38 leave one and two rows after the blocks of four; m = 5 has an odd right-hand side.
  it.each([37, 38, 40, 3])('solves each of m right-hand sides as solveLowerInPlace does, to rounding (n = %i)', (n) => {
    const a = factor(n, 7);
    const m = 5;
    const rng = new SeededRandom(11);
    const b = Float64Array.from({ length: m * n }, () => rng.next() - 0.5);
    const many = b.slice();
    solveLowerManyInPlace(a, n, many, m);
    for (let j = 0; j < m; j++) {
      const one = b.slice(j * n, (j + 1) * n);
      solveLowerInPlace(a, n, one);
      for (let i = 0; i < n; i++) expect(many[j * n + i]).toBeCloseTo(one[i]!, 12);
      // And it really solves L x = b.
      for (let i = 0; i < n; i++) {
        let lx = 0;
        for (let k = 0; k <= i; k++) lx += a[i * n + k]! * many[j * n + k]!;
        expect(lx).toBeCloseTo(b[j * n + i]!, 10);
      }
    }
  });

  it('gives a right-hand side bitwise the same result whatever m and its place among them', () => {
    const n = 41;
    const a = factor(n, 3);
    const m = 7;
    const rng = new SeededRandom(5);
    const b = Float64Array.from({ length: m * n }, () => rng.next() - 0.5);
    const all = b.slice();
    solveLowerManyInPlace(a, n, all, m);
    for (let j = 0; j < m; j++) {
      const alone = b.slice(j * n, (j + 1) * n);
      solveLowerManyInPlace(a, n, alone, 1);
      expect(Array.from(all.subarray(j * n, (j + 1) * n))).toEqual(Array.from(alone));
    }
  });
});
