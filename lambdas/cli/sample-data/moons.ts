import { InvalidDataError } from '../../core/errors.ts';
import { denseMatrix } from '../../core/ml/dense.ts';
import { SeededRandom } from '../../core/ml/random.ts';
import type { NumericDataset } from '../../core/data/csv.ts';

/** Options of {@link makeMoons}. */
export interface MoonsOptions {
  /** Standard deviation of the Gaussian noise added to both coordinates. Default 0.25. */
  readonly noise?: number;
  /** Seed of the noise and the shuffle. */
  readonly seed: number;
}

/**
 * Two interleaving half circles, like scikit-learn's `make_moons(n, noise, shuffle=True)`:
 * ⌊n/2⌋ points on the upper half circle (cos t, sin t), label 0, and the rest on the lower one
 * (1 − cos t, 1 − sin t − 0.5), label 1, t evenly spaced over [0, π]; then rows are shuffled and
 * N(0, noise²) added to every coordinate. Same seed, same data (not the same numbers as numpy's).
 *
 * @param n number of rows, an integer ≥ 2 (so that both classes appear)
 * @returns features `x0, x1` and labels, as read from the reference `moons_N.csv` files
 */
export function makeMoons(n: number, options: MoonsOptions): NumericDataset {
  const noise = options.noise ?? 0.25;
  if (!Number.isInteger(n) || n < 2) throw new InvalidDataError(`makeMoons needs an integer n ≥ 2, got ${n}`);
  if (!(noise >= 0 && Number.isFinite(noise))) {
    throw new InvalidDataError(`makeMoons noise must be a finite number ≥ 0, got ${noise}`);
  }
  const rng = new SeededRandom(options.seed);
  const nOuter = Math.floor(n / 2);
  const nInner = n - nOuter;

  const points: { x0: number; x1: number; label: 0 | 1 }[] = [];
  for (let i = 0; i < nOuter; i++) {
    const t = linspacePi(i, nOuter);
    points.push({ x0: Math.cos(t), x1: Math.sin(t), label: 0 });
  }
  for (let i = 0; i < nInner; i++) {
    const t = linspacePi(i, nInner);
    points.push({ x0: 1 - Math.cos(t), x1: 1 - Math.sin(t) - 0.5, label: 1 });
  }
  rng.shuffle(points);

  const X = denseMatrix(n, 2);
  const y = new Uint8Array(n);
  points.forEach((p, i) => {
    X.data[2 * i] = p.x0 + rng.normal(0, noise);
    X.data[2 * i + 1] = p.x1 + rng.normal(0, noise);
    y[i] = p.label;
  });
  return { X, y, featureNames: ['x0', 'x1'] };
}

/** The i-th of `count` evenly spaced angles from 0 to π inclusive (numpy.linspace). */
function linspacePi(i: number, count: number): number {
  if (count === 1) return 0;
  return i === count - 1 ? Math.PI : i * (Math.PI / (count - 1));
}
