/**
 * `npm run bench:drift`: how often the drift decision fires on generated batches. For each batch
 * size, each repetition draws a training set from the AI4I-like generator (its 70 % training
 * split is the reference, as Train builds it) and a batch with a fresh seed, then scores the batch
 * unshifted and under each shift below. Prints the share of repetitions flagged DRIFTED: on the
 * unshifted batches that is the false-alarm rate, on the shifted ones the detection rate.
 *
 *   npm run bench:drift [-- <repetitions> <landing rows>]     (defaults 200 and 10,000)
 *
 * The model's latent variance is held at 1 for every row (no model is trained), so the table
 * measures the feature statistics alone; the uncertainty check comes on top of them.
 */
import { DEFAULT_CONTRACT } from '../lambdas/core/contract/contract.ts';
import { encodeRows, modelFeatureNames } from '../lambdas/core/contract/encode.ts';
import { type Ai4iReading, makeAi4iReadings, toAi4iSourceRecords } from '../lambdas/cli/sample-data/ai4i.ts';
import { categoryColumnsOf } from '../lambdas/core/drift/categories.ts';
import { driftFromSummary } from '../lambdas/core/drift/drift.ts';
import { buildReference } from '../lambdas/core/drift/reference.ts';
import { summarizeBatch } from '../lambdas/core/drift/summary.ts';
import type { TrainingReference } from '../lambdas/core/drift/types.ts';
import { SeededRandom } from '../lambdas/core/ml/random.ts';

const [repetitions = 200, landingRows = 10_000] = process.argv.slice(2).map(Number);
if (!(Number.isInteger(repetitions) && repetitions > 0 && Number.isInteger(landingRows) && landingRows >= 100)) {
  throw new RangeError('usage: npm run bench:drift [-- <repetitions ≥ 1> <landing rows ≥ 100>]');
}

const SIZES = [100, 300, 1_000, 3_000, 10_000];

/** A reading as the contract names it (what ingest stores), rounded as the CSV writer rounds. */
type Row = Record<string, number | string>;

function contractRows(readings: readonly Ai4iReading[]): Row[] {
  return toAi4iSourceRecords(readings).map((r) => ({
    air_temperature_k: r['Air temperature [K]'],
    process_temperature_k: r['Process temperature [K]'],
    rotational_speed_rpm: r['Rotational speed [rpm]'],
    torque_nm: r['Torque [Nm]'],
    tool_wear_min: r['Tool wear [min]'],
    product_type: r.Type,
  }));
}

/** What a shift does to a batch's rows; `rng` is fresh per batch. */
const SHIFTS: readonly { readonly name: string; readonly apply: (rows: readonly Row[], rng: SeededRandom) => Row[] }[] = [
  { name: 'none (false alarms)', apply: (rows) => [...rows] },
  { name: 'air temperature +2 K', apply: (rows) => rows.map((r) => ({ ...r, air_temperature_k: (r.air_temperature_k as number) + 2 })) },
  { name: 'air temperature +8 K', apply: (rows) => rows.map((r) => ({ ...r, air_temperature_k: (r.air_temperature_k as number) + 8 })) },
  {
    // L 50 % → 30 %, H 20 % → 40 %: a plant taking more high-quality orders.
    name: 'product mix L/M/H 30/30/40',
    apply: (rows, rng) => rows.map((r) => (r.product_type === 'L' && rng.next() < 0.4 ? { ...r, product_type: 'H' } : r)),
  },
  { name: 'tool wear × 1.5', apply: (rows) => rows.map((r) => ({ ...r, tool_wear_min: Math.round((r.tool_wear_min as number) * 1.5) })) },
];

const names = modelFeatureNames(DEFAULT_CONTRACT);
const categories = categoryColumnsOf(DEFAULT_CONTRACT);

function referenceFor(seed: number): TrainingReference {
  const rows = contractRows(makeAi4iReadings(landingRows, { seed }));
  // The 70 % training split of the landed rows, drawn at random as SplitAndScale does.
  const rng = new SeededRandom(seed + 7);
  const training = rows.filter(() => rng.next() < 0.7);
  const x = encodeRows(DEFAULT_CONTRACT, training);
  return buildReference(x, names, new Float64Array(x.rows).fill(1));
}

function drifted(reference: TrainingReference, rows: readonly Row[], counts: Map<string, number>): boolean {
  const x = encodeRows(DEFAULT_CONTRACT, rows);
  const report = driftFromSummary(reference, summarizeBatch(reference, x, new Float64Array(x.rows).fill(1)), {}, categories);
  for (const f of [...report.features, ...report.categories]) if (f.drifted) counts.set(f.name, (counts.get(f.name) ?? 0) + 1);
  return report.drifted;
}

const flagged = new Map<string, number[]>(SHIFTS.map((s) => [s.name, SIZES.map(() => 0)]));
const falseAlarmFeatures = SIZES.map(() => new Map<string, number>());
const started = performance.now();
for (let r = 0; r < repetitions; r++) {
  const reference = referenceFor(1 + r);
  SIZES.forEach((n, s) => {
    const batch = contractRows(makeAi4iReadings(n, { seed: 1_000_000 + r * SIZES.length + s }));
    for (const shift of SHIFTS) {
      const counts = shift === SHIFTS[0] ? falseAlarmFeatures[s] : new Map<string, number>();
      if (drifted(reference, shift.apply(batch, new SeededRandom(r * 31 + s)), counts)) flagged.get(shift.name)![s]++;
    }
  });
}

const percent = (count: number): string => `${((100 * count) / repetitions).toFixed(1)} %`;
console.log(`${repetitions} repetitions; reference: 70 % of ${landingRows.toLocaleString('en')} generated rows; ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
console.log(`| shift | ${SIZES.map((n) => `${n.toLocaleString('en')} rows`).join(' | ')} |`);
console.log(`|---|${SIZES.map(() => '---:').join('|')}|`);
for (const shift of SHIFTS) console.log(`| ${shift.name} | ${flagged.get(shift.name)!.map(percent).join(' | ')} |`);
console.log('\nFalse alarms by input (share of unshifted batches on which the input was flagged):');
SIZES.forEach((n, s) => console.log(`  ${n}: ${[...falseAlarmFeatures[s]].map(([name, c]) => `${name} ${percent(c)}`).join(', ') || 'none'}`));
