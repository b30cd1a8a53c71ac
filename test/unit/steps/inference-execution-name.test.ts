import { describe, expect, it } from 'vitest';
import { driftRetrainExecutionName, type InputFile, inferenceExecutionName, trainingExecutionName } from '../../../lambdas/core/steps/execution-name.ts';

const files: InputFile[] = [
  { key: 'landing/inference/line-1.csv', fingerprint: '"3858f62230ac3c915f300c664312c63f"' },
  { key: 'landing/inference/line-2.csv', fingerprint: '"e3b0c44298fc1c149afbf4c8996fb924"' },
];

describe('inferenceExecutionName', () => {
  it('is infer-<24 hex>, the same for the same files in any order', () => {
    const name = inferenceExecutionName(files);
    expect(name).toMatch(/^infer-[0-9a-f]{24}$/);
    expect(inferenceExecutionName([files[1]!, files[0]!])).toBe(name);
  });

  it('changes with the content or the set of files', () => {
    const name = inferenceExecutionName(files);
    expect(inferenceExecutionName([files[0]!, { ...files[1]!, fingerprint: '"other"' }])).not.toBe(name);
    expect(inferenceExecutionName(files.slice(0, 1))).not.toBe(name);
  });

  it('shares the digest with training names: the same files give the same hex, told apart by the prefix', () => {
    expect(inferenceExecutionName(files).slice('infer-'.length)).toBe(trainingExecutionName(files).slice('train-'.length));
  });
});

describe('driftRetrainExecutionName', () => {
  it('is drift-<batch>, a valid Step Functions name', () => {
    const batch = inferenceExecutionName(files);
    expect(driftRetrainExecutionName(batch)).toBe(`drift-${batch}`);
    expect(driftRetrainExecutionName(batch)).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it('refuses a batch name that would make an invalid one', () => {
    expect(() => driftRetrainExecutionName('x'.repeat(75))).toThrow(RangeError);
    expect(() => driftRetrainExecutionName('a b')).toThrow(RangeError);
  });
});
