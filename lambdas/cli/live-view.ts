import type { RunEvent } from '../adapters/local/state-machine-runner.ts';
import type { StepProgress } from '../core/steps/context.ts';
import type { CliIo } from './io.ts';
import { formatHyperparameters } from './progress.ts';

/**
 * What a command shows on stderr while a workflow runs locally: one line per Task or Map that
 * starts, ends, retries or fails (`▸ ScoreFile[2]`, `✓ ComputeDrift  0.1 s`), and the steps'
 * own progress lines, indented below them.
 */

/** One line per state change of the Tasks and Maps, and the end state. */
export function liveView(io: CliIo): (event: RunEvent) => void {
  return (event) => {
    const where = event.mapIndex === undefined ? event.state : `${event.state}[${event.mapIndex}]`;
    const shown = event.stateType === 'Task' || event.stateType === 'Map';
    switch (event.type) {
      case 'StateEntered':
        if (shown) io.err(`▸ ${where}\n`);
        break;
      case 'StateSucceeded':
        if (shown) io.err(`✓ ${where}  ${(event.durationMs / 1000).toFixed(1)} s\n`);
        else if (event.stateType === 'Succeed' || event.stateType === 'Fail') io.err(`■ ${where}\n`);
        break;
      case 'StateRetried':
        io.err(`↻ ${where}: ${event.error}, retrying\n`);
        break;
      case 'StateFailed':
        io.err(`✗ ${where}: ${event.error}\n`);
        break;
      default:
        break;
    }
  };
}

/** The steps' progress (messages, optimiser iterations, Train rounds), indented under the state lines. */
export function stepPrinter(io: CliIo): (event: StepProgress) => void {
  return (event) => {
    if (event.kind === 'message') io.err(`  ${event.text}\n`);
    else if (event.kind === 'fit') io.err(`  ${formatFitStatus(event)}\n`);
    else io.err(`  ${event.stage.padEnd(9)} start ${event.start}  it ${String(event.iteration).padStart(2)}  lml ${event.logMarginalLikelihood.toFixed(2).padStart(8)}  ${formatHyperparameters(event.theta)}\n`);
  };
}

/**
 * Where a Train round's fit stands, e.g. `round  2  it  140  elbo  -1234.50   61.0 s  ~120 s left`:
 * the round (one Train invocation), the fit's iteration, its objective (ELBO for the sparse GP,
 * log marginal likelihood for the exact one; higher is better), seconds of fitting so far, and
 * the fit's own estimate of the time left when it has one.
 */
export function formatFitStatus(event: Extract<StepProgress, { kind: 'fit' }>): string {
  const objective = `${event.objectiveName ?? (event.model === 'gpc-sparse' ? 'elbo' : 'lml ')} ${Number.isFinite(event.objective) ? event.objective.toFixed(2).padStart(9) : '—'.padStart(9)}`;
  const left = event.remainingSeconds === undefined ? '' : `  ~${Math.round(event.remainingSeconds)} s left`;
  return `round ${String(event.round).padStart(2)}  it ${String(event.iteration).padStart(4)}  ${objective}  ${event.elapsedSeconds.toFixed(1).padStart(6)} s${left}`;
}
