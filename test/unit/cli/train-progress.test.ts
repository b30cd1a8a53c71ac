import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../lambdas/adapters/local/state-machine-runner.ts';
import { formatFitStatus, stepPrinter } from '../../../lambdas/cli/live-view.ts';
import { summarize } from '../../../lambdas/cli/run.ts';

describe('the live view of Train rounds', () => {
  it('shows round, iteration, objective, elapsed seconds and the estimate of the time left', () => {
    expect(formatFitStatus({ kind: 'fit', model: 'gpc-sparse', round: 2, iteration: 140, objective: -1234.5, elapsedSeconds: 61.04, remainingSeconds: 119.6 })).toBe(
      'round  2  it  140  elbo  -1234.50    61.0 s  ~120 s left',
    );
    expect(formatFitStatus({ kind: 'fit', model: 'gpc-exact', round: 1, iteration: 12, objective: -138.54, elapsedSeconds: 7.9, remainingSeconds: 0 })).toBe(
      'round  1  it   12  lml    -138.54     7.9 s  ~0 s left',
    );
    // The Laplace sparse fit maximises its evidence, and says so.
    expect(formatFitStatus({ kind: 'fit', model: 'gpc-sparse', round: 1, iteration: 22, objective: -401.19, objectiveName: 'evidence', elapsedSeconds: 20.7 })).toBe(
      'round  1  it   22  evidence   -401.19    20.7 s',
    );
    // Before the first iteration there is no objective, and not every fit can estimate what is left.
    expect(formatFitStatus({ kind: 'fit', model: 'gpc-sparse', round: 1, iteration: 0, objective: Number.NaN, elapsedSeconds: 0 })).toBe('round  1  it    0  elbo         —     0.0 s');
  });

  it('prints each round line indented under the state lines, like the optimiser lines', () => {
    const lines: string[] = [];
    const print = stepPrinter({ out: () => undefined, err: (text: string) => lines.push(text) } as never);
    print({ kind: 'fit', model: 'gpc-sparse', round: 3, iteration: 7, objective: -1, elapsedSeconds: 1, remainingSeconds: 2 });
    expect(lines).toEqual(['  round  3  it    7  elbo     -1.00     1.0 s  ~2 s left\n']);
  });
});

describe('the run summary', () => {
  const record = (train: Record<string, unknown>): RunRecord =>
    ({ name: 'run-1', status: 'SUCCEEDED', output: { ingest: [], train: { version: 'v1', mode: 'full', fitSeconds: 12.25, ...train } } }) as unknown as RunRecord;

  it('says which model trained on how many rows of how many, in how many rounds, and why', () => {
    const text = summarize({ pathOf: (key) => key }, record({ round: 3, trainRows: 2800, trainRowsAvailable: 7078, modelReason: 'exact GP on a stratified sample of 2,800 of 7,078 training rows' }));
    expect(text).toMatch(/model\s+v1 \(full, fit 12\.3 s, 3 Train rounds\)/);
    expect(text).toMatch(/rows trained\s+2800 of 7078: exact GP on a stratified sample of 2,800 of 7,078 training rows/);
  });

  it('says how many holdout rows were scored of how many when config.maxHoldoutRows bound, and nothing more when it did not', () => {
    const withSplit = (split: Record<string, unknown>): RunRecord =>
      ({ name: 'run-1', status: 'SUCCEEDED', output: { ingest: [], trainingSet: { rows: 100_000, positives: 3400 }, split } }) as unknown as RunRecord;
    const capped = summarize({ pathOf: (key) => key }, withSplit({ trainRows: 70_000, holdoutRows: 3700, holdoutRowsAvailable: 30_000 }));
    expect(capped).toMatch(/training set\s+100000 rows, 3400 needing maintenance; 70000 train \/ 3700 of 30000 holdout scored \(config\.maxHoldoutRows\)/);
    const whole = summarize({ pathOf: (key) => key }, withSplit({ trainRows: 700, holdoutRows: 300, holdoutRowsAvailable: 300 }));
    expect(whole).toMatch(/training set\s+100000 rows, 3400 needing maintenance; 700 train \/ 300 holdout\n/);
    // Runs recorded before the cap have no holdoutRowsAvailable.
    expect(summarize({ pathOf: (key) => key }, withSplit({ trainRows: 700, holdoutRows: 300 }))).toMatch(/700 train \/ 300 holdout\n/);
  });

  it('reads runs recorded before Train said so', () => {
    const text = summarize({ pathOf: (key) => key }, record({}));
    expect(text).toMatch(/model\s+v1 \(full, fit 12\.3 s\)/);
    expect(text).not.toContain('rows trained');
  });
});
