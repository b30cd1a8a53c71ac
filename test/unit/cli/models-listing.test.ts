/**
 * `prognos models` and `prognos models show` over a real home folder holding what runs leave:
 * per run a GP and two challenger versions, the run's decision record under the version the gate
 * judged (the GP's in today's runs, the picked challenger's once Promote promotes the pick), and
 * an old artifact with no lineage. Rows, grouping, the text table and the JSON, the record of one
 * version, and the error for one that does not exist.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { describeError } from '../../../lambdas/cli/errors.ts';
import type { CliIo } from '../../../lambdas/cli/io.ts';
import { groupByRun } from '../../../lambdas/cli/model-listing.ts';
import { formatModelRecord, runModelShow, UnknownVersionError } from '../../../lambdas/cli/model-show.ts';
import { modelsTable, runModels } from '../../../lambdas/cli/models.ts';
import { nearestVersions } from '../../../lambdas/cli/nearest-versions.ts';
import { runReport } from '../../../lambdas/cli/report.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import type { DeployedModel } from '../../../lambdas/core/ml/deployed-model.ts';
import { promoteChampion } from '../../../lambdas/core/registry/champion.ts';
import type { CandidateRow, DecisionRecord, Headline } from '../../../lambdas/core/registry/decision-record.ts';
import { saveModel, versionKey, writeJson } from '../../../lambdas/core/registry/model-store.ts';
import { testVersion, tinyModel } from '../../support/pipeline-fixture.ts';
import { trainChallengerServingModel } from '../serving/serving-fixture.ts';

const RUN_A = 'train-aaaaaaaaaaaaaaaaaaaaaaaa';
const RUN_B = 'train-bbbbbbbbbbbbbbbbbbbbbbbb';
const at = (iso: string) => new Date(iso);
// An artifact from before lineage was stored; run A (decision under the GP); run B (decision under the picked challenger).
const OLD = testVersion(0x01, at('2026-03-01T09:00:00.000Z'));
const GP_A = testVersion(0xa1, at('2026-03-02T10:00:05.000Z'));
const LR_A = testVersion(0xa2, at('2026-03-02T10:00:01.000Z'));
const GB_A = testVersion(0xa3, at('2026-03-02T10:00:02.000Z'));
const GP_B = testVersion(0xb1, at('2026-03-03T10:00:05.000Z'));
const LR_B = testVersion(0xb2, at('2026-03-03T10:00:01.000Z'));
const GB_B = testVersion(0xb3, at('2026-03-03T10:00:02.000Z'));

const headline = (version: string, recall: number, averagePrecision: number): Headline => ({ version, recall, precision: 0.2, averagePrecision, rocAuc: 0.95, threshold: 0.05 });
const trained = (kind: CandidateRow['kind'], holdout: Headline): CandidateRow => ({ status: 'trained', kind, fitSeconds: 1.5, holdout });

function decision(version: string, runName: string, promote: boolean, candidates: CandidateRow[], pick: DecisionRecord['pick']): DecisionRecord {
  const challenger = candidates.find((row) => row.status === 'trained' && row.holdout.version === version);
  if (challenger?.status !== 'trained') throw new Error('the judged version must be a trained candidate');
  return {
    promote,
    checks: [{ name: 'recall target', passed: promote, detail: `holdout recall ${challenger.holdout.recall.toFixed(3)} ${promote ? '≥' : '<'} target 0.800` }],
    summary: `${promote ? 'promote' : 'reject'} ${version}`,
    decidedAt: '2026-03-02T10:01:00.000Z',
    version,
    runName,
    minRecall: 0.8,
    margin: 0.02,
    challenger: challenger.holdout,
    champion: null,
    championNote: null,
    candidates,
    ...(pick ? { pick } : {}),
  };
}

function captureIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (text) => void (out += text), err: (text) => void (err += text), stdout: () => out, stderr: () => err };
}

describe('prognos models: versions by run, with lineage and holdout AP', () => {
  let home: string;
  let store: FsObjectStore;
  const options = () => ({ home, contract: DEFAULT_CONTRACT });

  async function save(version: string, model: DeployedModel, createdAt: string, extra?: Record<string, unknown>): Promise<void> {
    await saveModel(store, version, model, { createdAt, ...(extra ? { extra } : {}) });
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'prognos-models-'));
    store = new FsObjectStore(home);
    const gp = tinyModel();
    const logistic = trainChallengerServingModel('logistic-regression', 160, 3);
    const boosting = trainChallengerServingModel('gradient-boosting', 160, 3);
    const lineage = (runName: string, mode: string, trainRows: number, kind: string) => ({
      runName, mode, contract: DEFAULT_CONTRACT, trainingSetKey: `lake/training-sets/${runName}/training-set.parquet`, model: kind, trainRows,
    });
    await save(OLD, gp, '2026-03-01T09:00:00.000Z');
    await save(GP_A, gp, '2026-03-02T10:00:05.000Z', { ...lineage(RUN_A, 'full', 24, 'gpc-exact'), trainRowsAvailable: 30, modelReason: 'exact GP on 24 of 30 rows' });
    await save(LR_A, logistic, '2026-03-02T10:00:01.000Z', lineage(RUN_A, 'full', 160, 'logistic-regression'));
    await save(GB_A, boosting, '2026-03-02T10:00:02.000Z', lineage(RUN_A, 'full', 160, 'gradient-boosting'));
    await save(GP_B, gp, '2026-03-03T10:00:05.000Z', lineage(RUN_B, 'refit', 24, 'gpc-exact'));
    await save(LR_B, logistic, '2026-03-03T10:00:01.000Z', lineage(RUN_B, 'refit', 160, 'logistic-regression'));
    await save(GB_B, boosting, '2026-03-03T10:00:02.000Z', lineage(RUN_B, 'refit', 160, 'gradient-boosting'));
    // Run A: the gate judged the GP (promoted); the rule picked the logistic regression; boosting failed.
    const candidatesA = [trained('gpc-exact', headline(GP_A, 0.9, 0.61)), trained('logistic-regression', headline(LR_A, 0.85, 0.7)), { status: 'failed', kind: 'gradient-boosting', reason: 'States.Timeout: took too long' } as const];
    await writeJson(store, versionKey(GP_A, 'decision.json'), decision(GP_A, RUN_A, true, candidatesA, { version: LR_A, kind: 'logistic-regression', reason: 'highest AP' }));
    await store.put(versionKey(GP_A, 'report.html'), '<html></html>');
    // Run B: the gate judged the picked boosting model, and rejected it.
    const candidatesB = [trained('gpc-exact', headline(GP_B, 0.7, 0.5)), trained('logistic-regression', headline(LR_B, 0.75, 0.52)), trained('gradient-boosting', headline(GB_B, 0.78, 0.66))];
    await writeJson(store, versionKey(GB_B, 'decision.json'), decision(GB_B, RUN_B, false, candidatesB, { version: GB_B, kind: 'gradient-boosting', reason: 'no model reaches the target' }));
    await store.put(versionKey(GB_B, 'report.html'), '<html></html>');
    await promoteChampion(store, GP_A, RUN_A, undefined, at('2026-03-02T10:02:00.000Z'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('gives each version its run, mode, kind, rows, holdout numbers from its run\'s record, and where it stands', async () => {
    const listing = await runModels({ ...options(), json: true }, captureIo());
    const rows = Object.fromEntries(listing.versions.map((v) => [v.version, v]));
    expect(listing.versions.map((v) => v.version)).toEqual([OLD, LR_A, GB_A, GP_A, LR_B, GB_B, GP_B]);
    const fields = (version: string) => {
      const { runName, mode, kind, trainRows, gated, picked, status, createdAt } = rows[version]!;
      return { runName, mode, kind, trainRows, gated, picked, status, createdAt, ap: rows[version]!.holdout?.averagePrecision ?? null };
    };
    expect(fields(OLD)).toEqual({ runName: null, mode: null, kind: 'gpc-exact', trainRows: 24, gated: false, picked: null, status: 'not-promoted', createdAt: '2026-03-01T09:00:00.000Z', ap: null });
    expect(fields(GP_A)).toEqual({ runName: RUN_A, mode: 'full', kind: 'gpc-exact', trainRows: 24, gated: true, picked: false, status: 'serving', createdAt: '2026-03-02T10:00:05.000Z', ap: 0.61 });
    expect(fields(LR_A)).toMatchObject({ runName: RUN_A, kind: 'logistic-regression', trainRows: 160, gated: false, picked: true, status: 'candidate', ap: 0.7 });
    // A failed candidate has no holdout row.
    expect(fields(GB_A)).toMatchObject({ runName: RUN_A, kind: 'gradient-boosting', gated: false, picked: false, status: 'candidate', ap: null });
    // The record under the picked challenger: it is the gated one, the GP a sibling that still gets its AP.
    expect(fields(GB_B)).toMatchObject({ runName: RUN_B, mode: 'refit', kind: 'gradient-boosting', gated: true, picked: true, status: 'rejected', ap: 0.66 });
    expect(fields(GP_B)).toMatchObject({ runName: RUN_B, kind: 'gpc-exact', gated: false, picked: false, status: 'candidate', ap: 0.5 });
    expect(fields(LR_B)).toMatchObject({ gated: false, picked: false, status: 'candidate', ap: 0.52 });
    expect(rows[GB_B]!.decision).toMatchObject({ promote: false, runName: RUN_B });
    expect(rows[GP_B]!.decision).toBeNull();
  });

  it('groups the versions by run, the gated version first, runs in the order they were made', async () => {
    const listing = await runModels({ ...options(), json: true }, captureIo());
    expect(groupByRun(listing.versions).map((group) => [group.runName, group.versions.map((v) => v.version)])).toEqual([
      [null, [OLD]],
      [RUN_A, [GP_A, LR_A, GB_A]],
      [RUN_B, [GB_B, LR_B, GP_B]],
    ]);
  });

  it('prints one block per run: its name, mode and start, then its versions in aligned columns', async () => {
    const io = captureIo();
    const listing = await runModels(options(), io);
    expect(io.stdout()).toBe(
      [
        '     version                        kind                 rows  recall  holdout AP  gate    status',
        '  no run recorded · 2026-03-01 09:00 UTC',
        `     ${OLD}  gpc-exact              24       -           -  -       not promoted`,
        `  run ${RUN_A} · full · 2026-03-02 10:00 UTC`,
        `  *  ${GP_A}  gpc-exact              24   0.900       0.610  passed  serving`,
        `     ${LR_A}  logistic-regression   160   0.850       0.700  -       picked, not gated`,
        `     ${GB_A}  gradient-boosting     160       -           -  -       not picked`,
        `  run ${RUN_B} · refit · 2026-03-03 10:00 UTC`,
        `     ${GB_B}  gradient-boosting     160   0.780       0.660  failed  rejected`,
        `     ${LR_B}  logistic-regression   160   0.750       0.520  -       not picked`,
        `     ${GP_B}  gpc-exact              24   0.700       0.500  -       not picked`,
        "one model's record: npx prognos models show VERSION",
        '* serving since 2026-03-02T10:02:00.000Z (promoted by train-aaaaaaaaaaaaaaaaaaaaaaaa)',
        '',
      ].join('\n'),
    );
    expect(modelsTable(listing.versions)).toBe(io.stdout().split("one model's record")[0]);
    expect(io.stderr()).toBe('');
  });

  it('--json prints the listing, every field parsed back as it was built', async () => {
    const io = captureIo();
    const listing = await runModels({ ...options(), json: true }, io);
    expect(JSON.parse(io.stdout())).toEqual(JSON.parse(JSON.stringify(listing)));
    expect(JSON.parse(io.stdout())).toMatchObject({ champion: { version: GP_A }, versions: expect.arrayContaining([expect.objectContaining({ version: LR_B, runName: RUN_B, kind: 'logistic-regression', trainRows: 160, mode: 'refit' })]) });
  });

  it('says which manifest is unreadable and lists the rest', async () => {
    const broken = testVersion(0xff, at('2026-03-04T00:00:00.000Z'));
    await store.put(versionKey(broken, 'model/manifest.json'), '{ not json');
    try {
      const io = captureIo();
      const listing = await runModels(options(), io);
      expect(listing.versions.find((v) => v.version === broken)).toMatchObject({ kind: null, runName: null, manifestProblem: expect.stringMatching(/^manifest is not JSON/) });
      expect(io.stderr()).toMatch(new RegExp(`^model ${broken.replace('.', '\\.')}: manifest is not JSON`));
      expect(io.stdout()).toContain(`${broken}  ?`);
    } finally {
      await rm(join(home, 'models', broken), { recursive: true, force: true });
    }
  });

  it('show prints a gated version\'s record: lineage, contract, threshold, the gate\'s checks and its run\'s models', async () => {
    const io = captureIo();
    const record = await runModelShow({ ...options(), version: GP_A }, io);
    expect(record).toMatchObject({
      version: GP_A, status: 'serving', champion: true, kind: 'gpc-exact', runName: RUN_A, mode: 'full', trainRows: 24, trainRowsAvailable: 30,
      modelReason: 'exact GP on 24 of 30 rows', trainingSet: { key: `lake/training-sets/${RUN_A}/training-set.parquet` }, picked: false,
      decision: { version: GP_A, record: { promote: true } }, report: { version: GP_A },
    });
    expect(record.contract?.name).toBe('ai4i2020');
    expect(record.featureNames).toEqual(tinyModel().featureNames);
    expect(record.candidates).toHaveLength(3);
    const text = io.stdout();
    expect(text).toMatch(new RegExp(`^model ${GP_A.replace('.', '\\.')}\n  status +serving \\(the champion\\)\n  kind +gpc-exact\n`));
    expect(text).toMatch(/trained on +24 rows of 30 \(exact GP on 24 of 30 rows\)/);
    expect(text).toMatch(/contract +ai4i2020 \(version 1\): 6 features, 3 derived, label machine_failure, id udi/);
    expect(text).toMatch(/threshold +\S+ for recall ≥ 0\.9 \(leave-one-out: recall/);
    expect(text).toContain(`${join(home, 'models', GP_A, 'report.html')}\n`);
    expect(text).toContain('gate: passed, judging this version (2026-03-02T10:01:00.000Z)\n  ✓  recall target  holdout recall 0.900 ≥ target 0.800\n');
    expect(text).toMatch(new RegExp(`gpc-exact +${GP_A.replace('.', '\\.')} +1\\.50 +0\\.900 +0\\.200 +0\\.610 +0\\.950 +this one\n`));
    expect(text).toMatch(new RegExp(`logistic-regression +${LR_A.replace('.', '\\.')} +1\\.50 +0\\.850 +0\\.200 +0\\.700 +0\\.950 +picked\n`));
    expect(text).toMatch(/gradient-boosting +failed: States\.Timeout: took too long\n/);
    expect(text).toContain('the rule picked logistic-regression: highest AP');
  });

  it('report of a version the rule did not pick gives its run\'s report, under the judged sibling, and says so', async () => {
    const io = captureIo();
    const path = await runReport({ ...options(), version: GP_B, json: true }, io);
    expect(path).toBe(join(home, 'models', GB_B, 'report.html'));
    expect(JSON.parse(io.stdout())).toEqual({ version: GB_B, requested: GP_B, path, champion: false });
    expect(io.stderr()).toContain(`model ${GP_B} was trained beside ${GB_B}, which the gate judged`);
    // Its own report first; and an old version without a run has none to fall back on.
    expect(await runReport({ ...options(), version: GB_B }, captureIo())).toBe(path);
    await expect(runReport({ ...options(), version: OLD }, captureIo())).rejects.toThrow(`model ${OLD} has no report`);
  });

  it('show of a sibling finds its run\'s decision, candidates and report under the gated version', async () => {
    const io = captureIo();
    const record = await runModelShow({ ...options(), version: GP_B }, io);
    expect(record).toMatchObject({ status: 'candidate', gp: { kernel: expect.any(String) }, holdout: { averagePrecision: 0.5 }, decision: { version: GB_B, record: { promote: false } }, report: { version: GB_B } });
    expect(io.stdout()).toContain(`gate: failed, judging ${GB_B}, a sibling of this version`);
    expect(io.stdout()).toContain(`(its run's, under ${GB_B})`);
    expect(io.stdout()).toContain('  ✗  recall target');
    const challenger = await runModelShow({ ...options(), version: LR_A, json: true }, captureIo());
    expect(challenger).toMatchObject({ kind: 'logistic-regression', gp: null, trainRows: 160, trainRowsAvailable: null, threshold: { source: 'out-of-fold' } });
  });

  it('show of an old artifact says what it lacks instead of failing', async () => {
    const record = await runModelShow({ ...options(), version: OLD, json: true }, captureIo());
    expect(record).toMatchObject({ runName: null, mode: null, trainingSet: null, contract: null, decision: null, candidates: null, report: null, holdout: null });
    const text = formatModelRecord(record);
    expect(text).toContain('no gate decision: its run stopped before the gate');
    expect(text).toMatch(/contract +- \(none stored with the model\)/);
    expect(text).not.toContain('models trained in run');
  });

  it('show --json prints the record as one JSON document', async () => {
    const io = captureIo();
    const record = await runModelShow({ ...options(), version: GB_B, json: true }, io);
    expect(JSON.parse(io.stdout())).toEqual(JSON.parse(JSON.stringify(record)));
  });

  it('show of a version that does not exist names the nearest ones; one that is not a version says how to list them', async () => {
    const missing = testVersion(0xb4, at('2026-03-03T10:00:03.000Z'));
    const error = await runModelShow({ ...options(), version: missing }, captureIo()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownVersionError);
    expect((error as Error).message).toBe(`there is no model ${missing}; the nearest: ${GB_B}, ${GP_B}, ${LR_B}; npx prognos models lists them`);
    expect(describeError(error)).toMatchObject({ exitCode: 1, expected: true });

    const nope = await runModelShow({ ...options(), version: 'nope' }, captureIo()).catch((e: unknown) => e);
    expect(nope).toBeInstanceOf(UnknownVersionError);
    expect((nope as Error).message).toBe('"nope" is not a model version (e.g. 20261126T190501.123Z-1a2b3c4d); npx prognos models lists them');
  });
});

describe('nearestVersions', () => {
  const versions = ['20260101T000000.000Z-00000001', '20260102T000000.000Z-00000002', '20260103T000000.000Z-00000003', '20260110T000000.000Z-00000004'];

  it('ranks by distance in time, the newer first on a tie', () => {
    expect(nearestVersions('20260102T120000.000Z-ffffffff', versions, 2)).toEqual(['20260103T000000.000Z-00000003', '20260102T000000.000Z-00000002']);
    expect(nearestVersions('20260109T000000Z-00000000', versions, 1)).toEqual(['20260110T000000.000Z-00000004']);
  });

  it('without an instant to go by, the newest; none when there are none', () => {
    expect(nearestVersions('latest', versions, 2)).toEqual(['20260110T000000.000Z-00000004', '20260103T000000.000Z-00000003']);
    expect(nearestVersions('20260102T000000.000Z-00000009', [])).toEqual([]);
  });
});
