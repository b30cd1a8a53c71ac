import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AslDefinition, localStandIn, substitutePlaceholders } from '../../../lambdas/adapters/local/asl-definition.ts';
import { inlineDistributedMaps, type ItemReaderRequest, objectStoreItemReader, resolveReader, S3_GET_OBJECT, S3_LIST_OBJECTS_V2 } from '../../../lambdas/adapters/local/distributed-map.ts';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { redriveStateMachine, runStateMachine, StateMachineDefinitionError } from '../../../lambdas/adapters/local/state-machine-runner.ts';

/** A Distributed Map over an S3 listing, then a Task that sees the Map's results. */
function definition(map: Record<string, unknown> = {}): AslDefinition {
  return {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map',
        ItemReader: { Resource: S3_LIST_OBJECTS_V2, Parameters: { Bucket: '${LandingBucketName}', Prefix: 'landing/in/' } },
        ItemSelector: { 'key.$': '$$.Map.Item.Value.Key', 'etag.$': '$$.Map.Item.Value.Etag', 'tag.$': '$.tag' },
        MaxConcurrency: 2,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: '${WorkFunctionArn}', 'Payload.$': '$' },
              OutputPath: '$.Payload',
              TimeoutSeconds: 5,
              End: true,
            },
          },
        },
        ResultPath: '$.results',
        Next: 'After',
        ...map,
      },
      After: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${AfterFunctionArn}', 'Payload.$': '$' },
        ResultSelector: { 'Payload.$': '$.Payload' },
        ResultPath: '$.after',
        TimeoutSeconds: 5,
        End: true,
      },
    },
  };
}

describe('inlineDistributedMaps', () => {
  it('turns a Distributed Map into an inline Map over the context, read by a Task in front of it, and reports its reader', () => {
    const { definition: inlined, readers } = inlineDistributedMaps(definition());
    const fan = inlined.States.Fan;
    // Every way into the Map now goes through its ReadItems Task, which reads the items as the Map starts.
    expect(inlined.StartAt).toBe('Fan.ReadItems');
    expect(inlined.States['Fan.ReadItems']).toMatchObject({ Type: 'Task', Next: 'Fan' });
    expect(fan).not.toHaveProperty('ItemReader');
    expect(fan.ItemsPath).toBe('$$.PrognosLocalItems.Fan');
    expect((fan.ItemProcessor as unknown as { ProcessorConfig: unknown }).ProcessorConfig).toEqual({ Mode: 'INLINE' });
    // Everything else stays as written.
    expect(fan.ItemSelector).toEqual(definition().States.Fan.ItemSelector);
    expect(fan.ResultPath).toBe('$.results');
    expect(inlined.States.After).toEqual(definition().States.After);
    expect(readers).toEqual([{ state: 'Fan', resource: S3_LIST_OBJECTS_V2, parameters: { Bucket: '${LandingBucketName}', Prefix: 'landing/in/' } }]);
  });

  it('leaves a definition without a Distributed Map as it is', () => {
    const plain: AslDefinition = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };
    expect(inlineDistributedMaps(plain)).toEqual({ definition: plain, readers: [], handlers: {} });
  });

  it('keeps ReaderConfig.MaxItems for the reader', () => {
    const { readers } = inlineDistributedMaps(definition({ ItemReader: { Resource: S3_LIST_OBJECTS_V2, Parameters: { Prefix: 'p/' }, ReaderConfig: { MaxItems: 2 } } }));
    expect(readers[0]).toMatchObject({ maxItems: 2 });
  });

  it.each([
    ['an ItemBatcher', { ItemBatcher: { MaxItemsPerBatch: 10 } }, /ItemBatcher cannot run locally/],
    ['a ResultWriter whose results the state would read', { ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'p' } } }, /ResultWriter runs locally only with "ResultPath": null/],
    ['tolerated failures whose results the state would read', { ToleratedFailurePercentage: 5 }, /ToleratedFailurePercentage runs locally only with "ResultPath": null/],
    ['a tolerated failure count', { ToleratedFailureCount: 1, ResultPath: null }, /ToleratedFailureCount cannot run locally/],
    ['a percentage over 100', { ToleratedFailurePercentage: 101, ResultPath: null }, /from 0 to 100/],
    ['a reader Parameter given by a path it cannot follow', { ItemReader: { Resource: S3_LIST_OBJECTS_V2, Parameters: { Bucket: 'b', 'Prefix.$': '$.prefixes[0]' } } }, /Prefix\.\$ must be a path of the form/],
    ['a reader Parameter given by a context path', { ItemReader: { Resource: S3_LIST_OBJECTS_V2, Parameters: { Bucket: 'b', 'Prefix.$': '$$.Execution.Name' } } }, /Prefix\.\$ must be a path of the form/],
    ['both an ItemReader and ItemsPath', { ItemsPath: '$.items' }, /not both/],
  ])('refuses %s, which it cannot honour', (_what, extra, message) => {
    expect(() => inlineDistributedMaps(definition(extra))).toThrow(StateMachineDefinitionError);
    expect(() => inlineDistributedMaps(definition(extra))).toThrow(message);
  });

  it('sends every transition into the Map (Next, a Choice, a Catch) to its ReadItems Task', () => {
    const routed: AslDefinition = {
      StartAt: 'Pick',
      States: {
        Pick: { Type: 'Choice', Choices: [{ Variable: '$.go', BooleanEquals: true, Next: 'Fan' }], Default: 'Prep' },
        Prep: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Fan' }], Next: 'Fan' },
        Fan: definition().States.Fan,
        After: definition().States.After,
      },
    };
    const { definition: inlined } = inlineDistributedMaps(routed);
    expect(inlined.StartAt).toBe('Pick');
    expect(inlined.States.Pick).toMatchObject({ Choices: [{ Next: 'Fan.ReadItems' }], Default: 'Prep' });
    expect(inlined.States.Prep).toMatchObject({ Catch: [{ Next: 'Fan.ReadItems' }], Next: 'Fan.ReadItems' });
    expect(inlined.States.Fan.Next).toBe('After');
  });

  it('resolves reader paths against the Map input when the Map starts', () => {
    const spec: ItemReaderRequest = { state: 'Fan', resource: S3_GET_OBJECT, parameters: { Bucket: 'b', 'Key.$': '$.files.manifestKey' }, inputType: 'JSON' };
    expect(resolveReader(spec, { files: { manifestKey: 'lake/m.json' } })).toEqual({ ...spec, parameters: { Bucket: 'b', Key: 'lake/m.json' } });
    expect(() => resolveReader(spec, { files: {} })).toThrow(/Key\.\$ \(\$\.files\.manifestKey\) is not in the Map's input/);
  });

  it('refuses a Distributed Map nested in another Map', () => {
    const outer: AslDefinition = {
      StartAt: 'Outer',
      States: { Outer: { Type: 'Map', ItemsPath: '$.xs', ItemProcessor: { StartAt: 'Fan', States: { Fan: definition().States.Fan } }, End: true } },
    };
    expect(() => inlineDistributedMaps(outer)).toThrow(/only a top-level Distributed Map/);
  });
});

describe('placeholders that are not function ARNs', () => {
  it('get a local stand-in; function ARN placeholders still get a fake Lambda ARN', () => {
    expect(localStandIn('LandingBucketName')).toBe('prognos-local-landing-bucket-name');
    const out = substitutePlaceholders(definition());
    expect((out.States.Fan.ItemReader as { Parameters: { Bucket: string } }).Parameters.Bucket).toBe('prognos-local-landing-bucket-name');
    expect((out.States.After.Parameters as { FunctionName: string }).FunctionName).toBe('arn:aws:lambda:us-east-1:123456789012:function:prognos-local-AfterFunctionArn');
  });
});

describe('objectStoreItemReader and the runner', () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-dmap-'));
    store = new FsObjectStore(root);
    for (const key of ['landing/in/b.csv', 'landing/in/a.csv', 'landing/in/sub/c.csv', 'landing/other/x.csv']) await store.put(key, `body of ${key}`);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const request = (parameters: Record<string, unknown>, extra: Partial<ItemReaderRequest> = {}): ItemReaderRequest => ({ state: 'Fan', resource: S3_LIST_OBJECTS_V2, parameters, ...extra });

  it('lists the prefix at any depth, sorted by key, as S3 list items', async () => {
    const items = await objectStoreItemReader(store)(request({ Bucket: 'ignored', Prefix: 'landing/in/' }));
    expect(items.map((item) => (item as { Key: string }).Key)).toEqual(['landing/in/a.csv', 'landing/in/b.csv', 'landing/in/sub/c.csv']);
    const head = await store.head('landing/in/a.csv');
    expect(items[0]).toEqual({
      Key: 'landing/in/a.csv',
      Etag: `"${head!.etag}"`,
      Size: head!.size,
      LastModified: Math.floor(head!.lastModified.getTime() / 1000),
      StorageClass: 'STANDARD',
    });
    expect(await objectStoreItemReader(store)(request({ Prefix: 'landing/in/' }, { maxItems: 1 }))).toHaveLength(1);
  });

  it('refuses another reader, a missing Prefix or Key, another input type, or a manifest that is not an array', async () => {
    await expect(objectStoreItemReader(store)(request({ Prefix: 'x/' }, { resource: 'arn:aws:states:::s3:listObjectVersions' }))).rejects.toThrow(/no local stand-in/);
    await expect(objectStoreItemReader(store)(request({ Bucket: 'b' }))).rejects.toThrow(/needs a Prefix/);
    await expect(objectStoreItemReader(store)(request({ Bucket: 'b' }, { resource: S3_GET_OBJECT, inputType: 'JSON' }))).rejects.toThrow(/needs a Key/);
    await expect(objectStoreItemReader(store)(request({ Key: 'landing/in/a.csv' }, { resource: S3_GET_OBJECT, inputType: 'CSV' }))).rejects.toThrow(/InputType JSON only/);
    await store.put('lake/object.json', '{"not":"an array"}');
    await expect(objectStoreItemReader(store)(request({ Key: 'lake/object.json' }, { resource: S3_GET_OBJECT, inputType: 'JSON' }))).rejects.toThrow(/not a JSON array/);
  });

  it('runs the Map over a JSON manifest that an earlier state wrote, named by a path into the state', async () => {
    const manifestMap = {
      ItemReader: { Resource: S3_GET_OBJECT, ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', 'Key.$': '$.manifest.key' } },
      ItemSelector: { 'key.$': '$$.Map.Item.Value.Key', 'tag.$': '$.tag' },
    };
    const base = definition(manifestMap);
    const withWriter: AslDefinition = {
      StartAt: 'Write',
      States: {
        Write: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${WriteFunctionArn}', 'Payload.$': '$' }, ResultSelector: { 'key.$': '$.Payload.key' }, ResultPath: '$.manifest', Next: 'Fan' },
        ...base.States,
      },
    };
    const payloads: string[] = [];
    const { record } = await runStateMachine({
      definition: withWriter,
      handlers: {
        // Written after the execution started: a reader run at the start would not find it.
        Write: async () => (await store.put('lake/batches/m.json', JSON.stringify([{ Key: 'landing/in/b.csv' }, { Key: 'landing/other/x.csv' }])), { key: 'lake/batches/m.json' }),
        Work: async (payload) => (payloads.push((payload as { key: string }).key), { done: true }),
        After: async (payload) => ({ saw: Object.keys(payload as object).sort() }),
      },
      input: { tag: 't2' },
      executionName: 'fan-manifest',
      runsDir: join(root, 'runs'),
      itemReaders: objectStoreItemReader(store),
    });
    expect(record.status, JSON.stringify([record.error, record.cause])).toBe('SUCCEEDED');
    expect(payloads.sort()).toEqual(['landing/in/b.csv', 'landing/other/x.csv']);
    // The items never enter the state: After sees the Map's results, the manifest's key and the input.
    expect(record.output).toMatchObject({ after: { Payload: { saw: ['manifest', 'results', 'tag'] } } });
    expect(record.states.map((s) => s.name)).toEqual(['Write', 'Fan.ReadItems', 'Fan', 'After']);
  });

  it('runs the Map over the listing; the listing stays out of the state, the items are as in AWS', async () => {
    const runsDir = join(root, 'runs');
    const payloads: unknown[] = [];
    const { record } = await runStateMachine({
      definition: definition(),
      handlers: {
        Work: async (payload) => {
          payloads.push(payload);
          return { done: (payload as { key: string }).key };
        },
        After: async (payload) => ({ saw: Object.keys(payload as object).sort() }),
      },
      input: { tag: 't1' },
      executionName: 'fan-1',
      runsDir,
      itemReaders: objectStoreItemReader(store),
    });
    expect(record.status).toBe('SUCCEEDED');
    expect((payloads as { key: string }[]).map((p) => p.key).sort()).toEqual(['landing/in/a.csv', 'landing/in/b.csv', 'landing/in/sub/c.csv']);
    expect(payloads[0]).toEqual({ key: expect.any(String), etag: expect.stringMatching(/^"[0-9a-f]+"$/), tag: 't1' });
    expect(record.output).toEqual({
      tag: 't1',
      results: [{ done: 'landing/in/a.csv' }, { done: 'landing/in/b.csv' }, { done: 'landing/in/sub/c.csv' }],
      after: { Payload: { saw: ['results', 'tag'] } },
    });
  });

  describe('tolerated failures and a ResultWriter, as in AWS', () => {
    const tolerant = (percentage: number) =>
      definition({
        ToleratedFailurePercentage: percentage,
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'results' } },
        ResultPath: null,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Caught' }],
      });
    const withCaught = (d: AslDefinition): AslDefinition => ({ ...d, States: { ...d.States, Caught: { Type: 'Succeed' } } });
    // b.csv fails every attempt; a.csv and sub/c.csv succeed: one of three iterations fails.
    const handlers = {
      Work: async (payload: unknown) => {
        const { key } = payload as { key: string };
        if (key.endsWith('b.csv')) throw Object.assign(new Error(`cannot score ${key}`), { name: 'ScoringError' });
        return { done: key };
      },
      After: async (payload: unknown) => ({ saw: Object.keys(payload as object).sort() }),
    };

    it('goes on when the failed share is within the percentage, and the state is as without the Map', async () => {
      const { record } = await runStateMachine({ definition: withCaught(tolerant(34)), handlers, input: { tag: 't' }, executionName: 'fan-3', runsDir: join(root, 'runs'), itemReaders: objectStoreItemReader(store) });
      expect(record.status).toBe('SUCCEEDED');
      expect(record.output).toEqual({ tag: 't', after: { Payload: { saw: ['tag'] } } });
    });

    it('fails the Map with States.ExceedToleratedFailureThreshold, under its Catch, beyond the percentage', async () => {
      const { record } = await runStateMachine({ definition: withCaught(tolerant(33)), handlers, input: { tag: 't' }, executionName: 'fan-4', runsDir: join(root, 'runs'), itemReaders: objectStoreItemReader(store) });
      expect(record.status).toBe('SUCCEEDED');
      const output = record.output as { failure: { Error: string; Cause: string }; after?: unknown };
      expect(output.after).toBeUndefined();
      expect(output.failure.Error).toBe('States.ExceedToleratedFailureThreshold');
      expect(output.failure.Cause).toMatch(/1 of 3 iterations of Fan failed, more than its ToleratedFailurePercentage of 33/);
    });

    it('a redrive after the Map exceeded its tolerance re-runs the Map: the failed iteration again, the others replayed', async () => {
      const { Catch: _catch, ...uncaught } = tolerant(0).States.Fan;
      const failing: AslDefinition = { ...tolerant(0), States: { ...tolerant(0).States, Fan: uncaught } };
      const runsDir = join(root, 'runs');
      const { record } = await runStateMachine({ definition: failing, handlers, input: { tag: 't' }, executionName: 'fan-6', runsDir, itemReaders: objectStoreItemReader(store) });
      expect(record).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });

      const called: string[] = [];
      const fixed = { ...handlers, Work: async (payload: unknown) => (called.push((payload as { key: string }).key), { done: (payload as { key: string }).key }) };
      const redriven = await redriveStateMachine({ definition: failing, handlers: fixed, executionName: 'fan-6', runsDir, itemReaders: objectStoreItemReader(store) });
      expect(redriven.status).toBe('SUCCEEDED');
      // The Map restarts at its ReadItems Task, which reads its items again.
      expect(redriven.redrives?.[0]?.fromState).toBe('Fan.ReadItems');
      expect(called).toEqual(['landing/in/b.csv']);
      expect(redriven.output).toEqual({ tag: 't', after: { Payload: { saw: ['tag'] } } });
    });

    it('with 0 % tolerates nothing, as a Map without the field', async () => {
      const { record } = await runStateMachine({ definition: withCaught(tolerant(0)), handlers, input: { tag: 't' }, executionName: 'fan-5', runsDir: join(root, 'runs'), itemReaders: objectStoreItemReader(store) });
      expect(record.status, JSON.stringify([record.error, record.cause])).toBe('SUCCEEDED');
      expect((record.output as { failure: { Error: string } }).failure.Error).toBe('States.ExceedToleratedFailureThreshold');
    });
  });

  it('refuses, before writing anything, a Distributed Map without itemReaders', async () => {
    const runsDir = join(root, 'runs');
    await expect(
      runStateMachine({ definition: definition(), handlers: { Work: async () => 1, After: async () => 2 }, input: {}, executionName: 'fan-2', runsDir }),
    ).rejects.toThrow(/Distributed Map \(Fan\): pass itemReaders/);
    await expect(store.list('runs/')).resolves.toEqual([]);
  });
});
