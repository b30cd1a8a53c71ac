import { describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../lambdas/core/ports/orchestrator.ts';
import { pipelineConfigSchema } from '../../../lambdas/core/steps/run-state.ts';
import { planTrainingRun, type StartEvent } from '../../../lambdas/core/triggers/training-starts.ts';
import { eventsOfQueue, isQueueEvent, planCoalescedRun, startCoalescedTraining } from '../../../lambdas/core/triggers/upload-window.ts';

const config = pipelineConfigSchema.parse({});

function upload(key: string, versionId: string, time = '2026-12-06T10:15:00Z'): StartEvent {
  return { 'detail-type': 'Object Created', source: 'aws.s3', time, detail: { bucket: { name: 'prognos-landing' }, object: { key, etag: 'e', 'version-id': versionId } } };
}

function queued(events: readonly unknown[]) {
  return { Records: events.map((event, i) => ({ messageId: `m${i}`, eventSource: 'aws:sqs' as const, body: JSON.stringify(event) })) };
}

function recordingOrchestrator(): Orchestrator & { readonly starts: { name: string; input: unknown }[] } {
  const starts: { name: string; input: unknown }[] = [];
  return {
    starts,
    async start(name, input) {
      const started = !starts.some((s) => s.name === name);
      if (started) starts.push({ name, input });
      return { started, executionId: name };
    },
  };
}

describe('an upload window starts one refit over its files', () => {
  it('a burst of uploads → one run over every CSV file, named from all of them, dated by the last', async () => {
    const events = [
      upload('landing/training/b.csv', 'v1', '2026-12-06T10:15:00Z'),
      upload('landing/training/a.csv', 'v1', '2026-12-06T23:59:30Z'),
      upload('landing/training/c.csv', 'v1', '2026-12-07T00:00:10Z'),
      upload('landing/training/folder/', 'v1'),
    ];
    const orchestrator = recordingOrchestrator();
    const outcome = await startCoalescedTraining(eventsOfQueue(queued(events)), config, orchestrator);
    expect(outcome).toMatchObject({ started: true, files: ['landing/training/a.csv', 'landing/training/b.csv', 'landing/training/c.csv'], ignored: ['landing/training/folder/ is a folder marker, not a file'] });
    expect(orchestrator.starts).toHaveLength(1);
    expect(orchestrator.starts[0].input).toEqual({ runName: outcome.name, runDate: '2026-12-07', mode: 'refit', files: outcome.files, config });
    // The order of arrival does not change the run.
    expect(planCoalescedRun([...events].reverse(), config).run?.name).toBe(outcome.name);
  });

  it('a redelivered window starts nothing new; a new version of a file is a new run', async () => {
    const orchestrator = recordingOrchestrator();
    const window = [upload('landing/training/a.csv', 'v1'), upload('landing/training/b.csv', 'v1')];
    const first = await startCoalescedTraining(window, config, orchestrator);
    const again = await startCoalescedTraining(window, config, orchestrator);
    expect(again).toMatchObject({ name: first.name, started: false, reason: 'an execution with this name exists: redelivered batch' });
    const next = await startCoalescedTraining([upload('landing/training/a.csv', 'v2')], config, orchestrator);
    expect(next.started).toBe(true);
    expect(next.name).not.toBe(first.name);
  });

  it('a file uploaded twice in the window trains once, in its latest version', () => {
    const plan = planCoalescedRun([upload('landing/training/a.csv', 'v2', '2026-12-06T10:16:00Z'), upload('landing/training/a.csv', 'v1', '2026-12-06T10:15:00Z')], config);
    expect(plan.run?.input.files).toEqual(['landing/training/a.csv']);
    expect(plan.run?.name).toBe(planCoalescedRun([upload('landing/training/a.csv', 'v2')], config).run?.name);
  });

  it('a window of one upload names its run as the single-event path does', () => {
    const event = upload('landing/training/my+readings.csv', 'v9');
    expect(planCoalescedRun([event], config).run).toEqual(planTrainingRun(event, config));
  });

  it('a window with no CSV file starts nothing and says why', async () => {
    const orchestrator = recordingOrchestrator();
    const outcome = await startCoalescedTraining([upload('landing/training/notes.txt', 'v1'), upload('landing/inference/x.csv', 'v1')], config, orchestrator);
    expect(outcome).toEqual({
      name: null,
      started: false,
      files: [],
      ignored: ['landing/training/notes.txt is not a .csv file', 'landing/inference/x.csv is not under landing/training/: nothing to train'],
      reason: 'no CSV file under landing/training/ in this window',
    });
    expect(orchestrator.starts).toEqual([]);
  });

  it('tells an SQS event from an EventBridge one, and refuses a message that is not an event, naming it', () => {
    expect(isQueueEvent(queued([upload('landing/training/a.csv', 'v1')]))).toBe(true);
    expect(isQueueEvent(upload('landing/training/a.csv', 'v1'))).toBe(false);
    expect(() => eventsOfQueue({ Records: [{ messageId: 'm7', eventSource: 'aws:sqs', body: 'not json' }] })).toThrow(new TypeError('queue message m7 is not JSON'));
    expect(() => eventsOfQueue(queued([{ hello: 'world' }]))).toThrow(/^queue message m0 is not an S3 "Object Created" or a scheduled event/);
  });
});
