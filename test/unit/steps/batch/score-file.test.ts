import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../../lambdas/core/errors.ts';
import type { ObjectStore } from '../../../../lambdas/core/ports/object-store.ts';
import { scoreFileResultSchema } from '../../../../lambdas/core/steps/batch/batch-state.ts';
import { scoreFile } from '../../../../lambdas/core/steps/batch/score-file.ts';
import { decodeParquet } from '../../../../lambdas/core/data/parquet.ts';
import { needsReview } from '../../../../lambdas/core/ml/review.ts';
import { loadManifest } from '../../../../lambdas/core/registry/model-store.ts';
import { type BatchFixture, createBatchFixture, inferenceCsv } from '../../../support/batch-fixture.ts';
import { batchFileKey, LEDGER_PREFIX, ledgerEntryKey } from '../../../../lambdas/core/storage-keys.ts';

let fixture: BatchFixture;
beforeEach(async () => {
  fixture = await createBatchFixture();
});
afterEach(async () => {
  await fixture.close();
});

const BATCH = 'infer-0123456789abcdef01234567';

describe('scoreFile', () => {
  it('returns a small result for the state and keeps the drift summary in the batch file list', async () => {
    await fixture.promoteChampion();
    const key = await fixture.landInference('a.csv', inferenceCsv(50, 1, 1));
    const result = await scoreFile({ key, etag: '"x"', batchName: BATCH }, fixture.context);
    expect(result).toMatchObject({ key, status: 'scored', duplicate: false, rowsScored: 50, hasDrift: true });
    expect(result).not.toHaveProperty('drift');
    expect(JSON.stringify(result).length).toBeLessThan(1500);
    const entry = scoreFileResultSchema.parse(JSON.parse((await fixture.bytesOf(batchFileKey(BATCH, key))).toString('utf8')));
    expect(entry.drift?.rows).toBe(50);
    expect(entry.scores?.counts.reduce((a, b) => a + b, 0)).toBe(50);
  });

  it('reads a key + ETag found in the ledger not at all; a new ETag under the key is scored again', async () => {
    await fixture.promoteChampion();
    const key = await fixture.landInference('a.csv', inferenceCsv(30, 3, 1));
    const head = (await fixture.store.head(key))!;
    const listed = { key, etag: `"${head.etag}"`, size: head.size, batchName: BATCH };
    await expect(scoreFile(listed, fixture.context)).resolves.toMatchObject({ status: 'scored', duplicate: false, rowsScored: 30 });
    expect(await fixture.keys(LEDGER_PREFIX)).toEqual([ledgerEntryKey(key, listed.etag)]);

    const reads: string[] = [];
    const counting: ObjectStore = { ...fixture.store, get: (k) => (reads.push(k), fixture.store.get(k)), head: (k) => fixture.store.head(k), list: (p) => fixture.store.list(p), put: (k, b, o) => fixture.store.put(k, b, o), getStream: (k) => fixture.store.getStream(k) };
    const later = 'infer-0123456789abcdef01234568';
    await expect(scoreFile({ ...listed, batchName: later }, { ...fixture.context, store: counting })).resolves.toMatchObject({ key, status: 'scored', duplicate: true, batchName: BATCH });
    expect(reads).toEqual([ledgerEntryKey(key, listed.etag)]);
    expect(await fixture.keys(`lake/batches/${later}/`)).toEqual([]);

    // The same key with other bytes (a new ETag) is scored again.
    await fixture.landInference('a.csv', inferenceCsv(12, 4, 1));
    const replaced = (await fixture.store.head(key))!;
    await expect(scoreFile({ key, etag: `"${replaced.etag}"`, size: replaced.size, batchName: later }, fixture.context)).resolves.toMatchObject({ status: 'scored', duplicate: false, rowsScored: 12 });
    expect(await fixture.keys(LEDGER_PREFIX)).toHaveLength(2);
  });

  it('quarantines a file over maxFileBytes whole, unread, with the reason, and ledgers it', async () => {
    await fixture.promoteChampion();
    const key = await fixture.landInference('big.csv', inferenceCsv(30, 5, 1));
    const size = (await fixture.store.head(key))!.size;
    const result = await scoreFile({ key, batchName: BATCH, maxFileBytes: size - 1 }, fixture.context);
    expect(result).toMatchObject({ status: 'unusable', sha256: null, rowsRead: 0, reason: `over the size cap: ${size} bytes, more than maxFileBytes ${size - 1}; split it into smaller files, or raise maxFileBytes in the batch configuration` });
    const [row] = (await fixture.bytesOf(result.quarantineKey!)).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(row).toEqual({ source: key, line: 0, reason: `the whole file: ${result.reason}`, values: {} });
    expect(await fixture.keys('lake/scored/')).toEqual([]);
    const [entry] = await fixture.keys(LEDGER_PREFIX);
    expect(JSON.parse((await fixture.bytesOf(entry!)).toString('utf8'))).toMatchObject({ key, status: 'oversized', sha256: null, batchName: BATCH });
    // At the cap itself the file is scored.
    await fixture.landInference('big2.csv', inferenceCsv(30, 5, 1));
    await expect(scoreFile({ key: 'landing/inference/big2.csv', batchName: BATCH, maxFileBytes: size }, fixture.context)).resolves.toMatchObject({ status: 'scored' });
  });

  it('refuses a malformed size cap', async () => {
    await expect(scoreFile({ key: 'landing/inference/a.csv', batchName: BATCH, maxFileBytes: 0 }, fixture.context)).rejects.toThrow(/maxFileBytes/);
  });

  it('skips an S3 folder marker and refuses a key outside landing/inference/', async () => {
    await expect(scoreFile({ key: 'landing/inference/2026/', batchName: BATCH }, fixture.context)).resolves.toMatchObject({ status: 'skipped' });
    await expect(scoreFile({ key: 'landing/training/a.csv', batchName: BATCH }, fixture.context)).rejects.toThrow(RangeError);
  });

  it('writes the marker last: a failure before it leaves the file to be scored by the retry', async () => {
    await fixture.promoteChampion();
    const key = await fixture.landInference('a.csv', inferenceCsv(20, 2, 1));
    let failures = 1;
    const flaky: ObjectStore = {
      get: (k) => fixture.store.get(k),
      getStream: (k) => fixture.store.getStream(k),
      head: (k) => fixture.store.head(k),
      list: (p) => fixture.store.list(p),
      put: async (k, body, options) => {
        if (k.startsWith('lake/predictions/') && failures-- > 0) throw new TransientError('S3 slow down');
        return fixture.store.put(k, body, options);
      },
    };
    await expect(scoreFile({ key, batchName: BATCH }, { ...fixture.context, store: flaky })).rejects.toThrow(TransientError);
    expect(await fixture.keys('lake/scored/')).toEqual([]);
    const retried = await scoreFile({ key, batchName: BATCH }, { ...fixture.context, store: flaky });
    expect(retried).toMatchObject({ status: 'scored', duplicate: false, rowsScored: 20 });
    expect(await fixture.keys('lake/scored/')).toHaveLength(1);
  });

  it('validates rows with the contract carried by the champion and quarantines duplicates like ingest', async () => {
    await fixture.promoteChampion();
    const csv = inferenceCsv(10, 3, 1);
    const lines = csv.trimEnd().split('\n');
    const key = await fixture.landInference('dup.csv', `${[...lines, lines[2]].join('\n')}\n`);
    const result = await scoreFile({ key, batchName: BATCH }, fixture.context);
    expect(result).toMatchObject({ rowsRead: 11, rowsScored: 10, rowsQuarantined: 1 });
    const [quarantine] = await fixture.keys('lake/quarantine/');
    expect((await fixture.bytesOf(quarantine!)).toString('utf8')).toContain('duplicate reading: udi 2 already appears on line 3');
  });

  it("sends rows to review by the rule at the level stored with the champion's threshold", async () => {
    const version = await fixture.promoteChampion({ reviewLevel: 0.3 });
    const threshold = (await loadManifest(fixture.store, version)).threshold;
    expect(threshold.reviewLevel).toBe(0.3);
    const key = await fixture.landInference('r.csv', inferenceCsv(200, 4, 1));
    const result = await scoreFile({ key, batchName: BATCH }, fixture.context);
    const rows = await decodeParquet(await fixture.bytesOf(result.predictionsKey!));
    const expected = rows.map((r) => (needsReview(r.latent_mean as number, r.latent_std as number, threshold.value, 0.3) ? 1 : 0));
    expect(rows.map((r) => Number(r.review))).toEqual(expected);
    expect(result.rowsReview).toBe(expected.filter((v) => v === 1).length);
    expect(result.rowsReview).toBeGreaterThan(0);
  });
});
