/**
 * `npm run bench:batch`: batch inference throughput. 100,000 generated readings in 10 files go
 * through `prognos infer` in-process (the runner, the inline Map over the listing, ScoreFile,
 * ComputeDrift, WriteBatchReport) against a champion the size the demo promotes (1,400 training
 * rows; kernel hyperparameters fixed, which does not change the cost of a prediction).
 * Prints rows per second for the whole batch and the time in the Map.
 *
 *   npm run bench:batch [-- <rows> <files> <training rows>]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../lambdas/adapters/local/fs-object-store.ts';
import { runInference } from '../lambdas/cli/infer.ts';
import { DEFAULT_CONTRACT } from '../lambdas/core/contract/contract.ts';
import { encodeRows, labelsOf, modelFeatureNames } from '../lambdas/core/contract/encode.ts';
import { AI4I_SOURCE_COLUMNS, makeAi4iReadings, toAi4iSourceRecords } from '../lambdas/cli/sample-data/ai4i.ts';
import { writeCsv } from '../lambdas/core/data/csv.ts';
import { buildReference } from '../lambdas/core/drift/reference.ts';
import { MaintenanceModel } from '../lambdas/core/ml/maintenance-model.ts';
import { promoteChampion } from '../lambdas/core/registry/champion.ts';
import { saveModel } from '../lambdas/core/registry/model-store.ts';
import { readReadingsCsv } from '../lambdas/core/steps/readings-csv.ts';
import { LANDING_INFERENCE_PREFIX } from '../lambdas/core/storage-keys.ts';

const [rows = 100_000, files = 10, trainRows = 1_400] = process.argv.slice(2).map(Number);

const csv = (n: number, seed: number, firstUdi: number): string => writeCsv(toAi4iSourceRecords(makeAi4iReadings(n, { seed }), firstUdi), AI4I_SOURCE_COLUMNS);

const home = await mkdtemp(join(tmpdir(), 'prognos-bench-batch-'));
try {
  const store = new FsObjectStore(home);
  const { valid } = await readReadingsCsv('training.csv', new TextEncoder().encode(csv(trainRows, 1, 1)), DEFAULT_CONTRACT, { requireLabel: true });
  const readings = valid.map((row) => row.reading);
  const featureNames = modelFeatureNames(DEFAULT_CONTRACT);
  const X = encodeRows(DEFAULT_CONTRACT, readings);
  let t = performance.now();
  const model = MaintenanceModel.train({ X, y: labelsOf(DEFAULT_CONTRACT, readings), featureNames }, { gpc: { optimize: false } });
  const version = '20260101T000000.000Z-00000001';
  await saveModel(store, version, model, {
    extra: { contract: DEFAULT_CONTRACT, trainingReference: buildReference(X, featureNames, model.leaveOneOut!.latentVariance) },
  });
  await promoteChampion(store, version, 'bench', undefined, new Date());
  console.error(`champion: ${trainRows} training rows, fitted in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const perFile = Math.ceil(rows / files);
  for (let f = 0; f < files; f++) {
    const n = Math.min(perFile, rows - f * perFile);
    await store.put(`${LANDING_INFERENCE_PREFIX}part-${String(f).padStart(2, '0')}.csv`, csv(n, 100 + f, 1 + f * perFile));
  }

  t = performance.now();
  const summary = await runInference({ home, contract: DEFAULT_CONTRACT }, { out: () => undefined, err: () => undefined });
  const seconds = (performance.now() - t) / 1000;
  if (summary.record.status !== 'SUCCEEDED') throw new Error(`the batch ${summary.record.status}: ${summary.record.error} ${summary.record.cause}`);
  const map = summary.record.states.find((state) => state.name === 'ScoreFiles');
  const scored = (summary.record.output as { report: { rows: { scored: number } } }).report.rows.scored;
  console.log(`| rows | files | training rows | batch s | rows/s | ScoreFiles (Map) s |`);
  console.log(`|---|---|---|---|---|---|`);
  console.log(`| ${scored} | ${files} | ${trainRows} | ${seconds.toFixed(1)} | ${Math.round(scored / seconds)} | ${((map?.durationMs ?? 0) / 1000).toFixed(1)} |`);
} finally {
  await rm(home, { recursive: true, force: true });
}
