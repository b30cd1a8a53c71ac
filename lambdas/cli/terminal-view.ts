import type { RunEvent } from '../adapters/local/state-machine-runner.ts';
import type { StepProgress } from '../core/steps/context.ts';
import type { CliIo, TerminalInfo } from './io.ts';
import { liveView, stepPrinter } from './live-view.ts';

/**
 * `prognos run`'s view of a workflow on a terminal: each state that ends stays as a line
 * (`✓ Train  7.1 s`), and one status line below them is redrawn in place with the states in
 * progress, the seconds each has taken so far, and the fit's iteration and estimated time left
 * (`▸ Train 12 s · round 1 it 140 · ~20 s left`). When stderr is not a terminal the view is the
 * plain lines of live-view.ts, so a log or a pipe gets no control characters. NO_COLOR
 * (https://no-color.org) turns the colours off, not the redrawing.
 */

export interface RunView {
  readonly onEvent: (event: RunEvent) => void;
  readonly onProgress: (event: StepProgress) => void;
  /** Clears the status line and stops redrawing it. */
  close(): void;
}

const CLEAR_LINE = '\r\x1b[2K';
const COLORS = { green: 32, red: 31, yellow: 33, dim: 2 } as const;

/** What one state in progress shows. */
interface Running {
  readonly startedAt: number;
  fit?: string;
}

/**
 * The view for one run, on `io.terminal` (plain lines without one).
 * @param now clock in milliseconds (injectable for tests)
 */
export function runView(io: CliIo, now: () => number = Date.now): RunView {
  const terminal: TerminalInfo | undefined = io.terminal;
  if (terminal === undefined) {
    const onEvent = liveView(io);
    const onProgress = stepPrinter(io);
    return { onEvent, onProgress, close: () => undefined };
  }
  const paint = (color: keyof typeof COLORS, text: string) => (terminal.color ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text);
  const running = new Map<string, Running>();
  let status = '';

  const statusText = (): string => {
    const parts = [...running].map(([where, state]) => {
      const seconds = `${Math.floor((now() - state.startedAt) / 1000)} s`;
      return `▸ ${where} ${seconds}${state.fit ? ` · ${state.fit}` : ''}`;
    });
    const text = parts.join('   ');
    // One character short of the width: a full line would move the cursor to the next one.
    return text.length < terminal.columns ? text : `${text.slice(0, Math.max(0, terminal.columns - 2))}…`;
  };
  const redraw = () => {
    const next = statusText();
    if (next === status) return;
    status = next;
    io.err(`${CLEAR_LINE}${terminal.color ? paint('dim', status) : status}`);
  };
  /** A line that stays: written over the status line, which is drawn again below it. */
  const line = (text: string) => {
    io.err(`${CLEAR_LINE}${text}\n`);
    status = '';
    redraw();
  };
  // Seconds tick on while a state works; unref'd, so the timer never keeps the process alive.
  const timer = setInterval(redraw, 1000);
  timer.unref();

  return {
    onEvent(event) {
      if (event.state === undefined) return;
      const where = event.mapIndex === undefined ? event.state : `${event.state}[${event.mapIndex}]`;
      const shown = event.stateType === 'Task' || event.stateType === 'Map';
      switch (event.type) {
        case 'StateEntered':
          if (shown) running.set(where, { startedAt: now() });
          redraw();
          break;
        case 'StateSucceeded':
          running.delete(where);
          if (shown) line(`${paint('green', '✓')} ${where}  ${(event.durationMs / 1000).toFixed(1)} s`);
          else if (event.stateType === 'Succeed' || event.stateType === 'Fail') line(`■ ${where}`);
          break;
        case 'StateRetried':
          line(`${paint('yellow', '↻')} ${where}: ${event.error}, retrying`);
          break;
        case 'StateFailed':
          running.delete(where);
          line(`${paint('red', '✗')} ${where}: ${event.error}`);
          break;
        default:
          break;
      }
    },
    onProgress(event) {
      if (event.kind === 'message') {
        line(`  ${event.text}`);
        return;
      }
      // Progress comes from the Task in progress: the newest one entered.
      const state = [...running.values()].at(-1);
      if (state === undefined) return;
      if (event.kind === 'fit') {
        const left = event.remainingSeconds === undefined ? '' : ` · ~${Math.round(event.remainingSeconds)} s left`;
        state.fit = `round ${event.round} it ${event.iteration}${left}`;
      } else {
        state.fit = `${event.stage} start ${event.start} it ${event.iteration} lml ${event.logMarginalLikelihood.toFixed(2)}`;
      }
      redraw();
    },
    close() {
      clearInterval(timer);
      if (status !== '') io.err(CLEAR_LINE);
      status = '';
    },
  };
}
