/**
 * Static checks of every `statemachines/*.asl.json`, without running it: the placeholders CDK
 * substitutes, each Task's timeout, retry and catch policy, and validity as the engine and
 * asl-validator see it. The walker here is independent of the runner's on purpose.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../statemachines', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.asl.json')).sort();

/** Errors worth a retry: Lambda's service-side failures and throttling, and the steps' own TransientError. */
const TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'TransientError',
];
const PLACEHOLDER = /\$\{([^}]*)\}/g;
/** Placeholders that are not a Task's function ARN, each a value CDK substitutes (and the local runner fills with a stand-in). */
const NON_ARN_SUBSTITUTIONS = new Set(['LandingBucketName', 'LakeBucketName']);
/** Lambda's own ceiling: a Task waiting longer than its function can run only hides a hang. */
const LAMBDA_MAX_SECONDS = 900;

type Json = Record<string, unknown>;
interface State extends Json {
  Type: string;
}
interface Found {
  name: string;
  state: State;
  /** The top-level Map/Parallel that contains it. */
  container?: string;
}
interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  JitterStrategy?: string;
}
interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

function load(file: string): { text: string; definition: { StartAt: string; States: Record<string, State> } } {
  const text = readFileSync(join(DIR, file), 'utf8');
  return { text, definition: JSON.parse(text) as { StartAt: string; States: Record<string, State> } };
}

function walk(states: Record<string, State>, container?: string): Found[] {
  return Object.entries(states).flatMap(([name, state]) => {
    const here: Found = container === undefined ? { name, state } : { name, state, container };
    const processor = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, State> } | undefined;
    const branches = (state.Branches ?? []) as { States: Record<string, State> }[];
    const inner = [processor, ...branches].flatMap((sub) => (sub ? walk(sub.States, container ?? name) : []));
    return [here, ...inner];
  });
}

function substituted(text: string): StateMachineDefinition {
  return JSON.parse(
    text.replace(PLACEHOLDER, (_m, name: string) => `arn:aws:lambda:us-east-1:123456789012:function:prognos-local-${name}`),
  ) as StateMachineDefinition;
}

/** The catch-all that every Task (or its enclosing Map/Parallel) must have. */
function catchAll(state: State): Catcher | undefined {
  return ((state.Catch ?? []) as Catcher[]).find((c) => c.ErrorEquals.includes('States.ALL'));
}

/** Following Next from `start` (and a Task's own catch-all) reaches a Fail state within a few steps. */
function leadsToFail(states: Record<string, State>, start: string): boolean {
  let name: string | undefined = start;
  for (let hops = 0; hops < 5 && name !== undefined; hops++) {
    const state: State | undefined = states[name];
    if (state === undefined) return false;
    if (state.Type === 'Fail') return true;
    if (state.Type === 'Task') {
      const onError = catchAll(state);
      if (onError === undefined || states[onError.Next]?.Type !== 'Fail') return false;
    }
    name = state.Next as string | undefined;
  }
  return false;
}

/** asl-validator as the engine bundles it (it is the engine's dependency, not ours). */
function aslValidator(): ((definition: unknown, options: { checkArn: boolean; checkPaths: boolean }) => { isValid: boolean; errorsText: (sep?: string) => string }) | undefined {
  try {
    const engine = createRequire(import.meta.url).resolve('aws-local-stepfunctions');
    return createRequire(engine)('asl-validator') as ReturnType<typeof aslValidator>;
  } catch {
    return undefined;
  }
}

describe('statemachines/*.asl.json', () => {
  it('exist', () => {
    expect(FILES).toContain('training.asl.json');
  });

  describe.each(FILES)('%s', (file) => {
    const { text, definition } = load(file);
    const all = walk(definition.States);
    const tasks = all.filter((s) => s.state.Type === 'Task');

    it('uses only ${<TaskState>FunctionArn} placeholders, each in its own Task, and the listed non-ARN substitutions', () => {
      const taskNames = new Set(tasks.map((t) => t.name));
      const placeholders = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
      expect(placeholders.length).toBeGreaterThan(0);
      for (const name of placeholders.filter((p) => !NON_ARN_SUBSTITUTIONS.has(p))) {
        const task = /^([A-Za-z0-9]+)FunctionArn$/.exec(name)?.[1];
        expect(task, `\${${name}} is not of the form \${<TaskState>FunctionArn}`).toBeDefined();
        expect(taskNames.has(task ?? ''), `\${${name}} names no Task state`).toBe(true);
      }
      for (const { name, state } of tasks) {
        expect(state.Resource, name).toBe('arn:aws:states:::lambda:invoke');
        expect((state.Parameters as Json | undefined)?.FunctionName, name).toBe(`\${${name}FunctionArn}`);
      }
    });

    it('keeps exactly the function’s Payload, or fields of it, from each lambda:invoke result', () => {
      for (const { name, state } of tasks) {
        const selector = JSON.stringify(state.ResultSelector ?? {});
        // A Distributed Map child keeps a few fields of the Payload: its result must stay small.
        const paths = Object.values(state.ResultSelector ?? {}) as unknown[];
        const fieldsOfPayload = paths.length > 0 && paths.every((path) => typeof path === 'string' && path.startsWith('$.Payload.'));
        expect(selector.includes('"$.Payload"') || state.OutputPath === '$.Payload' || fieldsOfPayload, name).toBe(true);
      }
    });

    it('gives every Task a timeout within Lambda’s limit', () => {
      for (const { name, state } of tasks) {
        const timeout = state.TimeoutSeconds as number | undefined;
        expect(Number.isInteger(timeout), `${name} has no TimeoutSeconds`).toBe(true);
        expect(timeout).toBeGreaterThan(0);
        expect(timeout).toBeLessThanOrEqual(LAMBDA_MAX_SECONDS);
      }
    });

    it('retries transient errors with exponential backoff and full jitter', () => {
      for (const { name, state } of tasks) {
        const retriers = (state.Retry ?? []) as Retrier[];
        const transient = retriers.find((r) => TRANSIENT.every((e) => r.ErrorEquals.includes(e)));
        expect(transient, `${name} has no Retry for ${TRANSIENT.join(', ')}`).toBeDefined();
        expect(transient?.BackoffRate, name).toBeGreaterThan(1);
        expect(transient?.IntervalSeconds, name).toBeGreaterThanOrEqual(1);
        expect(transient?.MaxAttempts, name).toBeGreaterThanOrEqual(1);
        expect(transient?.JitterStrategy, name).toBe('FULL');
        // A catch-all retry would repeat permanent failures (bad data) for nothing.
        for (const retrier of retriers) expect(retrier.ErrorEquals, name).not.toContain('States.ALL');
      }
    });

    it('catches every failure (States.ALL) into a failure path that ends in a Fail state', () => {
      const top = definition.States;
      const guarded = new Set(tasks.map((t) => t.container ?? t.name));
      for (const { name, state } of all.filter((s) => s.container === undefined && (s.state.Type === 'Map' || s.state.Type === 'Parallel'))) {
        guarded.add(name);
        expect(state.Retry ?? [], `${name}: retry its Tasks, not the whole ${state.Type}`).toEqual([]);
      }
      for (const name of guarded) {
        const handler = catchAll(top[name]);
        expect(handler, `${name} has no Catch for States.ALL`).toBeDefined();
        expect(handler?.ResultPath, `${name}: the Catch must keep the state (ResultPath) for the failure path`).toMatch(/^\$\.\w+$/);
        expect(leadsToFail(top, handler?.Next ?? ''), `${name}: Catch → ${handler?.Next} does not end in a Fail state`).toBe(true);
      }
    });

    it('is valid for the engine and for asl-validator (schema, JSONPaths, ARNs, reachability)', () => {
      expect(() => new StateMachine(substituted(text))).not.toThrow();
      const validate = aslValidator();
      expect(validate, 'asl-validator is not reachable through aws-local-stepfunctions').toBeDefined();
      const result = validate?.(substituted(text), { checkArn: true, checkPaths: true });
      expect(result?.isValid, result?.errorsText('\n')).toBe(true);
    });
  });
});

describe('training.asl.json', () => {
  const { definition } = load('training.asl.json');
  const states = definition.States;

  it('runs the steps in order, each result at its own path', () => {
    const main: [string, string][] = [];
    let name: string | undefined = definition.StartAt;
    while (name !== undefined && states[name].Type !== 'Choice') {
      if (states[name].Type !== 'Pass') main.push([name, states[name].ResultPath as string]);
      name = states[name].Next as string | undefined;
    }
    expect(main).toEqual([
      ['IngestFiles', '$.ingest'],
      ['BuildTrainingSet', '$.trainingSet'],
      ['SplitAndScale', '$.split'],
      ['TrainModels', '$.candidates'],
      ['Evaluate', '$.evaluation'],
      ['Gate', '$.gate'],
      ['WriteReport', '$.report'],
    ]);
    // The GP's result stays at $.train for the steps after it.
    expect(states.TrainModelsResult).toMatchObject({ Type: 'Pass', InputPath: '$.candidates.gp', ResultPath: '$.train', Next: 'Evaluate' });
    expect(name).toBe('PromoteOrReject');
    expect(states.PromoteOrReject).toMatchObject({
      Choices: [{ Variable: '$.gate.promote', BooleanEquals: true, Next: 'Promote' }],
      Default: 'Rejected',
    });
    expect(states.Promote.ResultPath).toBe('$.promotion');
    expect(states[states.Promote.Next as string]).toMatchObject({ Type: 'Pass', Next: 'Promoted' });
    expect(states.Promoted.Type).toBe('Succeed');
    expect(states.Rejected.Type).toBe('Succeed');
  });

  describe('TrainModels, the Parallel state', () => {
    const branches = states.TrainModels.Branches as { StartAt: string; States: Record<string, State> }[];
    const [logistic, boosting, gp] = branches;

    it('has three branches: TrainLogistic, TrainBoosting and the GP’s Train loop (challengers first: locally they run before the GP takes the thread), named in its result', () => {
      expect(branches.map((b) => b.StartAt)).toEqual(['TrainLogistic', 'TrainBoosting', 'Train']);
      expect(states.TrainModels.ResultSelector).toEqual({ 'logistic.$': '$[0]', 'boosting.$': '$[1]', 'gp.$': '$[2]' });
      expect(gp.States.Train.TimeoutSeconds).toBe(900);
    });

    it('loops Train until it is done, and fails the branch (so the Parallel, so the run) after maxRounds rounds', () => {
      expect(gp.States.Train.Catch).toBeUndefined(); // its failure fails the Parallel, whose Catch records it
      expect(gp.States.TrainResult).toMatchObject({ Type: 'Pass', Next: 'TrainDone' });
      expect(gp.States.TrainDone).toMatchObject({
        Type: 'Choice',
        Choices: [
          { Variable: '$.train.done', BooleanEquals: true, Next: 'GpTrained' },
          { Variable: '$.train.round', NumericLessThanPath: '$.train.maxRounds', Next: 'Train' },
        ],
        Default: 'TrainRoundsExhausted',
      });
      expect(gp.States.GpTrained).toMatchObject({ Type: 'Pass', OutputPath: '$.train', End: true });
      expect(gp.States.TrainRoundsExhausted).toMatchObject({ Type: 'Pass', ResultPath: '$.failure', Next: 'TrainRoundsFailed', Parameters: { Error: 'TrainRoundLimitError' } });
      expect(gp.States.TrainRoundsFailed).toEqual({ Type: 'Fail', Comment: expect.any(String), Error: 'TrainRoundLimitError', CausePath: '$.failure.Cause' });
      expect(catchAll(states.TrainModels)).toMatchObject({ ResultPath: '$.failure', Next: 'RecordFailure' });
    });

    it('catches a challenger’s failure in its own branch: a small failed result with the reason, never the failure path', () => {
      for (const [branch, kind] of [
        [logistic, 'logistic-regression'],
        [boosting, 'gradient-boosting'],
      ] as const) {
        const task = branch.States[branch.StartAt];
        expect(task.TimeoutSeconds).toBe(300);
        expect(catchAll(task)).toEqual({ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: `${branch.StartAt}Failed` });
        expect(branch.States[`${branch.StartAt}Failed`]).toMatchObject({
          Type: 'Pass',
          Parameters: { status: 'failed', kind, 'error.$': '$.failure.Error', 'reason.$': '$.failure.Cause' },
          End: true,
        });
        expect(branch.States[`${branch.StartAt}Result`]).toMatchObject({ Type: 'Pass', InputPath: '$.challenger.Payload', End: true });
      }
    });
  });

  it('maps over the files with { key, runName } per item', () => {
    expect(states.IngestFiles).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.files',
      ItemSelector: { 'key.$': '$$.Map.Item.Value', 'runName.$': '$.runName' },
    });
    const processor = states.IngestFiles.ItemProcessor as { StartAt: string; States: Record<string, State> };
    expect(processor.StartAt).toBe('ValidateAndIngest');
    expect(processor.States.ValidateAndIngest.Parameters).toEqual({ FunctionName: '${ValidateAndIngestFunctionArn}', 'Payload.$': '$' });
  });

  it('records the failure, then fails with the original error and cause', () => {
    expect(states.RecordFailure).toMatchObject({ Type: 'Task', Next: 'Failed', Parameters: { 'Payload.$': '$' } });
    const handler = catchAll(states.RecordFailure);
    expect(handler).toMatchObject({ Next: 'Failed' });
    expect(handler?.ResultPath).not.toBe('$.failure'); // keep the original error for Failed
    expect(states.Failed).toEqual(expect.objectContaining({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' }));
    for (const [name, state] of Object.entries(states)) {
      const c = catchAll(state);
      if (c !== undefined && name !== 'RecordFailure') expect(c, name).toMatchObject({ Next: 'RecordFailure', ResultPath: '$.failure' });
    }
  });
});
