import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { localRunMeter } from '../../../lambdas/adapters/local/run-cost.ts';
import { objectStoreItemReader } from '../../../lambdas/adapters/local/distributed-map.ts';
import { readRunRecord, runStateMachine } from '../../../lambdas/adapters/local/state-machine-runner.ts';
import { costEstimateSchema, estimateCost, gbSeconds } from '../../../lambdas/core/cost/cost-model.ts';
import { LIST_PRICES } from '../../../lambdas/core/cost/prices.ts';
import type { QueryEngine } from '../../../lambdas/core/ports/query-engine.ts';

/** Two of training's Tasks (so the memory table prices them), the first retried once. */
const definition = {
  StartAt: 'Gate',
  States: {
    Gate: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${GateFunctionArn}', 'Payload.$': '$' },
      ResultSelector: { 'Payload.$': '$.Payload' },
      Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 1, MaxAttempts: 2 }],
      ResultPath: '$.gate',
      Next: 'Promote',
    },
    Promote: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${PromoteFunctionArn}', 'Payload.$': '$' },
      ResultSelector: { 'Payload.$': '$.Payload' },
      ResultPath: '$.promote',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

class TransientError extends Error {
  override readonly name = 'TransientError';
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prognos-run-cost-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('a run record carries its cost estimate', () => {
  it('prices the recorded states, the counted S3 requests and the estimated Athena bytes', async () => {
    const inner = new FsObjectStore(join(dir, 'home'));
    // 1,000 bytes of table data for the query to "scan", and one file that is not Parquet.
    await inner.put('lake/features/dt=2026-01-01/part-0.parquet', new Uint8Array(1000));
    await inner.put('lake/features/README.txt', 'not data');
    const engine: QueryEngine = { query: async () => [{ n: 1 }], close: async () => undefined };
    const meter = localRunMeter(inner, engine, 'lake/features/');
    let gateCalls = 0;
    const outcome = await runStateMachine({
      definition,
      handlers: {
        Gate: async () => {
          gateCalls += 1;
          if (gateCalls === 1) throw new TransientError('try again');
          await meter.store.put('models/v1/decision.json', '{}');
          await meter.store.head('models/v1/decision.json');
          return { ok: true };
        },
        Promote: async () => {
          await meter.queries.query('SELECT count(*) AS n FROM sensor_readings');
          await meter.store.list('models/');
          await meter.store.get('models/v1/decision.json');
          return { ok: true };
        },
      },
      input: {},
      executionName: 'cost-run',
      runsDir: join(dir, 'runs'),
      stateMachineName: 'training',
      retryIntervalOverrides: 0,
      estimateCost: (record) => meter.estimate(record),
    });
    expect(outcome.record.status).toBe('SUCCEEDED');
    const saved = await readRunRecord(join(dir, 'runs'), 'cost-run');
    const cost = costEstimateSchema.parse(saved?.cost);

    // Gate (1 + 1 retry) + Promote + Done
    expect(cost.stepFunctions.transitions).toBe(4);
    expect(cost.lambda.invocations).toBe(3);
    const [gate, promote] = saved!.states;
    const expectedGbs = gbSeconds([
      { state: 'Gate', memoryMb: 256, durationMs: gate!.durationMs, invocations: 2 },
      { state: 'Promote', memoryMb: 512, durationMs: promote!.durationMs, invocations: 1 },
    ]);
    expect(cost.lambda.gbSeconds).toBeCloseTo(expectedGbs, 12);
    // PUT + LIST; HEAD + GET (the meter's own listing of the table is not counted)
    expect(cost.s3).toMatchObject({ putCopyPostList: 2, getAndOther: 2 });
    expect(cost.athena).toMatchObject({ queries: 1, bytesScanned: 1000, bytesBilled: LIST_PRICES.athena.minimumBytesPerQuery, estimated: true });
    const again = estimateCost(
      {
        lambda: [
          { state: 'Gate', memoryMb: 256, durationMs: gate!.durationMs, invocations: 2 },
          { state: 'Promote', memoryMb: 512, durationMs: promote!.durationMs, invocations: 1 },
        ],
        stateTransitions: 4,
        athenaBytesScanned: [1000],
        athenaEstimated: true,
        s3: { putCopyPostList: 2, getAndOther: 2 },
      },
      LIST_PRICES,
    );
    expect(cost.totalUsd).toBeCloseTo(again.totalUsd, 15);
    expect(cost.pricesAsOf).toBe(LIST_PRICES.asOf);
  });

  it('leaves out the local stand-ins of a Distributed Map (ReadItems, the tolerance check, the iteration marks): AWS has no such states', async () => {
    const store = new FsObjectStore(join(dir, 'home'));
    await store.put('lake/manifest.json', JSON.stringify([{ Key: 'a' }, { Key: 'b' }]));
    const meter = localRunMeter(store, { query: async () => [], close: async () => undefined }, 'lake/features/');
    const batch = {
      StartAt: 'ScoreFiles',
      States: {
        ScoreFiles: {
          Type: 'Map',
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', Key: 'lake/manifest.json' } },
          ItemSelector: { 'key.$': '$$.Map.Item.Value.Key' },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'ScoreFile',
            States: { ScoreFile: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${ScoreFileFunctionArn}', 'Payload.$': '$' }, End: true } },
          },
          ToleratedFailurePercentage: 50,
          ResultPath: null,
          End: true,
        },
      },
    };
    const outcome = await runStateMachine({
      definition: batch,
      handlers: { ScoreFile: async () => ({}) },
      input: {},
      executionName: 'cost-batch',
      runsDir: join(dir, 'runs'),
      stateMachineName: 'batch-inference',
      itemReaders: objectStoreItemReader(meter.store),
      estimateCost: (record) => meter.estimate(record),
    });
    expect(outcome.record.status).toBe('SUCCEEDED');
    expect(outcome.record.states.map((s) => s.name)).toEqual(['ScoreFiles.ReadItems', 'ScoreFiles', 'ScoreFiles.ToleratedFailures']);
    const cost = costEstimateSchema.parse(outcome.record.cost);
    // The Map, and one ScoreFile per item: 3 transitions, 2 invocations, every Task priced.
    expect(cost.stepFunctions.transitions).toBe(3);
    expect(cost.lambda.invocations).toBe(2);
    expect(cost.unpricedTasks).toBeUndefined();
    // The ItemReader's GET of the manifest is on the bill, as in AWS.
    expect(cost.s3.getAndOther).toBe(1);
  });

  it('still records the run when the estimate fails', async () => {
    const outcome = await runStateMachine({
      definition,
      handlers: { Gate: async () => ({}), Promote: async () => ({}) },
      input: {},
      executionName: 'cost-fails',
      runsDir: join(dir, 'runs'),
      stateMachineName: 'training',
      estimateCost: async () => {
        throw new Error('no prices');
      },
    });
    expect(outcome.record.status).toBe('SUCCEEDED');
    expect((await readRunRecord(join(dir, 'runs'), 'cost-fails'))?.cost).toBeUndefined();
  });
});
