/**
 * scikit-learn 1.2.1's `StratifiedShuffleSplit(n_splits=1, test_size, random_state).split(X, y)`,
 * reproduced index for index, so the benchmark can compare against `sklearn-baseline.json` and
 * `gpc_reference.json` on the very same training rows.
 *
 * What has to match, in the order scikit-learn (model_selection/_split.py, `_iter_indices`) does it:
 *  1. `n_test = ceil(test_size * n)` for a fractional test size (an integer one is taken as is),
 *     `n_train = n - n_test`.
 *  2. `classes, y_indices = np.unique(y, return_inverse=True)`; the rows of each class, in ascending
 *     row order (`np.argsort(y_indices, kind="mergesort")` is stable).
 *  3. `rng = np.random.RandomState(random_state)` — numpy's legacy generator: MT19937 seeded with
 *     `init_genrand(seed)` for an integer seed (numpy's `_legacy_seeding` calls `mt19937_seed`, not
 *     `init_by_array`; checked against python: RandomState(5489) yields 3499211612 first, the
 *     reference MT19937 output).
 *  4. `n_i = _approximate_mode(class_counts, n_train, rng)`, then
 *     `t_i = _approximate_mode(class_counts - n_i, n_test, rng)`. Ties in the left-over fraction are
 *     broken by `rng.choice(inds, size, replace=False)`, which legacy RandomState implements as
 *     `permutation(len(inds))[:size]` — it draws from the rng even when every tied class is taken.
 *  5. For each class in label order: `rng.permutation(class_count)`; its first `n_i` rows go to
 *     train, the next `t_i` to test.
 *  6. `train = rng.permutation(train)`, `test = rng.permutation(test)`.
 *
 * Legacy `permutation`/`shuffle` is a Fisher–Yates shuffle from the end: for i = n-1 … 1, swap
 * element i with `random_interval(i)`, which draws 32-bit outputs (the range fits in 32 bits here),
 * masks them with the smallest all-ones mask covering i and rejects values above i.
 */

/** Options of {@link sklearnStratifiedShuffleSplit}. */
export interface SklearnSplitOptions {
  /**
   * Test-set size: a fraction in (0, 1) (scikit-learn's float `test_size`), or a whole number ≥ 1
   * taken as a row count (its int `test_size`). Default 0.3.
   */
  readonly testSize?: number;
  /** `random_state`: an integer seed in [0, 2³² − 1]. Default 99. */
  readonly randomState?: number;
}

/** Row indices of the one split, in scikit-learn's order (not sorted). */
export interface SklearnSplit {
  readonly trainIndex: Uint32Array;
  readonly testIndex: Uint32Array;
}

/**
 * Reproduces `StratifiedShuffleSplit(n_splits=1, test_size=testSize, random_state=randomState)
 * .split(X, y)` of scikit-learn 1.2.1 with numpy's legacy RandomState, bit for bit.
 * @param y class labels, one per row (any numbers; classes are the distinct values, sorted)
 * @throws RangeError on the inputs scikit-learn rejects (a class with fewer than 2 rows, a test or
 *   train set smaller than the number of classes, a bad test size or seed) and on NaN labels
 */
export function sklearnStratifiedShuffleSplit(y: ArrayLike<number>, options: SklearnSplitOptions = {}): SklearnSplit {
  const { testSize = 0.3, randomState = 99 } = options;
  const n = y.length;
  const { nTrain, nTest } = validateShuffleSplit(n, testSize);

  const { classIndices, classCounts } = groupByClass(y);
  const nClasses = classCounts.length;
  if (Math.min(...classCounts) < 2) {
    throw new RangeError(
      'The least populated class in y has only 1 member, which is too few. ' +
        'The minimum number of groups for any class cannot be less than 2.',
    );
  }
  if (nTrain < nClasses) {
    throw new RangeError(`The train_size = ${nTrain} should be greater or equal to the number of classes = ${nClasses}`);
  }
  if (nTest < nClasses) {
    throw new RangeError(`The test_size = ${nTest} should be greater or equal to the number of classes = ${nClasses}`);
  }

  const rng = new LegacyRandomState(randomState);
  const nI = approximateMode(classCounts, nTrain, rng);
  const tI = approximateMode(
    classCounts.map((count, i) => count - nI[i]),
    nTest,
    rng,
  );

  const train = new Uint32Array(nTrain);
  const test = new Uint32Array(nTest);
  let trainLength = 0;
  let testLength = 0;
  for (let c = 0; c < nClasses; c++) {
    const permutation = rng.permutation(classCounts[c]);
    const rows = classIndices[c];
    for (let k = 0; k < nI[c]; k++) train[trainLength++] = rows[permutation[k]];
    for (let k = nI[c]; k < nI[c] + tI[c]; k++) test[testLength++] = rows[permutation[k]];
  }
  // _approximate_mode's results sum to n_draws, so both arrays are exactly full.
  rng.shuffle(train);
  rng.shuffle(test);
  return { trainIndex: train, testIndex: test };
}

/** `_validate_shuffle_split` for `train_size=None`. */
function validateShuffleSplit(n: number, testSize: number): { nTrain: number; nTest: number } {
  let nTest: number;
  if (Number.isInteger(testSize) && testSize >= 1) {
    if (testSize >= n) {
      throw new RangeError(`test_size=${testSize} should be smaller than the number of samples ${n}`);
    }
    nTest = testSize;
  } else if (testSize > 0 && testSize < 1) {
    nTest = Math.ceil(testSize * n);
  } else {
    throw new RangeError(`test_size=${testSize} should be either a whole number ≥ 1 or a fraction in (0, 1)`);
  }
  const nTrain = n - nTest;
  if (nTrain <= 0) {
    throw new RangeError(`With n_samples=${n} and test_size=${testSize}, the resulting train set will be empty.`);
  }
  return { nTrain, nTest };
}

/** `np.unique(y, return_inverse=True)` + stable argsort + `np.split`: the rows of each class, ascending. */
function groupByClass(y: ArrayLike<number>): { classIndices: Uint32Array[]; classCounts: number[] } {
  const values = Array.from(y);
  if (values.some(Number.isNaN)) throw new RangeError('labels must not be NaN');
  const classes = [...new Set(values)].sort((a, b) => a - b);
  // -0 and 0 are one class in numpy (and in Set, which uses SameValueZero).
  const classOf = new Map(classes.map((value, c) => [value, c]));
  const classCounts = new Array<number>(classes.length).fill(0);
  for (const value of values) classCounts[classOf.get(value)!]++;
  const classIndices = classCounts.map((count) => new Uint32Array(count));
  const filled = new Array<number>(classes.length).fill(0);
  values.forEach((value, row) => {
    const c = classOf.get(value)!;
    classIndices[c][filled[c]++] = row;
  });
  return { classIndices, classCounts };
}

/**
 * sklearn.utils._approximate_mode: floor of each class's proportional share of `nDraws`, then one
 * more to the classes with the largest left-over fraction; ties broken with `rng.choice`.
 */
function approximateMode(classCounts: readonly number[], nDraws: number, rng: LegacyRandomState): number[] {
  const total = classCounts.reduce((sum, count) => sum + count, 0);
  // numpy: class_counts / class_counts.sum() * n_draws — divide first, then multiply (float64).
  const continuous = classCounts.map((count) => (count / total) * nDraws);
  const floored = continuous.map(Math.floor);
  let needToAdd = nDraws - floored.reduce((sum, value) => sum + value, 0);
  if (needToAdd > 0) {
    const remainder = continuous.map((value, i) => value - floored[i]);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds = remainder.flatMap((r, i) => (r === value ? [i] : []));
      const addNow = Math.min(inds.length, needToAdd);
      // Legacy RandomState.choice(a, size, replace=False, p=None) == a[permutation(len(a))[:size]].
      const chosen = rng.permutation(inds.length).subarray(0, addNow);
      for (const k of chosen) floored[inds[k]] += 1;
      needToAdd -= addNow;
      if (needToAdd === 0) break;
    }
  }
  return floored;
}

/**
 * The parts of numpy's legacy `RandomState` the split uses, on a 32-bit MT19937
 * (Matsumoto & Nishimura 1998, the reference `genrand_int32`). Every operation stays in unsigned
 * 32-bit integers: products with `Math.imul`, results brought back to [0, 2³²) with `>>> 0`.
 */
export class LegacyRandomState {
  private static readonly N = 624;
  private static readonly M = 397;
  private static readonly MATRIX_A = 0x9908b0df;
  private static readonly UPPER_MASK = 0x80000000;
  private static readonly LOWER_MASK = 0x7fffffff;

  private readonly mt = new Uint32Array(LegacyRandomState.N);
  private index = LegacyRandomState.N;

  /** `np.random.RandomState(seed)` for an integer seed: `init_genrand(seed)`. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`Seed must be between 0 and 2**32 - 1, got ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < LegacyRandomState.N; i++) {
      const prev = mt[i - 1];
      mt[i] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
    }
  }

  /** Next raw 32-bit output (`genrand_int32` / numpy's `next_uint32`), in [0, 2³²). */
  nextUint32(): number {
    if (this.index >= LegacyRandomState.N) this.generate();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * numpy's `random_interval(max)`: uniform integer in [0, max] by masked rejection sampling on
   * 32-bit outputs. Only ranges that fit in 32 bits are supported (numpy switches to 64-bit draws above).
   */
  interval(max: number): number {
    if (max === 0) return 0;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new RangeError(`interval: max must be an integer in [0, 2**32 - 1], got ${max}`);
    }
    let mask = max >>> 0;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /** Legacy `RandomState.shuffle` of a 1-d array, in place: Fisher–Yates from the last element. */
  shuffle(values: Uint32Array): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
  }

  /** Legacy `RandomState.permutation(n)`: `arange(n)` shuffled. */
  permutation(n: number): Uint32Array {
    const values = new Uint32Array(n);
    for (let i = 0; i < n; i++) values[i] = i;
    this.shuffle(values);
    return values;
  }

  /** One MT19937 "twist" of the whole state (numpy's `mt19937_gen`). */
  private generate(): void {
    const { N, M, MATRIX_A, UPPER_MASK, LOWER_MASK } = LegacyRandomState;
    const mt = this.mt;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.index = 0;
  }
}
