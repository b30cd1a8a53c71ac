import { linalgPool, MIN_PARALLEL_N } from '../parallel.ts';
import { accumulateChunks, chunkCount, type RowPass } from './elbo-rows.ts';
import { arenaLength, packPass, unpackPass } from './row-pass-arena.ts';

/**
 * Runs a pass over rows on every core: its chunks go to the linear-algebra pool's threads
 * (parallel.ts), which read the pass from one shared arena (row-pass-arena.ts). The chunks and
 * their order of summation are those of one thread, so the result is bitwise the same for any
 * number of threads (PROGNOS_THREADS=1 runs them here in a loop).
 */
export function runRowPass(pass: RowPass): void {
  const chunks = chunkCount(pass.n);
  const pool = chunks >= 2 ? linalgPool(MIN_PARALLEL_N) : undefined;
  if (!pool) {
    accumulateChunks(pass, 0, chunks);
    return;
  }
  const arena = pool.scratch('sparse-row-pass', arenaLength(pass));
  packPass(pass, arena);
  pool.rowChunks(arena, chunks);
  unpackPass(arena, pass);
}
