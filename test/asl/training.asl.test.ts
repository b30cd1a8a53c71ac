/**
 * The real `statemachines/training.asl.json`, executed by the local runner with fake steps that
 * record what they receive: the paths through the workflow, the data each step sees, Retry and
 * Catch, and the run record.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidDataError, TransientError, UnusableFileError } from '../../lambdas/core/errors.ts';
import { PreconditionFailedError } from '../../lambdas/core/ports/object-store.ts';
import {
  type RunEvent,
  type RunRecord,
  type StateRecord,
  type TaskHandler,
  causeMessage,
  runStateMachine,
} from '../../lambdas/adapters/local/state-machine-runner.ts';

const DEFINITION = fileURLToPath(new URL('../../statemachines/training.asl.json', import.meta.url));

const TASKS = [
  'ValidateAndIngest',
  'BuildTrainingSet',
  'SplitAndScale',
  'Train',
  'TrainLogistic',
  'TrainBoosting',
  'Evaluate',
  'Gate',
  'WriteReport',
  'Promote',
  'RecordFailure',
] as const;
type Task = (typeof TASKS)[number];

const INPUT = {
  runName: 'train-0123456789abcdef01234567',
  runDate: '2026-11-26',
  mode: 'full',
  files: ['landing/training/a.csv', 'landing/training/b.csv', 'landing/training/c.csv'],
  config: { targetRecall: 0.9, seed: 0 },
};

type Payload = Record<string, unknown>;

interface Fake {
  readonly handlers: Record<Task, TaskHandler>;
  /** Every call, in the order the handlers were entered. */
  readonly calls: { task: Task; payload: Payload }[];
  /** What each step returned (the last call's result). */
  readonly results: Partial<Record<Task, unknown>>;
  called(task: Task): Payload[];
}

/**
 * Plausible step results; `behaviour` may throw or delay per task (n = 0 for its first call).
 * Train reports done in its round `trainRounds` (default 1) and `done: false` before, with
 * `maxRounds` (default 3) as config.maxTrainRounds would set it.
 */
function fakeSteps(options: {
  promote: boolean;
  trainRounds?: number;
  maxRounds?: number;
  behaviour?: Partial<Record<Task, (payload: Payload, n: number) => Promise<void> | void>>;
}): Fake {
  const calls: Fake['calls'] = [];
  const results: Fake['results'] = {};
  const trainRound = (payload: Payload, n: number): unknown => {
    const round = { round: n + 1, maxRounds: options.maxRounds ?? 3, model: 'gpc-exact' };
    return n + 1 >= (options.trainRounds ?? 1)
      ? { version: 'v20261126-abc', mode: payload.mode, fitSeconds: 1.25, done: true, ...round }
      : { done: false, ...round, checkpointKey: `lake/runs/${String(payload.runName)}/train-checkpoint.json`, iteration: 10 * (n + 1), objective: -100 + n, elapsedSeconds: n + 1, remainingSeconds: null };
  };
  const make = (payload: Payload, n: number): Record<Task, unknown> => ({
    ValidateAndIngest: { key: payload.key, rowsRead: 100, rowsValid: 97, rowsQuarantined: 3, status: 'ingested' },
    BuildTrainingSet: { key: `lake/training-sets/${String(payload.runName)}/set.parquet`, rows: 291, positives: 12 },
    SplitAndScale: { trainRows: 204, holdoutRows: 87, scalerKey: 'models/v1/scaler.json' },
    Train: trainRound(payload, n),
    TrainLogistic: { status: 'trained', kind: 'logistic-regression', version: 'v20261126-lr', fitSeconds: 0.02, thresholdSeconds: 0.1, trainRows: 204, threshold: 0.3, outOfFoldRocAuc: 0.9 },
    TrainBoosting: { status: 'trained', kind: 'gradient-boosting', version: 'v20261126-gb', fitSeconds: 0.3, thresholdSeconds: 1.2, trainRows: 204, threshold: 0.05, outOfFoldRocAuc: 0.97 },
    Evaluate: { challenger: { recall: 0.92, precision: 0.4, threshold: 0.21 }, champion: null },
    Gate: { promote: options.promote, summary: options.promote ? 'no champion yet' : 'recall below the champion' },
    WriteReport: { key: 'models/v20261126-abc/report.html' },
    Promote: { champion: 'v20261126-abc', previous: null },
    RecordFailure: { key: `lake/runs/${String(payload.runName)}/failure.json` },
  });
  const handlers = Object.fromEntries(
    TASKS.map((task) => [
      task,
      async (payload: unknown): Promise<unknown> => {
        const p = payload as Payload;
        const n = calls.filter((c) => c.task === task).length;
        calls.push({ task, payload: p });
        await options.behaviour?.[task]?.(p, n);
        const result = make(p, n)[task];
        results[task] = result;
        return result;
      },
    ]),
  ) as Record<Task, TaskHandler>;
  return { handlers, calls, results, called: (task) => calls.filter((c) => c.task === task).map((c) => c.payload) };
}

function state(record: RunRecord, name: string): StateRecord {
  const found = record.states.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no state ${name} in the record: ${record.states.map((s) => s.name).join(', ')}`);
  return found;
}

let runsDir: string;
beforeEach(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'prognos-asl-'));
});
afterEach(async () => {
  await rm(runsDir, { recursive: true, force: true });
});

async function run(fake: Fake, executionName: string, events?: RunEvent[]) {
  return runStateMachine({
    definition: DEFINITION,
    handlers: fake.handlers,
    input: INPUT,
    executionName,
    runsDir,
    retryIntervalOverrides: 0,
    ...(events ? { onEvent: (event: RunEvent) => events.push(event) } : {}),
  });
}

describe('training.asl.json, happy path', () => {
  it('promotes: every step once, in order, each seeing the accumulated state with exact results', async () => {
    const fake = fakeSteps({ promote: true, behaviour: { Train: () => new Promise((r) => setTimeout(r, 30)) } });
    const events: RunEvent[] = [];
    const { started, record } = await run(fake, 'happy-promote', events);

    expect(started).toBe(true);
    expect(record.status).toBe('SUCCEEDED');
    expect(record.states.at(-1)?.name).toBe('Promoted');

    const order = fake.calls.map((c) => c.task);
    expect(order.slice(0, 3).sort()).toEqual(['ValidateAndIngest', 'ValidateAndIngest', 'ValidateAndIngest']);
    expect(order.slice(3, 5)).toEqual(['BuildTrainingSet', 'SplitAndScale']);
    // The three branches of TrainModels run side by side: any order among them.
    expect(order.slice(5, 8).sort()).toEqual(['Train', 'TrainBoosting', 'TrainLogistic']);
    expect(order.slice(8)).toEqual(['Evaluate', 'Gate', 'WriteReport', 'Promote']);

    // The Map's ItemSelector: each file key with the run name.
    expect(fake.called('ValidateAndIngest').map((p) => p.key).sort()).toEqual(INPUT.files);
    // …and the execution's start time, the ingest time of every reading of the run.
    const [runStartedAt] = fake.called('ValidateAndIngest').map((payload) => payload.runStartedAt as string);
    for (const payload of fake.called('ValidateAndIngest')) expect(payload).toEqual({ key: payload.key, runName: INPUT.runName, runStartedAt });
    expect(new Date(runStartedAt).toISOString()).toBe(runStartedAt);

    // Each step gets the whole state so far, with each earlier result exactly as returned (no Payload wrapper).
    const ingest = INPUT.files.map((key) => ({ key, rowsRead: 100, rowsValid: 97, rowsQuarantined: 3, status: 'ingested' }));
    const [train] = fake.called('Train');
    expect(train).toEqual({ ...INPUT, ingest, trainingSet: fake.results.BuildTrainingSet, split: fake.results.SplitAndScale });
    // Each challenger reads exactly what Train reads.
    expect(fake.called('TrainLogistic')).toEqual([train]);
    expect(fake.called('TrainBoosting')).toEqual([train]);
    const [promote] = fake.called('Promote');
    expect(promote).toEqual({
      ...INPUT,
      ingest,
      trainingSet: fake.results.BuildTrainingSet,
      split: fake.results.SplitAndScale,
      candidates: { gp: fake.results.Train, logistic: fake.results.TrainLogistic, boosting: fake.results.TrainBoosting },
      train: fake.results.Train,
      evaluation: fake.results.Evaluate,
      gate: fake.results.Gate,
      report: fake.results.WriteReport,
    });
    expect(record.output).toEqual({ ...promote, promotion: fake.results.Promote });
    expect(JSON.stringify(record.output)).not.toContain('"Payload"');
  });

  it('writes a record with every state in order, Map iterations, durations and retries', async () => {
    const fake = fakeSteps({ promote: true, behaviour: { Train: () => new Promise((r) => setTimeout(r, 40)) } });
    const { record } = await run(fake, 'happy-record');

    const onDisk = JSON.parse(await readFile(join(runsDir, 'happy-record.json'), 'utf8')) as RunRecord;
    expect(onDisk).toEqual(record);
    expect(onDisk).toMatchObject({ name: 'happy-record', status: 'SUCCEEDED', input: INPUT, stateMachine: 'training' });
    expect(Date.parse(onDisk.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(onDisk.startedAt));

    const top = record.states.filter((s) => s.type !== 'Pass').map((s) => s.name);
    expect(top.slice(0, 4)).toEqual(['IngestFiles', 'BuildTrainingSet', 'SplitAndScale', 'TrainModels']);
    // The Parallel's branches, recorded as they ran (side by side: any order among them).
    expect(top.slice(4, 8).sort()).toEqual(['Train', 'TrainBoosting', 'TrainDone', 'TrainLogistic']);
    expect(top.slice(8)).toEqual([
      'Evaluate',
      'Gate',
      'WriteReport',
      'PromoteOrReject',
      'Promote',
      'Promoted',
    ]);
    for (const entry of record.states) {
      expect(entry.status).toBe('SUCCEEDED');
      expect(entry.retries).toBe(0);
      expect(entry.durationMs).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(Date.parse(entry.startedAt))).toBe(false);
    }
    expect(state(record, 'Train').durationMs).toBeGreaterThanOrEqual(35);
    expect(state(record, 'Gate').output).toMatchObject({ gate: { Payload: fake.results.Gate } });
    expect(state(record, 'GateResult').output).toMatchObject({ gate: fake.results.Gate });

    const map = state(record, 'IngestFiles');
    expect(map.iterations?.map((it) => [it.index, it.status, it.input])).toEqual(
      INPUT.files.map((key, index) => [index, 'SUCCEEDED', { key, runName: INPUT.runName, runStartedAt: expect.any(String) }]),
    );
    for (const iteration of map.iterations ?? []) {
      expect(iteration.states.map((s) => [s.name, s.type, s.status])).toEqual([['ValidateAndIngest', 'Task', 'SUCCEEDED']]);
      expect(iteration.output).toMatchObject({ key: INPUT.files[iteration.index], status: 'ingested' });
    }
  });

  it('tells the live view about states, iterations and durations', async () => {
    const fake = fakeSteps({ promote: true, behaviour: { Train: () => new Promise((r) => setTimeout(r, 30)) } });
    const events: RunEvent[] = [];
    await run(fake, 'happy-events', events);

    expect(events[0]).toMatchObject({ type: 'ExecutionStarted', executionName: 'happy-events' });
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionSucceeded' });
    const trainDone = events.find((e) => e.type === 'StateSucceeded' && e.state === 'Train');
    expect(trainDone).toMatchObject({ stateType: 'Task' });
    expect(trainDone?.type === 'StateSucceeded' && trainDone.durationMs).toBeGreaterThanOrEqual(25);
    const iterationStarts = events.filter((e) => e.type === 'MapIterationStarted').map((e) => e.mapIndex);
    expect(iterationStarts.sort()).toEqual([0, 1, 2]);
    const nested = events.filter((e) => e.type === 'StateEntered' && e.state === 'ValidateAndIngest');
    expect(nested.map((e) => e.mapIndex).sort()).toEqual([0, 1, 2]);
    // Entered before succeeded, for every state.
    const enteredAt = events.findIndex((e) => e.type === 'StateEntered' && e.state === 'Evaluate');
    const doneAt = events.findIndex((e) => e.type === 'StateSucceeded' && e.state === 'Evaluate');
    expect(enteredAt).toBeGreaterThan(0);
    expect(doneAt).toBeGreaterThan(enteredAt);
  });

  it('goes on when a challenger fails: its branch says failed and why, the GP and the other challenger carry on to the gate', async () => {
    const fake = fakeSteps({
      promote: true,
      behaviour: {
        TrainBoosting: () => {
          throw new InvalidDataError('gradient boosting early stopping cannot hold out a validation part: 1 row of class 1');
        },
      },
    });
    const { record } = await run(fake, 'challenger-fails');

    expect(record.status).toBe('SUCCEEDED');
    expect(record.states.at(-1)?.name).toBe('Promoted');
    expect(fake.called('TrainBoosting')).toHaveLength(1); // not transient: no retry
    expect(fake.called('RecordFailure')).toHaveLength(0);
    expect(state(record, 'TrainBoosting')).toMatchObject({ status: 'CAUGHT', error: 'InvalidDataError' });
    expect(state(record, 'TrainModels').status).toBe('SUCCEEDED');

    const [evaluate] = fake.called('Evaluate');
    const candidates = evaluate.candidates as Record<string, Record<string, unknown>>;
    expect(candidates.gp).toEqual(fake.results.Train);
    expect(candidates.logistic).toEqual(fake.results.TrainLogistic);
    expect(candidates.boosting).toMatchObject({ status: 'failed', kind: 'gradient-boosting', error: 'InvalidDataError' });
    expect(JSON.parse(candidates.boosting.reason as string)).toMatchObject({ errorType: 'InvalidDataError', errorMessage: expect.stringContaining('cannot hold out a validation part') });
    expect(evaluate.train).toEqual(fake.results.Train);
  });

  it('goes on when both challengers fail: the run is the GP alone, as before', async () => {
    const fail = () => {
      throw new UnusableFileError('the split record is unreadable');
    };
    const fake = fakeSteps({ promote: true, behaviour: { TrainBoosting: fail, TrainLogistic: fail } });
    const { record } = await run(fake, 'challengers-fail');
    expect(record.status).toBe('SUCCEEDED');
    const [promote] = fake.called('Promote');
    expect(promote.candidates).toMatchObject({ logistic: { status: 'failed', kind: 'logistic-regression' }, boosting: { status: 'failed', kind: 'gradient-boosting' } });
  });

  it('rejects when the gate says no: ends in Rejected and never promotes', async () => {
    const fake = fakeSteps({ promote: false });
    const { record } = await run(fake, 'happy-reject');

    expect(record.status).toBe('SUCCEEDED');
    expect(record.states.at(-1)?.name).toBe('Rejected');
    expect(fake.called('Promote')).toHaveLength(0);
    expect(fake.called('WriteReport')).toHaveLength(1);
    expect(record.output).toMatchObject({ gate: { promote: false }, report: fake.results.WriteReport });
    expect(record.output).not.toHaveProperty('promotion');
  });
});

describe('training.asl.json, errors', () => {
  it('absorbs a transient error with the Retry and records the retry', async () => {
    const fake = fakeSteps({
      promote: true,
      behaviour: {
        Train: (_p, n) => {
          if (n === 0) throw new TransientError('throttled');
        },
      },
    });
    const events: RunEvent[] = [];
    const { record } = await run(fake, 'transient', events);

    expect(record.status).toBe('SUCCEEDED');
    expect(record.states.at(-1)?.name).toBe('Promoted');
    expect(fake.called('Train')).toHaveLength(2);
    const train = state(record, 'Train');
    expect(train).toMatchObject({ status: 'SUCCEEDED', retries: 1 });
    expect(train.retriedErrors?.map((e) => [e.error, causeMessage(e.cause)])).toEqual([['TransientError', 'throttled']]);
    expect(fake.called('RecordFailure')).toHaveLength(0);
    expect(events.filter((e) => e.type === 'StateRetried')).toEqual([
      expect.objectContaining({ state: 'Train', retry: 1, error: 'TransientError' }),
    ]);
  });

  it('gives up after MaxAttempts retries of a transient error and takes the failure path', async () => {
    const fake = fakeSteps({
      promote: true,
      behaviour: {
        Evaluate: () => {
          throw new TransientError('still throttled');
        },
      },
    });
    const { record } = await run(fake, 'transient-exhausted');

    expect(fake.called('Evaluate')).toHaveLength(4); // the first attempt and MaxAttempts = 3 retries
    expect(state(record, 'Evaluate')).toMatchObject({ status: 'CAUGHT', retries: 3, error: 'TransientError' });
    expect(record).toMatchObject({ status: 'FAILED', error: 'TransientError' });
  });

  it('a promotion that loses the race for the champion is an outcome: SUCCEEDED at PromotionRaceLost, no failure recorded', async () => {
    const fake = fakeSteps({
      promote: true,
      behaviour: {
        Promote: () => {
          throw new PreconditionFailedError('models/champion.json', 'the gate compared v2 with v1, but the champion is now v3; run the training again');
        },
      },
    });
    const { record } = await run(fake, 'lost-race');

    expect(fake.called('Promote')).toHaveLength(1); // not retried: the next run decides again
    expect(fake.called('RecordFailure')).toHaveLength(0);
    expect(record.status).toBe('SUCCEEDED');
    expect(record.states.map((s) => s.name).slice(-2)).toEqual(['Promote', 'PromotionRaceLost']);
    expect(state(record, 'Promote')).toMatchObject({ status: 'CAUGHT', error: 'PreconditionFailedError' });
    const race = (record.output as { promotionRace: { Error: string; Cause: string } }).promotionRace;
    expect(race.Error).toBe('PreconditionFailedError');
    expect(causeMessage(race.Cause)).toMatch(/the champion is now v3/);
  });

  it('routes a permanent error to RecordFailure and ends FAILED with the original error', async () => {
    const fake = fakeSteps({
      promote: true,
      behaviour: {
        Train: () => {
          throw new InvalidDataError('column torque has NaN in 3 rows');
        },
      },
    });
    const { record } = await run(fake, 'permanent');

    expect(fake.called('Train')).toHaveLength(1); // not a transient error: no retry
    for (const task of ['Evaluate', 'Gate', 'WriteReport', 'Promote'] as const) expect(fake.called(task)).toHaveLength(0);

    const [failure] = fake.called('RecordFailure');
    expect(failure).toMatchObject({ ...INPUT, split: fake.results.SplitAndScale, failure: { Error: 'InvalidDataError' } });
    const cause = (failure.failure as { Cause: string }).Cause;
    expect(JSON.parse(cause)).toMatchObject({ errorType: 'InvalidDataError', errorMessage: 'column torque has NaN in 3 rows' });

    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('InvalidDataError');
    expect(causeMessage(record.cause)).toBe('column torque has NaN in 3 rows');
    expect(record.output).toBeUndefined();
    expect(record.states.map((s) => s.name).slice(-2)).toEqual(['RecordFailure', 'Failed']);
    // Train's failure fails its branch, and the Parallel's Catch takes the run to RecordFailure with the same error and cause.
    expect(state(record, 'Train')).toMatchObject({ status: 'FAILED', error: 'InvalidDataError', retries: 0 });
    expect(state(record, 'TrainModels')).toMatchObject({ status: 'CAUGHT', error: 'InvalidDataError' });
    expect(state(record, 'RecordFailure').status).toBe('SUCCEEDED');
    expect(state(record, 'Failed')).toMatchObject({ type: 'Fail', status: 'FAILED', error: 'InvalidDataError' });
  });

  // An unusable file is set aside by the step itself (a 'quarantined' result); what still throws is a
  // real error, such as a listed file that no longer exists.
  it('takes the failure path when ingesting one file of the Map throws', async () => {
    const fake = fakeSteps({
      promote: true,
      behaviour: {
        ValidateAndIngest: (payload) => {
          if (payload.key === 'landing/training/b.csv') throw new UnusableFileError('landing/training/b.csv does not exist in the landing zone');
        },
      },
    });
    const { record } = await run(fake, 'bad-file');

    expect(record).toMatchObject({ status: 'FAILED', error: 'UnusableFileError' });
    expect(causeMessage(record.cause)).toBe('landing/training/b.csv does not exist in the landing zone');
    expect(fake.called('BuildTrainingSet')).toHaveLength(0);
    expect(fake.called('ValidateAndIngest').filter((p) => p.key === 'landing/training/b.csv')).toHaveLength(1);
    const [failure] = fake.called('RecordFailure');
    expect(failure.failure).toMatchObject({ Error: 'UnusableFileError' });
    expect(failure).not.toHaveProperty('ingest');

    const map = state(record, 'IngestFiles');
    expect(map).toMatchObject({ status: 'CAUGHT', error: 'UnusableFileError' });
    const bad = map.iterations?.find((it) => it.index === 1);
    expect(bad).toMatchObject({ status: 'FAILED', error: 'UnusableFileError', input: { key: 'landing/training/b.csv' } });
    expect(bad?.states[0]).toMatchObject({ name: 'ValidateAndIngest', status: 'FAILED', error: 'UnusableFileError' });
    expect(record.states.map((s) => s.name)).toEqual(['IngestFiles', 'RecordFailure', 'Failed']);
  });

  it('still ends with the original error when RecordFailure itself fails', async () => {
    const fake = fakeSteps({
      promote: true,
      behaviour: {
        Gate: () => {
          throw new InvalidDataError('holdout has one class');
        },
        RecordFailure: () => {
          throw new Error('disk full');
        },
      },
    });
    const { record } = await run(fake, 'failure-of-failure');

    expect(record).toMatchObject({ status: 'FAILED', error: 'InvalidDataError' });
    expect(state(record, 'RecordFailure')).toMatchObject({ status: 'CAUGHT', error: 'Error' });
    expect(state(record, 'Failed').input).toMatchObject({ failure: { Error: 'InvalidDataError' }, recordFailureError: { Error: 'Error' } });
  });
});

describe('training.asl.json, the Train loop', () => {
  it('calls Train again while it reports done: false, each round seeing the last round’s result, then goes on', async () => {
    const fake = fakeSteps({ promote: true, trainRounds: 3 });
    const { record } = await run(fake, 'train-loop');

    expect(record.status).toBe('SUCCEEDED');
    expect(record.states.at(-1)?.name).toBe('Promoted');
    const rounds = fake.called('Train');
    expect(rounds).toHaveLength(3);
    expect(rounds[0]).not.toHaveProperty('train');
    expect(rounds[1].train).toMatchObject({ done: false, round: 1, maxRounds: 3 });
    expect(rounds[2].train).toMatchObject({ done: false, round: 2 });
    expect(fake.called('Evaluate')).toHaveLength(1);
    expect(fake.called('Evaluate')[0].train).toEqual(fake.results.Train);
    expect(fake.called('RecordFailure')).toHaveLength(0);
    const loop = record.states.filter((s) => s.name === 'Train' || s.name === 'TrainDone').map((s) => s.name);
    expect(loop).toEqual(['Train', 'TrainDone', 'Train', 'TrainDone', 'Train', 'TrainDone']);
  });

  it('fails the run through the failure path when the last allowed round is not done', async () => {
    const fake = fakeSteps({ promote: true, trainRounds: 10, maxRounds: 3 });
    const { record } = await run(fake, 'train-rounds-exhausted');

    expect(fake.called('Train')).toHaveLength(3);
    for (const task of ['Evaluate', 'Gate', 'WriteReport', 'Promote'] as const) expect(fake.called(task)).toHaveLength(0);
    const [failure] = fake.called('RecordFailure');
    const cause = 'Train did not finish in 3 rounds (config.maxTrainRounds); its checkpoint lake/runs/train-0123456789abcdef01234567/train-checkpoint.json is kept: raise config.maxTrainRounds or config.trainBudgetSeconds, or choose a smaller model (config.model, config.inducingPoints), and run again';
    // The branch's Fail state carries the cause out of the Parallel; $.train stays inside the branch (the cause names the checkpoint).
    expect(failure).toMatchObject({ failure: { Error: 'TrainRoundLimitError', Cause: cause } });
    expect(record).toMatchObject({ status: 'FAILED', error: 'TrainRoundLimitError' });
    expect(causeMessage(record.cause)).toBe(cause);
    const names = record.states.map((s) => s.name);
    expect(names.slice(-2)).toEqual(['RecordFailure', 'Failed']);
    expect(names.indexOf('TrainRoundsExhausted')).toBeLessThan(names.indexOf('TrainRoundsFailed'));
    expect(state(record, 'TrainRoundsFailed')).toMatchObject({ type: 'Fail', status: 'FAILED', error: 'TrainRoundLimitError' });
  });
});

describe('training.asl.json, deterministic executions', () => {
  it('starts one run for the same execution name: the second start calls no step', async () => {
    const first = fakeSteps({ promote: true });
    const a = await run(first, 'daily-2026-11-26');
    const second = fakeSteps({ promote: true });
    const b = await run(second, 'daily-2026-11-26');

    expect(a.started).toBe(true);
    expect(b.started).toBe(false);
    expect(second.calls).toHaveLength(0);
    expect(b.record).toEqual(a.record);
  });
});
