import { describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../lambdas/core/ports/orchestrator.ts';
import { pipelineConfigSchema } from '../../../lambdas/core/steps/run-state.ts';
import { parsePipelineConfig, planTrainingRun, type StartEvent, startTraining } from '../../../lambdas/core/triggers/training-starts.ts';

const config = pipelineConfigSchema.parse({});

function upload(key: string, versionId = 'v1'): StartEvent {
  return {
    'detail-type': 'Object Created',
    source: 'aws.s3',
    time: '2026-11-26T10:15:00Z',
    detail: { bucket: { name: 'prognos-landing' }, object: { key, etag: 'abc', 'version-id': versionId } },
  };
}

const daily: StartEvent = { 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-11-27T03:00:00Z' };

/** Step Functions' behaviour that matters here: a name starts at most one execution. */
function recordingOrchestrator(): Orchestrator & { readonly starts: { name: string; input: unknown }[] } {
  const starts: { name: string; input: unknown }[] = [];
  return {
    starts,
    async start(name, input) {
      const started = !starts.some((s) => s.name === name);
      if (started) starts.push({ name, input });
      return { started, executionId: `arn:aws:states:us-east-1:123456789012:execution:training:${name}` };
    },
  };
}

describe('planTrainingRun', () => {
  it('an upload under landing/training/ is a refit of that file, named from bucket, key and version id', () => {
    const run = planTrainingRun(upload('landing/training/readings+2026.csv'), config)!;
    expect(run.name).toMatch(/^train-[0-9a-f]{24}$/);
    expect(run.input).toEqual({ runName: run.name, runDate: '2026-11-26', mode: 'refit', files: ['landing/training/readings 2026.csv'], config });
    expect(planTrainingRun(upload('landing/training/readings+2026.csv'), config)!.name).toBe(run.name);
    expect(planTrainingRun(upload('landing/training/readings+2026.csv', 'v2'), config)!.name).not.toBe(run.name);
  });

  it('the daily schedule is a full retrain named daily-YYYY-MM-DD over the lake', () => {
    expect(planTrainingRun(daily, config)).toEqual({
      name: 'daily-2026-11-27',
      input: { runName: 'daily-2026-11-27', runDate: '2026-11-27', mode: 'full', files: [], config },
    });
  });

  it('an upload elsewhere starts nothing', () => {
    expect(planTrainingRun(upload('landing/inference/batch.csv'), config)).toBeUndefined();
  });
});

describe('startTraining', () => {
  it('the same event twice starts one run, and the second is still a success', async () => {
    const orchestrator = recordingOrchestrator();
    const first = await startTraining(upload('landing/training/a.csv'), config, orchestrator);
    const second = await startTraining(upload('landing/training/a.csv'), config, orchestrator);
    expect(first).toMatchObject({ started: true, reason: 'started' });
    expect(second).toMatchObject({ name: first.name, started: false, reason: 'an execution with this name exists: duplicate event' });
    expect(orchestrator.starts).toHaveLength(1);
  });
});

describe('parsePipelineConfig', () => {
  it('defaults when unset, and names a bad field', () => {
    expect(parsePipelineConfig(undefined)).toEqual(config);
    expect(parsePipelineConfig('{"targetRecall":0.95}').targetRecall).toBe(0.95);
    expect(() => parsePipelineConfig('{"targetRecall":2}')).toThrow(/targetRecall/);
  });
});
