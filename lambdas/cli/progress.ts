import type { FitProgress } from '../core/ml/gpc.ts';

/**
 * One stderr line per optimiser iteration of a GP fit, e.g.
 *
 *   train  full       it  3  lml  -136.10  c=36.7 l=3.19    2.1 s
 *
 * stage (subsample / full), iteration, log marginal likelihood (higher is better), the kernel's
 * signal variance c and length scale(s) l in natural units, and seconds since the fit began.
 *
 * @param write receives each line, newline included
 * @param now clock in milliseconds (injectable for tests)
 */
export function fitProgressPrinter(write: (line: string) => void, now: () => number = () => performance.now()): (progress: FitProgress) => void {
  const started = now();
  return (progress) => {
    const seconds = `${((now() - started) / 1000).toFixed(1).padStart(6)} s`;
    if (progress.stage === 'start') {
      const restart = progress.start > 0 ? ` (restart ${progress.start})` : '';
      // Padded like the iteration lines below, so the columns line up.
      write(`train  ${'start'.padEnd(9)}  ${`${progress.rows} rows${restart}`.padEnd(19)}  ${formatHyperparameters(progress.theta).padEnd(16)}  ${seconds}\n`);
      return;
    }
    const iteration = `it ${String(progress.iteration).padStart(2)}`;
    const lml = `lml ${progress.logMarginalLikelihood.toFixed(2).padStart(8)}`;
    write(`train  ${progress.stage.padEnd(9)}  ${iteration}  ${lml}  ${formatHyperparameters(progress.theta).padEnd(16)}  ${seconds}\n`);
  };
}

/**
 * θ = [log c, log l…] as `c=36.7 l=3.19` (one length scale) or `c=36.7 l=[1.2, 0.8]` (one per
 * feature), three significant digits: natural units read better than logs.
 */
export function formatHyperparameters(theta: readonly number[]): string {
  const [c, ...scales] = theta.map((v) => significant(Math.exp(v)));
  const l = scales.length === 1 ? scales[0] : `[${scales.join(', ')}]`;
  return `c=${c} l=${l}`;
}

function significant(value: number): string {
  return String(Number(value.toPrecision(3)));
}
