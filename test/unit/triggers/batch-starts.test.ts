import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import type { Orchestrator } from '../../../lambdas/core/ports/orchestrator.ts';
import { batchConfigSchema } from '../../../lambdas/core/steps/batch/batch-state.ts';
import { parseBatchConfig, startBatch } from '../../../lambdas/core/triggers/batch-starts.ts';

const config = batchConfigSchema.parse({});

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

describe('startBatch', () => {
  let root: string;
  let store: FsObjectStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-batch-start-'));
    store = new FsObjectStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('starts one batch over everything under landing/inference/, however many events arrive', async () => {
    await store.put('landing/inference/a.csv', 'UDI\n1\n');
    await store.put('landing/inference/b.csv', 'UDI\n2\n');
    await store.put('landing/training/not-this.csv', 'UDI\n3\n');
    const orchestrator = recordingOrchestrator();
    const first = await startBatch(store, config, orchestrator);
    const second = await startBatch(store, config, orchestrator);
    expect(first).toMatchObject({ started: true });
    expect(first.name).toMatch(/^infer-[0-9a-f]{24}$/);
    expect(second).toMatchObject({ name: first.name, started: false });
    expect(orchestrator.starts).toEqual([{ name: first.name, input: { batchName: first.name, config } }]);

    await store.put('landing/inference/c.csv', 'UDI\n4\n');
    const third = await startBatch(store, config, orchestrator);
    expect(third.started).toBe(true);
    expect(third.name).not.toBe(first.name);
  });

  it('starts nothing when there is nothing to score', async () => {
    expect(await startBatch(store, config, recordingOrchestrator())).toMatchObject({ name: null, started: false });
  });

  it('reads BATCH_CONFIG with defaults and names a bad field', () => {
    expect(parseBatchConfig(undefined)).toEqual(config);
    expect(parseBatchConfig('{"retrainOnDrift":true}').retrainOnDrift).toBe(true);
    expect(() => parseBatchConfig('{"retrainCooldownHours":-1}')).toThrow(/retrainCooldownHours/);
  });
});
