import { chunkCount, type GradientScope, partialLayout, type RowPass, shapeCode, shapeOfCode } from './elbo-rows.ts';

/**
 * One pass over rows (elbo-rows.ts) laid out in one Float64Array, so that worker threads can read
 * it from shared memory: a header of sizes and flags, then every input, then the outputs. The
 * layout follows from the header alone; {@link arenaPass} gives each thread the same views. A =
 * L_m⁻¹K(Z, X) (n·m, the largest array, read or kept) is not copied in: it travels as its own
 * shared buffer beside the arena.
 */

const SCOPES: readonly GradientScope[] = ['none', 'variational', 'all'];

const Header = {
  N: 0,
  D: 1,
  M: 2,
  Scope: 3,
  Shape: 4,
  Additive: 5,
  Whitened: 6,
  Rows: 7,
  GradInputs: 8,
  Quadrature: 9,
  Constant: 10,
  PriorVariance: 11,
  KeepWhitened: 12,
  Length: 13,
} as const;

interface Flags {
  readonly n: number;
  readonly d: number;
  readonly m: number;
  readonly additive: boolean;
  readonly whitened: boolean;
  readonly keepWhitened: boolean;
  readonly rows: boolean;
  readonly gradInputs: boolean;
  readonly quadrature: number;
}

/** [name, length] of every section after the header, in order. */
function sections(f: Flags): Array<[string, number]> {
  const { n, d, m } = f;
  return [
    ['xs', n * d],
    ['y', n],
    ['z', m * d],
    ['inverseSquared', d],
    ['addVariance', f.additive ? d : 0],
    ['addInverseSquared', f.additive ? d : 0],
    ['mu', m],
    ['chol', m * m],
    ['cholKmm', m * m],
    ['nodes', f.quadrature],
    ['weights', f.quadrature],
    ['rows', f.rows ? 5 * n : 0],
    ['gradInputs', f.gradInputs ? n * d : 0],
    ['partials', chunkCount(n) * partialLayout(m, d).length],
  ];
}

function flagsOf(pass: RowPass): Flags {
  return {
    n: pass.n,
    d: pass.d,
    m: pass.m,
    additive: pass.additive !== undefined,
    whitened: pass.whitened !== undefined,
    keepWhitened: pass.keepWhitened !== undefined,
    rows: pass.rows !== undefined,
    gradInputs: pass.gradInputs !== undefined,
    quadrature: pass.nodes.length,
  };
}

/** Doubles an arena for this pass needs. */
export function arenaLength(pass: RowPass): number {
  return Header.Length + sections(flagsOf(pass)).reduce((t, [, length]) => t + length, 0);
}

function views(arena: Float64Array, f: Flags): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  let at = Header.Length;
  for (const [name, length] of sections(f)) {
    out[name] = arena.subarray(at, at + length);
    at += length;
  }
  return out;
}

/** Writes the pass's inputs into the arena (at least arenaLength(pass) long) and zeroes its outputs. */
export function packPass(pass: RowPass, arena: Float64Array): void {
  const f = flagsOf(pass);
  arena.set([f.n, f.d, f.m, SCOPES.indexOf(pass.scope), shapeCode(pass.shape), +f.additive, +f.whitened, +f.rows, +f.gradInputs, f.quadrature, pass.constant, pass.priorVariance, +f.keepWhitened]);
  const v = views(arena, f);
  v.xs.set(pass.xs.subarray(0, f.n * f.d));
  v.y.set(pass.y);
  v.z.set(pass.z);
  v.inverseSquared.set(pass.inverseSquared);
  if (pass.additive) {
    v.addVariance.set(pass.additive.variance);
    v.addInverseSquared.set(pass.additive.inverseSquared);
  }
  v.mu.set(pass.mu);
  v.chol.set(pass.chol);
  v.cholKmm.set(pass.cholKmm);
  v.nodes.set(pass.nodes);
  v.weights.set(pass.weights);
  v.rows.fill(0);
  v.gradInputs.fill(0);
  v.partials.fill(0);
}

/** The pass an arena holds, as views into it (what every thread computes on); `whitened`: the pass's A, read or kept. */
export function arenaPass(arena: Float64Array, whitened?: Float64Array): RowPass {
  const f: Flags = {
    n: arena[Header.N],
    d: arena[Header.D],
    m: arena[Header.M],
    additive: arena[Header.Additive] === 1,
    whitened: arena[Header.Whitened] === 1,
    keepWhitened: arena[Header.KeepWhitened] === 1,
    rows: arena[Header.Rows] === 1,
    gradInputs: arena[Header.GradInputs] === 1,
    quadrature: arena[Header.Quadrature],
  };
  const v = views(arena, f);
  const n = f.n;
  return {
    n,
    d: f.d,
    m: f.m,
    scope: SCOPES[arena[Header.Scope]],
    xs: v.xs,
    y: v.y,
    z: v.z,
    shape: shapeOfCode(arena[Header.Shape]),
    constant: arena[Header.Constant],
    priorVariance: arena[Header.PriorVariance],
    inverseSquared: v.inverseSquared,
    ...(f.additive && { additive: { variance: v.addVariance, inverseSquared: v.addInverseSquared } }),
    mu: v.mu,
    chol: v.chol,
    cholKmm: v.cholKmm,
    nodes: v.nodes,
    weights: v.weights,
    ...(f.whitened && { whitened: whitenedOf(whitened, f) }),
    ...(f.keepWhitened && { keepWhitened: whitenedOf(whitened, f) }),
    ...(f.rows && {
      rows: {
        mean: v.rows.subarray(0, n),
        variance: v.rows.subarray(n, 2 * n),
        residualVariance: v.rows.subarray(2 * n, 3 * n),
        slope: v.rows.subarray(3 * n, 4 * n),
        curvature: v.rows.subarray(4 * n, 5 * n),
      },
    }),
    ...(f.gradInputs && { gradInputs: v.gradInputs }),
    partials: v.partials,
  };
}

function whitenedOf(whitened: Float64Array | undefined, f: Flags): Float64Array {
  if (!whitened || whitened.length < f.n * f.m) throw new RangeError(`a row pass over ${f.n} rows needs A of ${f.n}×${f.m} beside its arena`);
  return whitened.subarray(0, f.n * f.m);
}

/** Copies the outputs a pass computed in the arena back into the caller's arrays (A, kept, is already in its own buffer). */
export function unpackPass(arena: Float64Array, pass: RowPass, whitened?: Float64Array): void {
  const done = arenaPass(arena, whitened);
  pass.partials.set(done.partials);
  if (pass.gradInputs) pass.gradInputs.set(done.gradInputs!);
  if (pass.rows) {
    for (const key of ['mean', 'variance', 'residualVariance', 'slope', 'curvature'] as const) pass.rows[key].set(done.rows![key]);
  }
}
