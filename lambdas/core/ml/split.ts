import { InvalidDataError } from '../errors.ts';
import { SeededRandom } from './random.ts';

/** Options of {@link stratifiedSplit}. */
export interface SplitOptions {
  /** Share of each class that goes to the test set, strictly between 0 and 1. Default 0.3. */
  readonly testFraction?: number;
  /** Seed of the shuffle; equal seeds give equal splits. */
  readonly seed: number;
}

/** Row indices of the two parts of a split, each in shuffled order. */
export interface SplitIndices {
  readonly trainIndex: Uint32Array;
  readonly testIndex: Uint32Array;
}

/**
 * Stratified shuffle split: each class sends round(testFraction × its count) of its rows,
 * chosen at random, to the test set, clamped so that both parts keep at least one row of it.
 * Deterministic for a given seed; the rows of each part come out in shuffled order.
 *
 * @param y class label of every row (any finite numbers; typically 0/1)
 * @throws InvalidDataError when y is empty, has a non-finite label, has a single class or a class
 *   with fewer than 2 rows, or when testFraction is not in (0, 1)
 */
export function stratifiedSplit(y: ArrayLike<number>, options: SplitOptions): SplitIndices {
  const testFraction = options.testFraction ?? 0.3;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new InvalidDataError(`testFraction must be strictly between 0 and 1, got ${testFraction}`);
  }
  const classes = groupByClass(y);
  const rng = new SeededRandom(options.seed);

  const train: number[] = [];
  const test: number[] = [];
  for (const [, members] of classes) {
    rng.shuffle(members);
    const nTest = Math.min(members.length - 1, Math.max(1, Math.round(testFraction * members.length)));
    for (let k = 0; k < members.length; k++) (k < nTest ? test : train).push(members[k]);
  }
  // Classes were appended one after another; mix them so batches of rows are not sorted by class.
  return {
    trainIndex: rng.shuffle(Uint32Array.from(train)),
    testIndex: rng.shuffle(Uint32Array.from(test)),
  };
}

/** Row indices of each class, classes in ascending label order (so the split does not depend on row order of first appearance). */
function groupByClass(y: ArrayLike<number>): [number, number[]][] {
  if (y.length === 0) throw new InvalidDataError('cannot split: y is empty');
  const groups = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    if (!Number.isFinite(label)) {
      throw new InvalidDataError(`cannot split: label of row ${i} is ${label}; labels must be finite numbers`);
    }
    const members = groups.get(label);
    if (members) members.push(i);
    else groups.set(label, [i]);
  }
  if (groups.size < 2) {
    throw new InvalidDataError(
      `cannot split: every row has label ${[...groups.keys()][0]}; a stratified split needs at least two classes`,
    );
  }
  const sorted = [...groups].sort((a, b) => a[0] - b[0]);
  const tooSmall = sorted.filter(([, members]) => members.length < 2);
  if (tooSmall.length > 0) {
    const list = tooSmall.map(([label, members]) => `class ${label} has ${members.length} row`).join(', ');
    throw new InvalidDataError(
      `cannot split: ${list}; every class needs at least 2 rows to appear in both train and test`,
    );
  }
  return sorted;
}
