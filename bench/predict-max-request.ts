/**
 * `npx tsx bench/predict-max-request.ts [--rows 2800] [--instances 1000] [--repeats 3] [--explain]`: how long
 * the largest `POST /predict` (1,000 instances) takes to score with a champion of the default
 * maximum size (maxTrainRows = 2,800 training rows), in this process on one thread: encoding,
 * scaling and the GP's predictive mean and variance, as predictInstances runs them.
 *
 * The kernel is fixed (c = 10, l = 1: no optimisation) because scoring cost depends on the number
 * of training rows and features, not on the hyperparameters. lib/prediction-api.ts sizes the
 * prediction function from this number (docs/architecture.md, "Sizing the prediction function").
 * `--explain` scores the request as `explain: true` does: the instances, then every perturbed copy
 * of them in one more call (docs/serving.md, "Explanations"; use --instances 142, its limit).
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CONTRACT } from '../lambdas/core/contract/contract.ts';
import { encodeRows, labelsOf, modelFeatureNames } from '../lambdas/core/contract/encode.ts';
import { makeAi4iReadings } from '../lambdas/cli/sample-data/ai4i.ts';
import { explanationSpace } from '../lambdas/core/contract/explanation-features.ts';
import { explainRows } from '../lambdas/core/ml/local-explanation.ts';
import { MaintenanceModel } from '../lambdas/core/ml/maintenance-model.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '2800' }, instances: { type: 'string', default: '1000' }, repeats: { type: 'string', default: '3' }, explain: { type: 'boolean', default: false } } });
const rows = Number(values.rows);
const count = Number(values.instances);
const repeats = Number(values.repeats);
for (const [name, value] of Object.entries({ rows, instances: count, repeats })) {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`--${name} must be a positive integer`);
}

function instances(n: number, seed: number): Record<string, number | string>[] {
  return makeAi4iReadings(n, { seed }).map((r) => ({
    air_temperature_k: r.air_temperature_k,
    process_temperature_k: r.process_temperature_k,
    rotational_speed_rpm: Math.round(r.rotational_speed_rpm),
    torque_nm: r.torque_nm,
    tool_wear_min: Math.round(r.tool_wear_min),
    product_type: r.type,
    machine_failure: r.machine_failure,
  }));
}

const training = instances(rows, 7);
const fitStart = performance.now();
const model = MaintenanceModel.train(
  {
    X: encodeRows(DEFAULT_CONTRACT, training),
    y: labelsOf(DEFAULT_CONTRACT, training),
    featureNames: modelFeatureNames(DEFAULT_CONTRACT),
  },
  { gpc: { optimize: false, kernel: { constant: 10, lengthScale: 1 } } },
);
console.log(`champion: ${rows} training rows, fitted in ${((performance.now() - fitStart) / 1000).toFixed(1)} s (fixed kernel)`);

const request = instances(count, 2024);
const times: number[] = [];
for (let i = 0; i < repeats; i++) {
  const start = performance.now();
  const x = encodeRows(DEFAULT_CONTRACT, request);
  const p = model.predict(x);
  if (values.explain) explainRows(model, x, explanationSpace(DEFAULT_CONTRACT, model.scaler.mean), { probability: p.probability });
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(`predict ${count} instances${values.explain ? ' with explain' : ''}: median ${(times[Math.floor(times.length / 2)] / 1000).toFixed(2)} s, min ${(times[0] / 1000).toFixed(2)} s over ${repeats} runs (Node ${process.version}, one thread)`);
