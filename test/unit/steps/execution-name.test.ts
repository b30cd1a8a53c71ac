import { describe, expect, it } from 'vitest';
import { canonicalJson, dailyExecutionName, type InputFile, trainingExecutionName } from '../../../lambdas/core/steps/execution-name.ts';
import { runName } from '../../../lambdas/core/steps/run-state.ts';

/** Step Functions: 1–80 characters of A–Z, a–z, 0–9, - and _. */
const STEP_FUNCTIONS_NAME = /^[A-Za-z0-9_-]{1,80}$/;

const files: InputFile[] = [
  { key: 'landing/training/2026/03/plant-a.csv', fingerprint: '3858f62230ac3c915f300c664312c63f' },
  { key: 'landing/training/2026/03/plant-b.csv', fingerprint: 'version-id-Xq1' },
  { key: 'landing/training/plant c (copy).csv', fingerprint: 'e3b0c44298fc1c149afbf4c8996fb924' },
];

describe('trainingExecutionName', () => {
  it('is the same for the same files in any order', () => {
    const name = trainingExecutionName(files);
    expect(trainingExecutionName([files[2], files[0], files[1]])).toBe(name);
    expect(trainingExecutionName([files[1], files[2], files[0]])).toBe(name);
    expect(name).toMatch(/^train-[0-9a-f]{24}$/);
  });

  it('changes when a fingerprint changes (new content under the same key)', () => {
    const changed = files.map((f, i) => (i === 1 ? { ...f, fingerprint: 'version-id-Xq2' } : f));
    expect(trainingExecutionName(changed)).not.toBe(trainingExecutionName(files));
  });

  it('changes when a file is added, removed or renamed', () => {
    const name = trainingExecutionName(files);
    expect(trainingExecutionName(files.slice(0, 2))).not.toBe(name);
    expect(trainingExecutionName([...files, { key: 'landing/training/d.csv', fingerprint: 'x' }])).not.toBe(name);
    expect(trainingExecutionName(files.map((f, i) => (i === 0 ? { ...f, key: `${f.key}.bak` } : f)))).not.toBe(name);
  });

  it('cannot be forged by moving text between key and fingerprint', () => {
    expect(trainingExecutionName([{ key: 'a', fingerprint: 'bc' }])).not.toBe(trainingExecutionName([{ key: 'ab', fingerprint: 'c' }]));
  });

  it('satisfies Step Functions’ naming rule, and the pipeline’s own run name schema', () => {
    for (const name of [trainingExecutionName(files), trainingExecutionName([]), dailyExecutionName('2026-03-02')]) {
      expect(name).toMatch(STEP_FUNCTIONS_NAME);
      expect(runName.safeParse(name).success).toBe(true);
    }
  });
});

describe('dailyExecutionName', () => {
  it('is daily-<date>, one per day', () => {
    expect(dailyExecutionName('2026-03-02')).toBe('daily-2026-03-02');
    expect(dailyExecutionName('2026-03-03')).not.toBe(dailyExecutionName('2026-03-02'));
  });

  it('refuses anything but YYYY-MM-DD', () => {
    for (const bad of ['2026-3-2', '2026-03-02T00:00:00Z', 'today', '']) {
      expect(() => dailyExecutionName(bad), bad).toThrow(RangeError);
    }
  });
});

describe('trainingExecutionName with the run settings', () => {
  const settings = { mode: 'full', config: { targetRecall: 0.9, holdoutFraction: 0.3 } };

  it('changes with the mode or the configuration, not with key order', () => {
    const name = trainingExecutionName(files, settings);
    expect(name).toMatch(/^train-[0-9a-f]{24}$/);
    expect(name).not.toBe(trainingExecutionName(files));
    expect(trainingExecutionName(files, { ...settings, mode: 'refit' })).not.toBe(name);
    expect(trainingExecutionName(files, { ...settings, config: { ...settings.config, targetRecall: 0.8 } })).not.toBe(name);
    expect(trainingExecutionName([...files].reverse(), { config: { holdoutFraction: 0.3, targetRecall: 0.9 }, mode: 'full' })).toBe(name);
  });

  it('writes settings as canonical JSON', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: null }], a: 'x', u: undefined })).toBe('{"a":"x","b":[1,{"c":null,"d":2}]}');
  });
});
