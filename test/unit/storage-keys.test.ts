import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as keys from '../../lambdas/core/storage-keys.ts';
import { readImports } from '../support/import-graph.ts';

const CORE = fileURLToPath(new URL('../../lambdas/core', import.meta.url));

describe('the data layout', () => {
  it('is a leaf: it imports nothing from the core, so every folder (and lib/) may use it', () => {
    expect(readImports(CORE).filter((edge) => edge.from === 'storage-keys.ts')).toEqual([]);
  });

  it('names folders with a trailing slash, so a prefix never matches a sibling (`lake/runs` vs `lake/runs-old`)', () => {
    const prefixes = Object.entries(keys).filter(([name]) => name.endsWith('_PREFIX'));
    expect(prefixes.length).toBeGreaterThan(15);
    for (const [name, prefix] of prefixes) expect(prefix, name).toMatch(/^[a-z][a-z-]*\/([a-z][a-z-]*\/)*$/);
  });

  it('keeps the batch reports out of the predictions table’s dt= partitions', () => {
    expect(keys.BATCH_REPORTS_PREFIX.startsWith(keys.PREDICTIONS_PREFIX)).toBe(true);
    expect(keys.batchReportKey('infer-1').startsWith(`${keys.PREDICTIONS_PREFIX}dt=`)).toBe(false);
    expect(keys.workListKey('infer-1')).toBe('lake/predictions/reports/infer-1/flagged.csv');
  });

  it('names champion history entries so they sort by sequence, and recognises only those', () => {
    expect(keys.championHistoryKey(12)).toBe('models/champion-history/0000000012.json');
    expect(keys.CHAMPION_HISTORY_KEY_PATTERN.test(keys.championHistoryKey(12))).toBe(true);
    expect(keys.CHAMPION_HISTORY_KEY_PATTERN.test('models/champion-history/12.json')).toBe(false);
    expect([keys.championHistoryKey(10), keys.championHistoryKey(9)].sort()).toEqual([keys.championHistoryKey(9), keys.championHistoryKey(10)]);
  });

  it('keeps a run’s records under its run name', () => {
    expect(keys.runFailureKey('train-1')).toBe('lake/runs/train-1/failure.json');
    expect(keys.trainCheckpointKey('train-1')).toBe('lake/runs/train-1/train-checkpoint.json');
    expect(keys.trainingSetPrefix('train-1')).toBe('lake/training-sets/train-1/');
    expect(keys.splitKey('train-1')).toBe('lake/training-sets/train-1/split.json');
  });

  it('names ingest’s and scoring’s records by the content or the landing key', () => {
    const sha = 'ab'.repeat(32);
    expect(keys.ingestedMarkerKey(sha)).toBe(`lake/ingested/${sha}.json`);
    expect(keys.scoredMarkerKey(sha)).toBe(`lake/scored/${sha}.json`);
    expect(keys.ingestedFileKey('landing/training/a.csv')).toBe('lake/ingested/files/landing/training/a.csv.json');
    expect(keys.setAsideKey('landing/training/a.csv')).toBe('lake/quarantine/files/landing/training/a.csv.json');
  });

  it('keeps a batch’s records under its own folder', () => {
    expect(keys.batchManifestKey('infer-1')).toBe('lake/batches/infer-1/manifest.json');
    expect(keys.driftKey('infer-1')).toBe('lake/batches/infer-1/drift.json');
    expect(keys.batchSummaryKey('infer-1')).toBe('lake/batches/infer-1/summary.json');
    expect(keys.batchFileKey('infer-1', 'landing/inference/a.csv').startsWith(keys.batchFilesPrefix('infer-1'))).toBe(true);
    expect(keys.fileOutcomesKey('infer-1', 'ab'.repeat(32))).toBe(`lake/batches/infer-1/outcomes/${'ab'.repeat(16)}.json`);
  });
});
