/**
 * Review benchmark (issue 11, item 4): how many holdout rows each review level sends to a person,
 * and how accurate the decision is on those rows and on the rest.
 *
 *   npm run bench:review                         real AI4I 2020 + generated AI4I-like sets (seeds 21, 22, 23)
 *   npm run bench:review -- ai4i2020             one set; `generated:SEED[:ROWS]` for a generated one
 *   npm run bench:review -- --model sparse       the sparse GP on every training row instead of the exact GP
 *
 * Each set goes the pipeline's way: rows keyed by the default contract (lambdas/core/contract,
 * derived features included), the split of SplitAndScale (a hash of the UDI and seed 0 below
 * holdoutFraction 0.3, holdout capped at MAX_HOLDOUT_ROWS), the scaler fitted on the whole train
 * split, the exact GP on the stratified 2,800-row sample Train takes (config.maxTrainRows) with the
 * default GPC options, its threshold for recall 0.9 on leave-one-out predictions. The holdout is
 * predicted once; every level is applied to the same per-row (m, s, p). "Old rule" is the rule
 * this replaced: σ(m ± 1.96 s) straddles the threshold. Fit times on a shared machine are noisy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONTRACT, type DataContract, encodeRows, labelsOf, modelFeatureNames } from '../lambdas/core/contract/index.ts';
import { AI4I_SOURCE_COLUMNS, makeAi4iReadings, toAi4iSourceRecords } from '../lambdas/cli/sample-data/ai4i.ts';
import { takeRows } from '../lambdas/core/ml/dense.ts';
import { MaintenanceModel } from '../lambdas/core/ml/maintenance-model.ts';
import { otherSideProbability } from '../lambdas/core/ml/review.ts';
import { StandardScaler } from '../lambdas/core/ml/scaler.ts';
import { capHoldout } from '../lambdas/core/steps/holdout-cap.ts';
import { splitPosition } from '../lambdas/core/steps/split-and-scale.ts';
import { MAX_HOLDOUT_ROWS } from '../lambdas/core/steps/step-limits.ts';
import { capTrainingRows } from '../lambdas/core/steps/train/row-cap.ts';
import { sharedDirCandidate } from './datasets.ts';

const LEVELS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45] as const;
const DEFAULT_SETS = ['ai4i2020', 'generated:21', 'generated:22', 'generated:23'];
const SEED = 0;
const HOLDOUT_FRACTION = 0.3;
const MAX_TRAIN_ROWS = 2800;
const Z_95 = 1.959963984540054;

type SourceRecord = Record<string, string | number>;

/** The published AI4I 2020 file as records keyed by its header (never copied into the repository). */
function readAi4i2020(): SourceRecord[] {
  const lines = readFileSync(join(sharedDirCandidate(), 'datasets', 'ai4i2020.csv'), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  return lines.slice(1).map((line) => {
    const fields = line.split(',');
    return Object.fromEntries(header.map((name, k) => [name, fields[k]!]));
  });
}

/** A source record as the training-set SQL hands it over: contract names, numbers typed. */
function contractRow(contract: DataContract, record: SourceRecord): Record<string, unknown> {
  const row: Record<string, unknown> = { [contract.id.name]: Number(record[contract.id.source]), [contract.label.name]: contract.label.positive.includes(String(record[contract.label.source])) ? 1 : 0 };
  for (const feature of contract.features) {
    const raw = record[feature.source];
    row[feature.name] = feature.type === 'categorical' ? String(raw) : Number(raw);
  }
  return row;
}

function load(name: string): SourceRecord[] {
  if (name === 'ai4i2020') return readAi4i2020();
  const [kind, seed, rows] = name.split(':');
  if (kind !== 'generated' || !/^\d+$/.test(seed ?? '')) throw new RangeError(`unknown set ${name}: ai4i2020 or generated:SEED[:ROWS]`);
  const records = toAi4iSourceRecords(makeAi4iReadings(Number(rows ?? 10_000), { seed: Number(seed) }));
  // Same columns as the published file.
  return records.map((r) => Object.fromEntries(AI4I_SOURCE_COLUMNS.map((c) => [c, r[c]])));
}

interface Split {
  readonly train: number[];
  readonly holdout: number[];
}

/** SplitAndScale's split: a hash of (seed, id) below holdoutFraction is holdout, capped at MAX_HOLDOUT_ROWS. */
function pipelineSplit(ids: readonly unknown[], y: Uint8Array): Split {
  const positions = ids.map((id) => splitPosition(SEED, id));
  const train: number[] = [];
  const side: number[] = [];
  positions.forEach((at, i) => (at < HOLDOUT_FRACTION ? side : train).push(i));
  return { train, holdout: capHoldout(side, y, (i) => positions[i]!, MAX_HOLDOUT_ROWS) };
}

interface Group {
  rows: number;
  correct: number;
  positives: number;
  caught: number;
  flagged: number;
}

const emptyGroup = (): Group => ({ rows: 0, correct: 0, positives: 0, caught: 0, flagged: 0 });

function add(g: Group, label: number, truth: number): void {
  g.rows += 1;
  g.correct += label === truth ? 1 : 0;
  g.positives += truth;
  g.flagged += label;
  g.caught += label === 1 && truth === 1 ? 1 : 0;
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '—');
const ratio = (a: number, b: number): string => (b === 0 ? '—' : (a / b).toFixed(3));

function run(name: string, modelChoice: 'exact' | 'sparse'): void {
  const contract = DEFAULT_CONTRACT;
  const rows = load(name).map((record) => contractRow(contract, record));
  const X = encodeRows(contract, rows);
  const y = labelsOf(contract, rows);
  const split = pipelineSplit(
    rows.map((r) => r[contract.id.name]),
    y,
  );
  const scaler = new StandardScaler().fit(takeRows(X, split.train));
  const fitRows = modelChoice === 'exact' ? capTrainingRows(y, split.train, MAX_TRAIN_ROWS, SEED) : split.train;
  const trainingSet = { X: takeRows(X, fitRows), y: Uint8Array.from(fitRows, (i) => y[i]!), featureNames: modelFeatureNames(contract) };
  const started = performance.now();
  const model = modelChoice === 'exact' ? MaintenanceModel.train(trainingSet, { scaler }) : MaintenanceModel.trainSparse(trainingSet, { scaler });
  const fitSeconds = (performance.now() - started) / 1000;

  const p = model.predict(takeRows(X, split.holdout));
  const truth = Uint8Array.from(split.holdout, (i) => y[i]!);
  const t = model.threshold.value;
  const n = truth.length;
  const otherSide = Float64Array.from(truth, (_, i) => otherSideProbability(p.latentMean[i]!, p.latentStd[i]!, t));
  const all = emptyGroup();
  for (let i = 0; i < n; i++) add(all, p.label[i]!, truth[i]!);
  let oldRule = 0;
  for (let i = 0; i < n; i++) {
    const low = 1 / (1 + Math.exp(-(p.latentMean[i]! - Z_95 * p.latentStd[i]!)));
    const high = 1 / (1 + Math.exp(-(p.latentMean[i]! + Z_95 * p.latentStd[i]!)));
    oldRule += low < t && t <= high ? 1 : 0;
  }

  console.log(`\n## ${name}: ${modelChoice} GP on ${fitRows.length} of ${split.train.length} train-split rows (fit ${fitSeconds.toFixed(1)} s), holdout ${n} rows, ${all.positives} need maintenance`);
  console.log(`threshold ${t.toFixed(4)}; accuracy on all holdout rows ${pct(all.correct / all.rows)}, recall ${ratio(all.caught, all.positives)}; old rule (95 % interval straddles): ${oldRule} rows (${pct(oldRule / n)})`);
  console.log('\n| level | reviewed | share | accuracy reviewed | accuracy others | failures among reviewed | recall reviewed | recall others | precision reviewed | precision others |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const level of LEVELS) {
    const reviewed = emptyGroup();
    const others = emptyGroup();
    for (let i = 0; i < n; i++) add(otherSide[i]! > level ? reviewed : others, p.label[i]!, truth[i]!);
    console.log(
      `| ${level} | ${reviewed.rows} | ${pct(reviewed.rows / n)} | ${pct(reviewed.correct / reviewed.rows)} | ${pct(others.correct / others.rows)} | ${reviewed.positives} of ${all.positives} | ${ratio(reviewed.caught, reviewed.positives)} | ${ratio(others.caught, others.positives)} | ${ratio(reviewed.caught, reviewed.flagged)} | ${ratio(others.caught, others.flagged)} |`,
    );
  }
}

const args = process.argv.slice(2);
const modelAt = args.indexOf('--model');
const modelChoice = modelAt === -1 ? 'exact' : args[modelAt + 1];
if (modelChoice !== 'exact' && modelChoice !== 'sparse') throw new RangeError(`--model takes exact or sparse, got ${modelChoice}`);
const sets = args.filter((_, k) => modelAt === -1 || (k !== modelAt && k !== modelAt + 1));
for (const name of sets.length > 0 ? sets : DEFAULT_SETS) run(name, modelChoice);
