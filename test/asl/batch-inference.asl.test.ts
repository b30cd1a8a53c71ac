/**
 * The real `statemachines/batch-inference.asl.json`, executed by the local runner with the real
 * steps over a temporary FsObjectStore and a small real champion: the Distributed Map run inline
 * over the same listing, predictions, quarantine, idempotency by content, drift, the report, and
 * the drift retrain with its cooldown.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { causeMessage, type RunEvent, type RunRecord, type StateRecord } from '../../lambdas/adapters/local/state-machine-runner.ts';
import { predictionTableColumns } from '../../lambdas/core/contract/predictions-table.ts';
import type { ObjectStore } from '../../lambdas/core/ports/object-store.ts';
import { DEFAULT_CONTRACT } from '../../lambdas/core/contract/contract.ts';
import { decodeParquet } from '../../lambdas/core/data/parquet.ts';
import { driftReportSchema } from '../../lambdas/core/drift/schemas.ts';
import { DEFAULT_MAX_FILE_BYTES } from '../../lambdas/core/steps/batch/batch-state.ts';
import type { ComputeDriftResult, DriftRecord } from '../../lambdas/core/steps/batch/compute-drift.ts';
import { BATCH_STEPS } from '../../lambdas/core/steps/batch/index.ts';
import type { WriteBatchReportResult } from '../../lambdas/core/steps/batch/write-batch-report.ts';
import { BATCH_DEFINITION, type BatchFixture, CHAMPION_ROWS, CHAMPION_SEED, createBatchFixture, inferenceCsv, warmer } from '../support/batch-fixture.ts';
import { LAST_RETRAIN_KEY, ledgerEntryKey, MAP_RESULTS_PREFIX } from '../../lambdas/core/storage-keys.ts';

let fixture: BatchFixture;
beforeEach(async () => {
  fixture = await createBatchFixture();
});
afterEach(async () => {
  await fixture.close();
});

function state(record: RunRecord, name: string): StateRecord {
  const found = record.states.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no state ${name} in the record: ${record.states.map((s) => s.name).join(', ')}`);
  return found;
}

async function json<T>(key: string): Promise<T> {
  return JSON.parse((await fixture.bytesOf(key)).toString('utf8')) as T;
}

interface Output {
  drift: ComputeDriftResult;
  report: WriteBatchReportResult;
  retrain?: { executionName: string; started: boolean };
}

describe('batch-inference.asl.json, the definition', () => {
  const definition = JSON.parse(readFileSync(BATCH_DEFINITION, 'utf8')) as { StartAt: string; States: Record<string, Record<string, unknown>> };
  const states = definition.States;

  it('lists the new files first, then fans out with a Distributed Map over their manifest, one file per item', () => {
    expect(definition.StartAt).toBe('ListNewFiles');
    expect(states.ListNewFiles).toMatchObject({ Type: 'Task', ResultPath: '$.files', Next: 'ListNewFilesResult' });
    expect(states.ListNewFilesResult).toMatchObject({ Type: 'Pass', InputPath: '$.files.Payload', ResultPath: '$.files', Next: 'ScoreFiles' });
    expect(states.ScoreFiles).toMatchObject({
      Type: 'Map',
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: '${LakeBucketName}', 'Key.$': '$.files.manifestKey' } },
      ItemSelector: {
        'key.$': '$$.Map.Item.Value.Key',
        'etag.$': '$$.Map.Item.Value.Etag',
        'size.$': '$$.Map.Item.Value.Size',
        'batchName.$': '$.batchName',
        'maxFileBytes.$': '$.config.maxFileBytes',
      },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'ScoreFile' },
      ResultPath: null,
      Next: 'ComputeDrift',
    });
    expect(states.ScoreFiles).not.toHaveProperty('ItemBatcher');
    const processor = states.ScoreFiles.ItemProcessor as { States: Record<string, Record<string, unknown>> };
    expect(processor.States.ScoreFile.Parameters).toEqual({ FunctionName: '${ScoreFileFunctionArn}', 'Payload.$': '$' });
  });

  it('tolerates failed children up to a share, and keeps their results out of the state', () => {
    // A child that fails after its retries (a timeout, out of memory) costs that file, not the batch; more than half failing is systemic.
    expect(states.ScoreFiles.ToleratedFailurePercentage).toBe(50);
    // Results go to S3 in AWS; each child returns three fields, not ScoreFile's whole result.
    expect(states.ScoreFiles.ResultWriter).toEqual({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: '${LakeBucketName}', Prefix: MAP_RESULTS_PREFIX.replace(/\/$/, '') } });
    const processor = states.ScoreFiles.ItemProcessor as { States: Record<string, Record<string, unknown>> };
    expect(processor.States.ScoreFile.ResultSelector).toEqual({ 'key.$': '$.Payload.key', 'status.$': '$.Payload.status', 'duplicate.$': '$.Payload.duplicate' });
    expect(processor.States.ScoreFile).not.toHaveProperty('OutputPath');
  });

  it('runs ComputeDrift, WriteBatchReport, then starts a retrain only when drift requested one', () => {
    const main: [string, unknown][] = [];
    let name: string | undefined = states.ScoreFiles.Next as string;
    while (name !== undefined && states[name].Type !== 'Choice') {
      if (states[name].Type !== 'Pass') main.push([name, states[name].ResultPath]);
      name = states[name].Next as string | undefined;
    }
    expect(main).toEqual([
      ['ComputeDrift', '$.drift'],
      ['WriteBatchReport', '$.report'],
    ]);
    expect(states[name!]).toMatchObject({ Choices: [{ Variable: '$.drift.retrain.requested', BooleanEquals: true, Next: 'StartRetrain' }], Default: 'Scored' });
    expect(states.StartRetrain.ResultPath).toBe('$.retrain');
    expect(states[states.StartRetrain.Next as string]).toMatchObject({ Type: 'Pass', Next: 'RetrainStarted' });
    expect(states.Failed).toMatchObject({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
    for (const task of ['ScoreFiles', 'ComputeDrift', 'WriteBatchReport', 'StartRetrain']) {
      expect(states[task].Catch, task).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordFailure' }]);
    }
  });

  it('has one step per Task state', () => {
    const tasks = ['ScoreFile', ...Object.keys(states).filter((name) => states[name].Type === 'Task')].sort();
    expect(Object.keys(BATCH_STEPS).sort()).toEqual(tasks);
  });
});

describe('batch-inference.asl.json, happy path', () => {
  it('scores three files: one Parquet of predictions per file, drift computed, the report written', async () => {
    const version = await fixture.promoteChampion();
    const withBadRow = inferenceCsv(150, 12, 1001).replace(/\n(1003),([^,]+),([LMH]),[^,]+,/, '\n$1,$2,$3,hot,');
    const keys = [
      await fixture.landInference('c.csv', inferenceCsv(120, 13, 2001)),
      await fixture.landInference('a.csv', inferenceCsv(100, 11, 1)),
      await fixture.landInference('b.csv', withBadRow),
    ].sort();
    const events: RunEvent[] = [];
    const { started, record } = await fixture.runBatch('infer-000000000000000000000001', {}, { events });

    expect(started).toBe(true);
    expect(record.status, `${record.error}: ${causeMessage(record.cause)}`).toBe('SUCCEEDED');
    // The local reading of the Map's items precedes it, the check of its tolerated failures follows it (distributed-map.ts).
    expect(record.states.filter((s) => s.type !== 'Pass').map((s) => s.name)).toEqual(['ListNewFiles', 'ScoreFiles.ReadItems', 'ScoreFiles', 'ScoreFiles.ToleratedFailures', 'ComputeDrift', 'WriteBatchReport', 'RetrainOnDrift', 'Scored']);
    expect(state(record, 'ListNewFilesResult').output).toMatchObject({ files: { manifestKey: 'lake/batches/infer-000000000000000000000001/manifest.json', listed: 3, alreadyHandled: 0, selected: 3, deferred: 0 } });

    // The inline Map ran over the manifest in key order, each item { key, etag, size, batchName, maxFileBytes } as in AWS.
    const map = state(record, 'ScoreFiles');
    expect(map.iterations?.map((it) => (it.input as { key: string }).key)).toEqual(keys);
    for (const iteration of map.iterations ?? []) {
      expect(iteration.input).toEqual({ key: expect.any(String), etag: expect.stringMatching(/^".+"$/), size: expect.any(Number), batchName: 'infer-000000000000000000000001', maxFileBytes: DEFAULT_MAX_FILE_BYTES });
      expect(iteration.states.map((s) => [s.name, s.status])).toEqual([
        ['ScoreFile', 'SUCCEEDED'],
        ['ScoreFiles.IterationSucceeded', 'SUCCEEDED'],
      ]);
    }
    // The listing never enters the state data.
    expect(JSON.stringify(record.states.map((s) => s.input))).not.toContain('PrognosLocalItems');
    expect(events.filter((e) => e.type === 'StateEntered' && e.state === 'ScoreFile').map((e) => e.mapIndex).sort()).toEqual([0, 1, 2]);

    const predictions = await fixture.keys('lake/predictions/dt=2026-03-02/');
    expect(predictions).toHaveLength(3);
    const columns = predictionTableColumns(DEFAULT_CONTRACT).map((c) => c.name);
    const counts: number[] = [];
    for (const key of predictions) {
      const rows = await decodeParquet(await fixture.bytesOf(key));
      expect(Object.keys(rows[0]!)).toEqual(columns);
      for (const row of rows) {
        expect(row.model_version).toBe(version);
        expect(row.probability).toBeGreaterThan(0);
        expect(row.probability).toBeLessThan(1);
        expect([0, 1]).toContain(row.label);
        expect([0, 1]).toContain(row.review);
        expect(row.scored_at).toEqual(new Date('2026-03-02T10:00:00.000Z'));
      }
      counts.push(rows.length);
    }
    expect(counts.sort((x, y) => x - y)).toEqual([100, 120, 149]);

    // The bad row: quarantined with its line and reason.
    const [quarantineKey] = await fixture.keys('lake/quarantine/');
    const quarantined = (await fixture.bytesOf(quarantineKey!)).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { source: string; line: number; reason: string });
    expect(quarantined).toEqual([expect.objectContaining({ source: 'landing/inference/b.csv', line: 4, reason: expect.stringContaining('air_temperature_k') })]);

    const output = record.output as Output;
    expect(output.report).toMatchObject({
      modelVersion: version,
      files: { listed: 3, scored: 3, duplicates: 0, unusable: 0, skipped: 0 },
      rows: { read: 370, scored: 369, quarantined: 1 },
      unusable: [],
    });
    expect(output.report.rows.flagged).toBeGreaterThanOrEqual(0);
    expect(output.drift).toMatchObject({ status: 'computed', modelVersion: version, rows: 369, retrain: { requested: false } });
    // The product type drifts as one categorical input (level shares), not as three 0/1 numbers.
    expect(output.drift.features.map((f) => f.name)).toEqual(['air_temperature_k', 'process_temperature_k', 'rotational_speed_rpm', 'torque_nm', 'tool_wear_min', 'power_w', 'temperature_difference_k', 'strain_min_nm']);
    expect(output.drift.categories.map((c) => c.name)).toEqual(['product_type']);
    expect(output.drift.drifted).toBe(output.drift.features.some((f) => f.drifted) || output.drift.categories.some((c) => c.drifted) || output.drift.latentVariance!.drifted);

    const drift = await json<DriftRecord>(output.drift.key);
    expect(driftReportSchema.parse(drift.report)).toMatchObject({ rows: 369, drifted: output.drift.drifted });
    expect(drift.files).toEqual(keys);
    const html = (await fixture.bytesOf(output.report.reportKey)).toString('utf8');
    expect(output.report.reportKey).toBe('lake/predictions/reports/infer-000000000000000000000001.html');
    expect(html).toContain('infer-000000000000000000000001');
    expect(html).toContain('<svg');
    const summary = await json<{ files: { key: string; status: string; predictionsKey: string | null }[] }>(output.report.summaryKey);
    expect(summary.files.map((f) => [f.key, f.status])).toEqual(keys.map((key) => [key, 'scored']));
  });

  it('records a Distributed Map as an inline Map with the same items in the run record', async () => {
    await fixture.promoteChampion();
    await fixture.landInference('only.csv', inferenceCsv(60, 5, 1));
    const { record } = await fixture.runBatch('infer-000000000000000000000002');
    const onDisk = JSON.parse(await readFile(`${fixture.runsDir}/infer-000000000000000000000002.json`, 'utf8')) as RunRecord;
    expect(onDisk).toEqual(record);
    expect(state(record, 'ScoreFiles')).toMatchObject({ type: 'Map', status: 'SUCCEEDED' });
    expect(state(record, 'ScoreFiles').iterations).toHaveLength(1);
  });
});

describe('batch-inference.asl.json, bad files', () => {
  it('quarantines an unusable file as a whole, scores the others, and names it in the result', async () => {
    await fixture.promoteChampion();
    await fixture.landInference('a.csv', inferenceCsv(80, 21, 1));
    await fixture.landInference('b.csv', 'serial,temperature\n1,300\n');
    await fixture.landInference('c.csv', inferenceCsv(90, 22, 501));
    const { record } = await fixture.runBatch('infer-000000000000000000000003');

    expect(record.status).toBe('SUCCEEDED');
    const output = record.output as Output;
    expect(output.report.files).toMatchObject({ listed: 3, scored: 2, unusable: 1 });
    expect(output.report.rows).toMatchObject({ read: 170, scored: 170 });
    expect(output.report.unusable).toEqual([{ key: 'landing/inference/b.csv', reason: expect.stringContaining('does not match the data contract') }]);
    expect(await fixture.keys('lake/predictions/dt=2026-03-02/')).toHaveLength(2);

    const [quarantineKey] = await fixture.keys('lake/quarantine/');
    const [row] = (await fixture.bytesOf(quarantineKey!)).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { source: string; reason: string });
    expect(row).toMatchObject({ source: 'landing/inference/b.csv', reason: expect.stringMatching(/^the whole file: .*missing required column/) });
    const html = (await fixture.bytesOf(output.report.reportKey)).toString('utf8');
    expect(html).toContain('landing/inference/b.csv');
  });

  it('a later batch does not fail on a file found unusable before: the ledger has it, it is not read again', async () => {
    await fixture.promoteChampion();
    await fixture.landInference('bad.csv', new Uint8Array([0, 159, 146, 150]));
    const first = await fixture.runBatch('infer-000000000000000000000004');
    expect((first.record.output as Output).report.files).toMatchObject({ unusable: 1, scored: 0 });
    await fixture.landInference('good.csv', inferenceCsv(50, 23, 1));
    const second = await fixture.runBatch('infer-000000000000000000000005');
    expect(second.record.status).toBe('SUCCEEDED');
    expect((second.record.output as Output).report).toMatchObject({ files: { listed: 1, scored: 1, duplicates: 0, unusable: 0 }, unusable: [] });
    // bad.csv is in the ledger: not in the manifest, no child for it.
    expect(state(second.record, 'ListNewFilesResult').output).toMatchObject({ files: { listed: 2, alreadyHandled: 1, selected: 1 } });
    const iterations = state(second.record, 'ScoreFiles').iterations ?? [];
    expect(iterations.map((it) => it.states[0]?.output)).toEqual([{ key: 'landing/inference/good.csv', status: 'scored', duplicate: false }]);
  });

  it('takes the failure path when there is no champion: recorded, then Failed with the error', async () => {
    await fixture.landInference('a.csv', inferenceCsv(30, 24, 1));
    const { record } = await fixture.runBatch('infer-000000000000000000000006');

    // Every child failed, more than the tolerated 50 %: the Map fails as in AWS, the child's error in its iteration.
    expect(record).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
    expect(causeMessage(record.cause)).toContain('1 of 1 iterations of ScoreFiles failed');
    expect(record.states.map((s) => s.name)).toEqual(['ListNewFiles', 'ListNewFilesResult', 'ScoreFiles.ReadItems', 'ScoreFiles', 'ScoreFiles.ToleratedFailures', 'RecordFailure', 'Failed']);
    const [iteration] = state(record, 'ScoreFiles').iterations ?? [];
    expect(iteration?.states[0]).toMatchObject({ name: 'ScoreFile', error: 'NoChampionError' });
    expect(causeMessage(iteration?.states[0]?.cause)).toContain('there is no champion yet');
    expect(await json<{ error: string }>('lake/runs/infer-000000000000000000000006/failure.json')).toMatchObject({ error: 'States.ExceedToleratedFailureThreshold' });
    // Nothing marked as scored: the file is scored by the next batch once there is a champion.
    expect(await fixture.keys('lake/scored/')).toEqual([]);
  });
});

describe('batch-inference.asl.json, idempotency by content', () => {
  it('scores the same file once: a later batch, or another key with the same bytes, returns the first result', async () => {
    await fixture.promoteChampion();
    const csv = inferenceCsv(70, 31, 1);
    await fixture.landInference('monday.csv', csv);
    const first = await fixture.runBatch('infer-000000000000000000000007');
    expect((first.record.output as Output).report.files).toMatchObject({ scored: 1 });
    const [predictions] = await fixture.keys('lake/predictions/');
    const bytes = await fixture.bytesOf(predictions!);

    fixture.advance(3_600_000);
    await fixture.landInference('monday-copy.csv', csv);
    const second = await fixture.runBatch('infer-000000000000000000000008');
    const output = second.record.output as Output;
    // monday.csv is in the ledger (not read, not in this batch's file list); the copy is read, and its content is known.
    expect(output.report).toMatchObject({ files: { listed: 1, scored: 0, duplicates: 1 }, rows: { scored: 0 } });
    expect(output.drift).toMatchObject({ status: 'no-rows', retrain: { requested: false } });
    // Each batch has its report and work list (flagged.csv) beside the predictions.
    expect(await fixture.keys('lake/predictions/')).toEqual(
      [
        predictions,
        'lake/predictions/reports/infer-000000000000000000000007.html',
        'lake/predictions/reports/infer-000000000000000000000007/flagged.csv',
        'lake/predictions/reports/infer-000000000000000000000008.html',
        'lake/predictions/reports/infer-000000000000000000000008/flagged.csv',
      ].sort(),
    );
    expect(await fixture.bytesOf(predictions!)).toEqual(bytes);
    const iterations = state(second.record, 'ScoreFiles').iterations ?? [];
    expect(iterations.map((it) => it.states[0]?.output)).toEqual([{ key: 'landing/inference/monday-copy.csv', status: 'scored', duplicate: true }]);
  });

  it('counts the same bytes under two keys in one batch once', async () => {
    await fixture.promoteChampion();
    const csv = inferenceCsv(40, 32, 1);
    await fixture.landInference('x.csv', csv);
    await fixture.landInference('y.csv', csv);
    const { record } = await fixture.runBatch('infer-000000000000000000000009');
    expect((record.output as Output).report).toMatchObject({ files: { listed: 2, scored: 1, duplicates: 1 }, rows: { scored: 40 } });
    expect((record.output as Output).drift.rows).toBe(40);
    expect(await fixture.keys('lake/predictions/dt=2026-03-02/')).toHaveLength(1);
  });

  it('runs a batch name once; a forced re-run scores nothing twice and reports the same batch', async () => {
    await fixture.promoteChampion();
    await fixture.landInference('a.csv', inferenceCsv(30, 33, 1));
    const first = await fixture.runBatch('infer-00000000000000000000000a');
    const again = await fixture.runBatch('infer-00000000000000000000000a');
    expect(again.started).toBe(false);
    expect(again.record).toEqual(first.record);

    const [predictions] = await fixture.keys('lake/predictions/dt=');
    const before = await fixture.bytesOf(predictions!);
    fixture.advance(60_000);
    const rerun = await fixture.runBatch('infer-00000000000000000000000a', {}, { replace: true });
    expect(rerun.started).toBe(true);
    // a.csv is in the ledger, by this batch's first run: nothing to score, no child.
    expect(state(rerun.record, 'ScoreFiles').iterations ?? []).toEqual([]);
    // Its own files still count for the batch: the same totals and drift as the first run.
    expect((rerun.record.output as Output).report).toEqual((first.record.output as Output).report);
    expect((rerun.record.output as Output).drift.rows).toBe(30);
    expect(await fixture.bytesOf(predictions!)).toEqual(before);
    expect(await fixture.keys('lake/predictions/dt=')).toEqual([predictions]);
  });
});

describe('batch-inference.asl.json, at scale: the ledger, the size cap, tolerated failures', () => {
  it('completes a batch with one oversized and one unusable file among good ones, and scores the good ones', async () => {
    await fixture.promoteChampion();
    const good = [await fixture.landInference('a.csv', inferenceCsv(40, 41, 1)), await fixture.landInference('d.csv', inferenceCsv(30, 42, 101))];
    const oversized = await fixture.landInference('b-big.csv', inferenceCsv(400, 43, 201));
    const unusable = await fixture.landInference('c-bad.csv', new Uint8Array([0, 159, 146, 150]));
    const cap = Math.max(...(await Promise.all(good.map(async (key) => (await fixture.bytesOf(key)).length)))) + 1;
    const { record } = await fixture.runBatch('infer-000000000000000000000041', { maxFileBytes: cap });

    expect(record.status, `${record.error}: ${causeMessage(record.cause)}`).toBe('SUCCEEDED');
    const report = (record.output as Output).report;
    expect(report).toMatchObject({ files: { listed: 4, scored: 2, unusable: 2 }, rows: { scored: 70 } });
    expect(report.unusable.map((file) => file.key)).toEqual([oversized, unusable]);
    expect(report.unusable[0]!.reason).toMatch(new RegExp(`^over the size cap: \\d+ bytes, more than maxFileBytes ${cap}`));
    expect(await fixture.keys('lake/predictions/dt=2026-03-02/')).toHaveLength(2);
    // The oversized file is quarantined whole, unread: no content marker, one quarantine record with the reason.
    const summary = await json<{ files: { key: string; quarantineKey: string | null }[] }>(report.summaryKey);
    const quarantineKey = summary.files.find((file) => file.key === oversized)!.quarantineKey!;
    const [row] = (await fixture.bytesOf(quarantineKey)).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { source: string; line: number; reason: string });
    expect(row).toMatchObject({ source: oversized, line: 0, reason: expect.stringContaining('the whole file: over the size cap') });
    expect(await fixture.keys('lake/scored/')).toHaveLength(3);
    expect(await fixture.keys('lake/ledger/')).toHaveLength(4);
  });

  it('tolerates a child that fails after its retries: the others are scored, and the next batch takes that file up again', async () => {
    await fixture.promoteChampion();
    await fixture.landInference('a.csv', inferenceCsv(40, 48, 1));
    const broken = await fixture.landInference('b.csv', inferenceCsv(30, 49, 101));
    await fixture.landInference('c.csv', inferenceCsv(20, 50, 201));
    // Reading b.csv fails with an error no Retry matches (as a Lambda timeout would after its retries).
    const failing: ObjectStore = {
      get: async (key) => {
        if (key === broken) throw Object.assign(new Error(`${key}: connection reset`), { name: 'ReadError' });
        return fixture.store.get(key);
      },
      getStream: (key) => fixture.store.getStream(key),
      head: (key) => fixture.store.head(key),
      list: (prefix) => fixture.store.list(prefix),
      put: (key, body, options) => fixture.store.put(key, body, options),
    };
    const first = await fixture.runBatch('infer-000000000000000000000045', {}, { store: failing });
    expect(first.record.status, `${first.record.error}: ${causeMessage(first.record.cause)}`).toBe('SUCCEEDED');
    expect((first.record.output as Output).report).toMatchObject({ files: { listed: 2, scored: 2 }, rows: { scored: 60 } });
    const iterations = state(first.record, 'ScoreFiles').iterations ?? [];
    expect(iterations[1]?.states[0]).toMatchObject({ name: 'ScoreFile', status: 'CAUGHT', error: 'ReadError' });
    expect(await fixture.keys('lake/ledger/')).toHaveLength(2);

    const second = await fixture.runBatch('infer-000000000000000000000046');
    expect((second.record.output as Output).report).toMatchObject({ files: { listed: 1, scored: 1 }, rows: { scored: 30 } });
  });

  it('takes up at most maxFilesPerBatch new files, oldest keys first; the next batch takes the rest', async () => {
    await fixture.promoteChampion();
    for (const [name, seed] of [['c.csv', 53], ['a.csv', 51], ['b.csv', 52]] as const) await fixture.landInference(name, inferenceCsv(20, seed, seed * 100));
    const first = await fixture.runBatch('infer-000000000000000000000047', { maxFilesPerBatch: 2 });
    expect(first.record.status).toBe('SUCCEEDED');
    expect(state(first.record, 'ListNewFilesResult').output).toMatchObject({ files: { listed: 3, selected: 2, deferred: 1 } });
    expect((state(first.record, 'ScoreFiles').iterations ?? []).map((it) => (it.input as { key: string }).key)).toEqual(['landing/inference/a.csv', 'landing/inference/b.csv']);
    const second = await fixture.runBatch('infer-000000000000000000000048', { maxFilesPerBatch: 2 });
    expect(state(second.record, 'ListNewFilesResult').output).toMatchObject({ files: { listed: 3, alreadyHandled: 2, selected: 1, deferred: 0 } });
    expect((second.record.output as Output).report.files).toMatchObject({ listed: 1, scored: 1 });
  });

  it('a second batch scores only new files; a re-upload under the same key is scored again', async () => {
    await fixture.promoteChampion();
    await fixture.landInference('a.csv', inferenceCsv(40, 44, 1));
    await fixture.landInference('b.csv', inferenceCsv(30, 45, 101));
    const first = await fixture.runBatch('infer-000000000000000000000042');
    expect((first.record.output as Output).report.files).toMatchObject({ listed: 2, scored: 2 });

    fixture.advance(3_600_000);
    const fresh = await fixture.landInference('c.csv', inferenceCsv(20, 46, 201));
    const second = await fixture.runBatch('infer-000000000000000000000043');
    expect((second.record.output as Output).report).toMatchObject({ files: { listed: 1, scored: 1, duplicates: 0 }, rows: { scored: 20 } });
    expect((second.record.output as Output).drift.rows).toBe(20);
    // Only the new file gets a child: the manifest lists it alone.
    const outcomes = (state(second.record, 'ScoreFiles').iterations ?? []).map((it) => it.states[0]?.output);
    expect(outcomes).toEqual([{ key: fresh, status: 'scored', duplicate: false }]);
    expect(JSON.parse((await fixture.bytesOf('lake/batches/infer-000000000000000000000043/manifest.json')).toString('utf8'))).toEqual([
      { Key: fresh, Etag: expect.stringMatching(/^".+"$/), Size: expect.any(Number) },
    ]);

    fixture.advance(3_600_000);
    const replaced = await fixture.landInference('a.csv', inferenceCsv(25, 47, 301));
    const third = await fixture.runBatch('infer-000000000000000000000044');
    expect((third.record.output as Output).report).toMatchObject({ files: { listed: 1, scored: 1 }, rows: { scored: 25 } });
    expect(await fixture.keys('lake/ledger/')).toHaveLength(4);
    expect((await fixture.keys('lake/ledger/')).filter((key) => key.startsWith(ledgerEntryKey(replaced, '"x"').split('/').slice(0, 3).join('/')))).toHaveLength(2);
  });
});

describe('batch-inference.asl.json, drift and retrain', () => {
  it('finds no drift in readings distributed as the training data', async () => {
    await fixture.promoteChampion();
    await fixture.landInference('like-training.csv', inferenceCsv(CHAMPION_ROWS, CHAMPION_SEED, 1));
    const { record } = await fixture.runBatch('infer-000000000000000000000010', { retrainOnDrift: true });
    const output = record.output as Output;
    expect(output.drift).toMatchObject({ status: 'computed', rows: CHAMPION_ROWS, drifted: false, retrain: { requested: false, reason: 'no drift' } });
    for (const feature of output.drift.features) expect(feature.psi, feature.name).toBeLessThan(0.01);
    expect(output.drift.latentVariance!.drifted).toBe(false);
    expect(fixture.retrain.requests).toEqual([]);
  });

  it('computes drift but requests no retrain while retrainOnDrift is off (the default)', async () => {
    await fixture.promoteChampion();
    await fixture.landInference('warm.csv', inferenceCsv(200, 41, 1, warmer));
    const { record } = await fixture.runBatch('infer-00000000000000000000000b');
    const output = record.output as Output;
    expect(output.drift).toMatchObject({ status: 'computed', drifted: true, retrain: { requested: false, reason: expect.stringContaining('retrainOnDrift is off') } });
    expect(output.drift.features.find((f) => f.name === 'air_temperature_k')).toMatchObject({ drifted: true });
    expect(output.drift.features.find((f) => f.name === 'air_temperature_k')!.psi).toBeGreaterThan(1);
    expect(fixture.retrain.requests).toEqual([]);
    expect(record.states.at(-1)?.name).toBe('Scored');
  });

  it('judges no drift on a batch under minRows, and says it had too few rows', async () => {
    await fixture.promoteChampion();
    await fixture.landInference('warm-few.csv', inferenceCsv(50, 42, 1, warmer));
    const { record } = await fixture.runBatch('infer-00000000000000000000001b', { retrainOnDrift: true });
    const output = record.output as Output;
    expect(output.drift).toMatchObject({ status: 'computed', rows: 50, enoughRows: false, drifted: false, retrain: { requested: false, reason: 'no drift' } });
    expect(output.drift.note).toContain('not enough rows: 50 scored, drift is judged from 100');
    // The statistics are still there for a person to read.
    expect(Math.abs(output.drift.features.find((f) => f.name === 'air_temperature_k')!.meanShift)).toBeGreaterThan(1);
    expect(fixture.retrain.requests).toEqual([]);
  });

  it('starts a full retrain on drift, named drift-<batch>, and none within the cooldown', async () => {
    const version = await fixture.promoteChampion();
    const config = { retrainOnDrift: true, retrainCooldownHours: 24 };
    await fixture.landInference('day1.csv', inferenceCsv(200, 42, 1, warmer));
    const first = await fixture.runBatch('infer-00000000000000000000000c', config);

    expect(first.record.status).toBe('SUCCEEDED');
    expect(first.record.states.at(-1)?.name).toBe('RetrainStarted');
    expect((first.record.output as Output).retrain).toMatchObject({ executionName: 'drift-infer-00000000000000000000000c', started: true });
    expect(fixture.retrain.requests).toEqual([
      {
        name: 'drift-infer-00000000000000000000000c',
        input: expect.objectContaining({ runName: 'drift-infer-00000000000000000000000c', runDate: '2026-03-02', mode: 'full', files: [] }),
      },
    ]);
    expect(await json(LAST_RETRAIN_KEY)).toEqual({
      batchName: 'infer-00000000000000000000000c',
      executionName: 'drift-infer-00000000000000000000000c',
      requestedAt: '2026-03-02T10:00:00.000Z',
      modelVersion: version,
    });

    // 23 hours later: drift again, but within the cooldown.
    fixture.advance(23 * 3_600_000);
    await fixture.landInference('day2.csv', inferenceCsv(200, 43, 1001, warmer));
    const second = await fixture.runBatch('infer-00000000000000000000000d', config);
    expect((second.record.output as Output).drift).toMatchObject({
      drifted: true,
      retrain: { requested: false, executionName: null, reason: expect.stringContaining('within the cooldown') },
    });
    expect(second.record.states.at(-1)?.name).toBe('Scored');
    expect(fixture.retrain.requests).toHaveLength(1);

    // Past the cooldown: the next drifting batch starts the next retrain.
    fixture.advance(2 * 3_600_000);
    await fixture.landInference('day3.csv', inferenceCsv(200, 44, 2001, warmer));
    const third = await fixture.runBatch('infer-00000000000000000000000e', config);
    expect(third.record.states.at(-1)?.name).toBe('RetrainStarted');
    expect(fixture.retrain.requests.map((r) => r.name)).toEqual(['drift-infer-00000000000000000000000c', 'drift-infer-00000000000000000000000e']);
    expect(await json(LAST_RETRAIN_KEY)).toMatchObject({ batchName: 'infer-00000000000000000000000e', requestedAt: '2026-03-03T11:00:00.000Z' });
  });

  it('scores a batch with a challenger champion: probability and label, latent columns and review null, drift on the features alone', async () => {
    const version = await fixture.promoteChampion({ challenger: 'gradient-boosting' });
    await fixture.landInference('a.csv', inferenceCsv(80, 46, 1));
    const { record } = await fixture.runBatch('infer-000000000000000000000010');
    const output = record.output as Output;
    expect(record.status, `${record.error}: ${causeMessage(record.cause)}`).toBe('SUCCEEDED');
    const [key] = await fixture.keys('lake/predictions/dt=2026-03-02/');
    const rows = await decodeParquet(await fixture.bytesOf(key!));
    expect(rows).toHaveLength(80);
    for (const row of rows) {
      expect(row.model_version).toBe(version);
      expect(row.probability).toBeGreaterThan(0);
      expect(row.probability).toBeLessThan(1);
      expect([0, 1]).toContain(row.label);
      // Nothing invented for a model without uncertainty.
      expect([row.latent_mean, row.latent_std, row.review]).toEqual([null, null, null]);
    }
    // Review does not apply (null), rather than 0 rows reviewed.
    expect(output.report.rows).toMatchObject({ scored: 80, review: null, flagged: rows.filter((r) => r.label === 1).length });
    expect(output.drift).toMatchObject({ status: 'computed', rows: 80, latentVariance: null });
    const report = (await fixture.bytesOf(output.report.reportKey)).toString('utf8');
    expect(report).toContain('This model gives no uncertainty');
  });

  it('skips drift, and says so, for a champion without a training reference', async () => {
    await fixture.promoteChampion({ reference: false });
    await fixture.landInference('a.csv', inferenceCsv(50, 45, 1, warmer));
    const { record } = await fixture.runBatch('infer-00000000000000000000000f', { retrainOnDrift: true });
    const output = record.output as Output;
    expect(record.status).toBe('SUCCEEDED');
    expect(output.drift).toMatchObject({ status: 'no-reference', drifted: false, note: expect.stringContaining('no training reference'), retrain: { requested: false } });
    expect(output.report.rows.scored).toBe(50);
    expect(fixture.retrain.requests).toEqual([]);
  });
});
