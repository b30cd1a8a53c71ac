import { InvalidDataError } from '../errors.ts';
import { type DenseMatrix, takeRows } from './dense.ts';
import { SeededRandom } from './random.ts';

/**
 * Out-of-fold probabilities: the training rows as an unseen row looks to a model, for classifiers
 * that have no cheap leave-one-out (the challengers; the GP has its own). Stratified k-fold: each
 * class's rows are shuffled (seeded) and dealt to the folds in turn, so every fold holds its share
 * of the rare class; each fold is scored by a model fitted on the other folds. The decision
 * threshold is then chosen on these scores, as the GP's is on its leave-one-out ones — in-sample
 * scores of boosted trees are far too confident for that.
 */

/** What the scoring needs from a fitted classifier. */
export interface ProbabilityModel {
  predictProbability(x: DenseMatrix): Float64Array;
}

export interface OutOfFoldOptions {
  /** @default 5 */
  readonly folds?: number;
  /** Seeds the dealing of rows to folds. @default 0 */
  readonly seed?: number;
}

/** The fold (0 … folds − 1) of every row. */
export function stratifiedFolds(y: ArrayLike<number>, folds: number, seed: number): Uint32Array {
  if (!(Number.isInteger(folds) && folds >= 2)) throw new InvalidDataError(`folds must be an integer ≥ 2, got ${folds}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const members = byClass.get(y[i]);
    if (members) members.push(i);
    else byClass.set(y[i], [i]);
  }
  const fold = new Uint32Array(y.length);
  const rng = new SeededRandom(seed);
  let next = 0;
  // Classes in label order; the deal goes on from class to class so that folds end up equal in size.
  for (const [label, members] of [...byClass].sort((a, b) => a[0] - b[0])) {
    if (members.length < 2) {
      throw new InvalidDataError(`out-of-fold scores need at least 2 rows of every class; class ${label} has ${members.length}`);
    }
    for (const i of rng.shuffle(members)) fold[i] = next++ % folds;
  }
  return fold;
}

/**
 * P(class 1) for every row of x, each from a model fitted without that row's fold.
 * @param fit fits a model on the rows and 0/1 labels it is given
 * @throws InvalidDataError when folds < 2 or exceeds the rows, or a class has fewer than 2 rows
 */
export function outOfFoldProbability(x: DenseMatrix, y: ArrayLike<number>, fit: (x: DenseMatrix, y: Uint8Array) => ProbabilityModel, options: OutOfFoldOptions = {}): Float64Array {
  const folds = options.folds ?? 5;
  if (y.length !== x.rows) throw new InvalidDataError(`out-of-fold: ${x.rows} rows but ${y.length} labels`);
  if (folds > x.rows) throw new InvalidDataError(`out-of-fold: ${folds} folds for ${x.rows} rows`);
  const fold = stratifiedFolds(y, folds, options.seed ?? 0);
  const out = new Float64Array(x.rows);
  for (let k = 0; k < folds; k++) {
    const inFold: number[] = [];
    const rest: number[] = [];
    for (let i = 0; i < x.rows; i++) (fold[i] === k ? inFold : rest).push(i);
    const model = fit(takeRows(x, rest), Uint8Array.from(rest, (i) => y[i]));
    const proba = model.predictProbability(takeRows(x, inFold));
    inFold.forEach((i, r) => (out[i] = proba[r]));
  }
  return out;
}
