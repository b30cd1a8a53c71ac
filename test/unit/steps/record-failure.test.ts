import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promoteChampion } from '../../../lambdas/core/registry/champion.ts';
import { readJson } from '../../../lambdas/core/registry/model-store.ts';
import { failureMessage, recordFailure } from '../../../lambdas/core/steps/record-failure.ts';
import { createPipelineFixture, FIXED_NOW, type PipelineFixture, testVersion } from '../../support/pipeline-fixture.ts';
import { CHAMPION_KEY } from '../../../lambdas/core/storage-keys.ts';

describe('failureMessage', () => {
  it('takes errorMessage out of a Lambda error cause', () => {
    const cause = JSON.stringify({ errorType: 'InsufficientDataError', errorMessage: 'too few failures', trace: ['at x', 'at y'] });
    expect(failureMessage(cause)).toBe('too few failures');
  });

  it('keeps plain text, and JSON without a string errorMessage, as it is', () => {
    expect(failureMessage('disk full')).toBe('disk full');
    expect(failureMessage('{"errorMessage": 42}')).toBe('{"errorMessage": 42}');
    expect(failureMessage('[1, 2]')).toBe('[1, 2]');
    expect(failureMessage('')).toBe('');
  });
});

describe('RecordFailure', () => {
  let fx: PipelineFixture;
  beforeEach(async () => {
    fx = await createPipelineFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  it('writes lake/runs/<run>/failure.json with the message of a Lambda-style cause', async () => {
    const version = testVersion(5);
    const cause = JSON.stringify({ errorType: 'ArtifactError', errorMessage: `model ${version}: payload residual.f64 is corrupt` });
    const result = await recordFailure(
      { ...fx.runInput({ runName: 'train-abc' }), failure: { Error: 'ArtifactError', Cause: cause }, train: { version, mode: 'full' } },
      fx.context,
    );
    expect(result).toEqual({ key: 'lake/runs/train-abc/failure.json', error: 'ArtifactError', message: `model ${version}: payload residual.f64 is corrupt` });
    expect(await readJson(fx.store, result.key)).toEqual({
      runName: 'train-abc',
      error: 'ArtifactError',
      message: `model ${version}: payload residual.f64 is corrupt`,
      modelVersion: version,
      failedAt: FIXED_NOW.toISOString(),
      championUnchanged: true,
    });
    expect(fx.progress).toContainEqual({ kind: 'message', text: `run failed (ArtifactError): model ${version}: payload residual.f64 is corrupt` });
  });

  it('keeps a plain-text cause as the message, before any model exists', async () => {
    const result = await recordFailure({ runName: 'daily-2026-03-02', failure: { Error: 'States.Timeout', Cause: 'Task timed out after 900 seconds' } }, fx.context);
    expect(result.message).toBe('Task timed out after 900 seconds');
    expect(await readJson(fx.store, 'lake/runs/daily-2026-03-02/failure.json')).toMatchObject({
      error: 'States.Timeout',
      message: 'Task timed out after 900 seconds',
      modelVersion: null,
    });
  });

  it('defaults a failure without Error or Cause, and never touches the champion', async () => {
    const champion = testVersion(1);
    await promoteChampion(fx.store, champion, 'run-1', undefined, FIXED_NOW);
    const before = await fx.bytesOf(CHAMPION_KEY);
    const result = await recordFailure({ runName: 'run-2', failure: {} }, fx.context);
    expect(result).toEqual({ key: 'lake/runs/run-2/failure.json', error: 'Unknown', message: '' });
    expect(Buffer.compare(await fx.bytesOf(CHAMPION_KEY), before)).toBe(0);
  });

  it('refuses a run name Step Functions would not accept (it becomes part of a key)', async () => {
    await expect(recordFailure({ runName: '../escape', failure: {} }, fx.context)).rejects.toThrow(TypeError);
    expect(await fx.keys('lake/')).toEqual([]);
  });
});
