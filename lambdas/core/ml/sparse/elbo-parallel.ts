import { isShared, type LinalgPool, linalgPool, MIN_PARALLEL_N } from '../parallel.ts';
import { accumulateChunks, chunkCount, type RowPass } from './elbo-rows.ts';
import { arenaLength, packPass, unpackPass } from './row-pass-arena.ts';

/**
 * Runs a pass over rows on every core: its chunks go to the linear-algebra pool's threads
 * (parallel.ts), which read the pass from one shared arena (row-pass-arena.ts) and A from its own
 * shared buffer. The chunks and their order of summation are those of one thread, so the result is
 * bitwise the same for any number of threads (PROGNOS_THREADS=1 runs them here in a loop).
 */
export function runRowPass(pass: RowPass): void {
  const chunks = chunkCount(pass.n);
  const pool = rowPool(pass.n);
  if (!pool) {
    accumulateChunks(pass, 0, chunks);
    return;
  }
  const arena = pool.scratch('sparse-row-pass', arenaLength(pass));
  packPass(pass, arena);
  // A in shared memory as it is (see whitenedBuffer), else through a shared copy.
  const given = pass.whitened ?? pass.keepWhitened;
  const whitened = given && !isShared(given) ? pool.scratch(WHITENED, given.length) : given;
  if (pass.whitened && whitened !== pass.whitened) whitened!.set(pass.whitened);
  pool.rowChunks(arena, chunks, whitened);
  unpackPass(arena, pass, whitened);
  if (pass.keepWhitened && whitened !== pass.keepWhitened) pass.keepWhitened.set(whitened!);
}

const WHITENED = 'sparse-whitened';

/**
 * A buffer for the A = L_m⁻¹K(Z, X) an evaluation keeps: the pool's one shared buffer when the
 * passes run on every core (so they read it in place), else a plain array. The shared one is
 * reused: it holds the last kept A, until the next evaluation keeps one.
 */
export function whitenedBuffer(rows: number, m: number): Float64Array {
  const pool = rowPool(rows);
  return pool ? pool.scratch(WHITENED, rows * m) : new Float64Array(rows * m);
}

/** The pool a pass over this many rows runs on: none for a single chunk. */
function rowPool(rows: number): LinalgPool | undefined {
  return chunkCount(rows) >= 2 ? linalgPool(MIN_PARALLEL_N) : undefined;
}
