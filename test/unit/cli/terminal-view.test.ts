import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../lambdas/adapters/local/state-machine-runner.ts';
import { type CliIo, terminalOf } from '../../../lambdas/cli/io.ts';
import { liveView, stepPrinter } from '../../../lambdas/cli/live-view.ts';
import { runView } from '../../../lambdas/cli/terminal-view.ts';
import type { StepProgress } from '../../../lambdas/core/steps/context.ts';

const ESC = String.fromCharCode(27);
const CLEAR_LINE = `\r${ESC}[2K`;

/** A fake stderr: what was written, and the screen it leaves (`\r` + erase line redraws the last line). */
function fakeTerminal(terminal?: CliIo['terminal']) {
  const written: string[] = [];
  const io: CliIo = { out: () => undefined, err: (text) => void written.push(text), terminal };
  const screen = () => {
    const lines = [''];
    for (const text of written) {
      for (const piece of text.split(new RegExp(`(\r${ESC}\\[2K|\n)`))) {
        if (piece === CLEAR_LINE) lines[lines.length - 1] = '';
        else if (piece === '\n') lines.push('');
        else lines[lines.length - 1] += piece;
      }
    }
    return lines;
  };
  return { io, written, screen };
}

let clock = 0;
const now = () => clock;
const at = (ms: number) => ms;

const trainEntered: RunEvent = { type: 'StateEntered', state: 'Train', stateType: 'Task', timestamp: at(0) };
const trainDone: RunEvent = { type: 'StateSucceeded', state: 'Train', stateType: 'Task', durationMs: 7100, timestamp: at(7100) };
const fit: StepProgress = { kind: 'fit', model: 'gpc-exact', round: 1, iteration: 140, objective: -123.4, elapsedSeconds: 3, remainingSeconds: 20.4 };

describe('the live view of prognos run', () => {
  it('on a terminal, redraws one status line: state, seconds so far, iteration, time left', () => {
    const { io, screen } = fakeTerminal({ columns: 100, color: false });
    clock = 0;
    const view = runView(io, now);
    view.onEvent({ type: 'StateEntered', state: 'SplitAndScale', stateType: 'Task', timestamp: 0 });
    view.onEvent({ type: 'StateSucceeded', state: 'SplitAndScale', stateType: 'Task', durationMs: 400, timestamp: 400 });
    view.onEvent(trainEntered);
    clock = 12_300;
    view.onProgress(fit);
    expect(screen()).toEqual(['✓ SplitAndScale  0.4 s', '▸ Train 12 s · round 1 it 140 · ~20 s left']);
    view.onProgress({ kind: 'message', text: 'exact GP on 300 rows' });
    expect(screen()).toEqual(['✓ SplitAndScale  0.4 s', '  exact GP on 300 rows', '▸ Train 12 s · round 1 it 140 · ~20 s left']);
    view.onEvent(trainDone);
    view.close();
    expect(screen()).toEqual(['✓ SplitAndScale  0.4 s', '  exact GP on 300 rows', '✓ Train  7.1 s', '']);
  });

  it('colours the marks, unless NO_COLOR is set', () => {
    const colored = fakeTerminal({ columns: 80, color: true });
    const view = runView(colored.io, now);
    view.onEvent(trainEntered);
    view.onEvent(trainDone);
    view.close();
    expect(colored.written.join('')).toContain(`${ESC}[32m✓${ESC}[0m Train  7.1 s`);
    expect(terminalOf({ isTTY: true, columns: 120 }, { NO_COLOR: '1' })).toEqual({ columns: 120, color: false });
    expect(terminalOf({ isTTY: true, columns: 120 }, {})).toEqual({ columns: 120, color: true });
    const noColor = fakeTerminal(terminalOf({ isTTY: true, columns: 80 }, { NO_COLOR: '1' }));
    const plainView = runView(noColor.io, now);
    plainView.onEvent(trainEntered);
    plainView.onProgress(fit);
    plainView.onEvent(trainDone);
    plainView.close();
    expect(noColor.written.join('')).not.toMatch(new RegExp(`${ESC}\\[\\d+m`));
  });

  it('cuts the status line to the width, so that it never wraps', () => {
    const { io, screen } = fakeTerminal({ columns: 20, color: false });
    clock = 0;
    const view = runView(io, now);
    view.onEvent(trainEntered);
    view.onProgress(fit);
    expect(screen().at(-1)!.length).toBeLessThan(20);
    expect(screen().at(-1)).toMatch(/…$/);
    view.close();
  });

  it('is the plain lines of live-view.ts when stderr is not a terminal (no control characters)', () => {
    const events: RunEvent[] = [trainEntered, { type: 'StateRetried', state: 'Train', stateType: 'Task', retry: 1, error: 'Busy', cause: '', timestamp: 1 }, trainDone];
    const viewed = fakeTerminal(undefined);
    const view = runView(viewed.io, now);
    const reference = fakeTerminal(undefined);
    const [onEvent, onProgress] = [liveView(reference.io), stepPrinter(reference.io)];
    for (const event of events) {
      view.onEvent(event);
      onEvent(event);
    }
    view.onProgress(fit);
    onProgress(fit);
    view.close();
    expect(viewed.written).toEqual(reference.written);
    expect(viewed.written.join('')).not.toContain(ESC);
    expect(terminalOf({ isTTY: false, columns: 80 }, {})).toBeUndefined();
  });
});
