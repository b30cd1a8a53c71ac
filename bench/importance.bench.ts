/**
 * Permutation importance of every model of a finished training run, through the real steps:
 * trains the two challengers on the run's training split (TrainLogistic, TrainBoosting), runs
 * Evaluate again with them (it computes the importance, steps/holdout-importance.ts), and prints
 * each model's drops in average precision, the rows and repeats they were computed on, and how
 * long each model's shuffles took against what the cost model predicted.
 *
 *   node --import tsx bin/prognos.ts ingest ../shared/datasets/ai4i2020.csv --home /tmp/h
 *   node --import tsx bin/prognos.ts run --home /tmp/h --mode full            (optionally --config with {"model":"exact"})
 *   npx tsx bench/importance.bench.ts /tmp/h [pngDir]
 *   npx tsx bench/importance.bench.ts /tmp/h --whole   the GP's importance on every holdout row at
 *                                        the sampled repeat count, without the budget: what the
 *                                        sample estimates (minutes for an exact GP)
 *
 * With pngDir, each model's chart is also written as SVG and converted to PNG with rsvg-convert
 * (Debian's librsvg2-bin). Evaluate overwrites the run's evaluation.json in that home: use a
 * scratch home. Timings on the shared 2-core machine are noisy.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace } from '../lambdas/cli/workspace.ts';
import { DEFAULT_CONTRACT } from '../lambdas/core/contract/contract.ts';
import { categoryColumnsOf } from '../lambdas/core/drift/categories.ts';
import { takeRows } from '../lambdas/core/ml/dense.ts';
import { featureGroups, permutationImportance } from '../lambdas/core/ml/permutation-importance.ts';
import { loadModel, readJson } from '../lambdas/core/registry/model-store.ts';
import { importanceChart } from '../lambdas/core/report/model/importance-chart.ts';
import type { Evaluation } from '../lambdas/core/report/model/report-data.ts';
import { renderSvg } from '../lambdas/core/report/svg.ts';
import { trainBoosting, trainLogistic } from '../lambdas/core/steps/challengers/train-challenger.ts';
import type { StepContext, StepProgress } from '../lambdas/core/steps/context.ts';
import { evaluateChallenger } from '../lambdas/core/steps/evaluate.ts';
import { IMPORTANCE_REPEATS_SAMPLED, IMPORTANCE_SEED } from '../lambdas/core/steps/holdout-importance.ts';
import { loadTrainingSet, splitRecordSchema } from '../lambdas/core/steps/split-and-scale.ts';

const [home, second] = process.argv.slice(2);
if (home === undefined) throw new RangeError('usage: npx tsx bench/importance.bench.ts HOME [pngDir | --whole]');
const whole = second === '--whole';
const pngDir = whole ? undefined : second;

const workspace = openWorkspace(home, DEFAULT_CONTRACT);
const marks: { at: number; text: string }[] = [];
const context: StepContext = {
  store: workspace.store,
  queries: { query: async (sql) => (await workspace.queries()).query(sql), close: () => workspace.close() },
  contract: DEFAULT_CONTRACT,
  now: () => new Date(),
  progress: (event: StepProgress) => {
    if (event.kind === 'message') marks.push({ at: performance.now(), text: event.text });
  },
};

/** The GP of the run on every holdout row: the reference a sampled importance estimates. */
async function wholeHoldout(run: Record<string, unknown>): Promise<void> {
  const parsed = run as { trainingSet: { key: string }; split: { key: string }; train: { version: string } };
  const { X, y, featureNames } = await loadTrainingSet(context, parsed.trainingSet.key);
  const split = splitRecordSchema.parse(JSON.parse(new TextDecoder().decode((await context.store.get(parsed.split.key)).body)));
  const x = takeRows(X, split.holdout);
  const labels = Uint8Array.from(split.holdout, (i) => y[i]);
  const { model } = await loadModel(context.store, parsed.train.version);
  const began = performance.now();
  const result = permutationImportance(model, x, labels, featureNames, {
    repeats: IMPORTANCE_REPEATS_SAMPLED,
    seed: IMPORTANCE_SEED,
    groups: featureGroups(featureNames, categoryColumnsOf(DEFAULT_CONTRACT)),
    onFeature: (done, total, feature) => console.log(`  ${done}/${total} ${feature} ${((performance.now() - began) / 1000).toFixed(0)} s`),
  });
  console.log(`${model.kind} ${parsed.train.version} on all ${x.rows} holdout rows, ${result.repeats} repeats: AP ${result.baseline.toFixed(3)}, ${((performance.now() - began) / 1000).toFixed(1)} s`);
  for (const f of [...result.features].sort((a, b) => b.meanDrop - a.meanDrop)) {
    console.log(`| ${f.feature} | ${f.meanDrop.toFixed(3)} | ${f.minDrop.toFixed(3)} | ${f.maxDrop.toFixed(3)} |`);
  }
}

const records = readdirSync(join(home, 'runs')).filter((f) => f.endsWith('.json')).sort();
const record = JSON.parse(readFileSync(join(home, 'runs', records.at(-1)!), 'utf8')) as { name: string; output: Record<string, unknown> };
const run = record.output;
console.log(`run ${record.name}`);
if (whole) {
  await wholeHoldout(run);
  await workspace.close();
  process.exit(0);
}
const logistic = await trainLogistic(run, context);
const boosting = await trainBoosting(run, context);
const started = performance.now();
const cpu = process.cpuUsage();
const result = await evaluateChallenger({ ...run, candidates: { logistic, boosting } }, context);
const cpuSeconds = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6;
console.log(`Evaluate ${((performance.now() - started) / 1000).toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU (three models scored, importance of each)`);

// Each model's shuffles: from its "on N of M rows" message to its last input's.
const starts = marks.filter((m) => / on \d+ of \d+ holdout rows/.test(m.text));
for (const s of starts) {
  const kind = s.text.split(' ')[1];
  const end = marks.filter((m) => m.text.startsWith(`importance: ${kind} `) && m.at >= s.at).at(-1)!;
  console.log(`${s.text}: ${((end.at - s.at) / 1000).toFixed(1)} s`);
}

const evaluation = (await readJson(workspace.store, result.key)) as Evaluation;
for (const m of evaluation.importance ?? []) {
  if (m.status === 'skipped') {
    console.log(`\n${m.kind} ${m.version}: skipped: ${m.reason}`);
    continue;
  }
  const { importance } = m;
  console.log(
    `\n${m.kind} ${m.version}: AP ${importance.baseline.toFixed(3)} on ${importance.rows} of ${m.holdoutRows} rows (${importance.positives} failures, healthy weight ${importance.classWeights.negative.toFixed(2)}), ${importance.repeats} repeats, predicted ${m.predictedSeconds.toFixed(1)} s`,
  );
  console.log('| input | mean drop | sd | min | max |\n| :--- | ---: | ---: | ---: | ---: |');
  for (const f of [...importance.features].sort((a, b) => b.meanDrop - a.meanDrop)) {
    console.log(`| ${f.feature} | ${f.meanDrop.toFixed(3)} | ${f.sdDrop.toFixed(3)} | ${f.minDrop.toFixed(3)} | ${f.maxDrop.toFixed(3)} |`);
  }
  if (pngDir !== undefined) {
    const { svg } = await renderSvg(importanceChart(importance.features, '#1d4ed8'), `importance-${m.kind}`);
    const base = join(pngDir, `report-importance-${m.kind}`);
    writeFileSync(`${base}.svg`, svg);
    const converted = spawnSync('rsvg-convert', ['-b', 'white', '-o', `${base}.png`, `${base}.svg`], { stdio: 'inherit' });
    console.log(converted.status === 0 ? `wrote ${base}.png` : `rsvg-convert failed for ${base}.svg`);
  }
}
await workspace.close();
