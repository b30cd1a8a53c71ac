import { evaluate } from '../../../lambdas/core/ml/metrics.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';
import { chooseThreshold } from '../../../lambdas/core/ml/threshold.ts';
import type { HoldoutEvaluation, OptimizerStep, ReportData } from '../../../lambdas/core/report/model/report-data.ts';

/**
 * A realistic ReportData built from a synthetic holdout: ~3.5% of machines need maintenance (as in
 * AI4I 2020), each model's latent score separates the classes with noise, and every metric is
 * computed by the real metrics code — so the numbers the report prints can be checked against it.
 */

export interface FixtureOptions {
  readonly rows?: number;
  readonly champion?: boolean;
  readonly mode?: 'full' | 'refit';
  /** The sparse GP's training record: an ELBO trace over its three stages. */
  readonly sparse?: boolean;
  readonly seed?: number;
  /** Overrides the first landing file's key (user input: used to try HTML injection). */
  readonly fileKey?: string;
  readonly contractName?: string;
}

const TARGET_RECALL = 0.9;

function sigmoid(f: number): number {
  return 1 / (1 + Math.exp(-f));
}

function holdoutModel(version: string, labels: readonly number[], separation: number, rng: SeededRandom): HoldoutEvaluation {
  const latentStd = labels.map((y) => 0.5 + 0.8 * rng.next() + 0.5 * y * rng.next());
  const probability = labels.map((y, i) => sigmoid(-4.2 + separation * y + rng.normal(0, 1.1) + 0.3 * latentStd[i]));
  // The model's own threshold, as if chosen on its training rows: slightly off on this holdout.
  const threshold = chooseThreshold(labels, probability, { targetRecall: TARGET_RECALL }).threshold * 0.95;
  const atTarget = chooseThreshold(labels, probability, { targetRecall: TARGET_RECALL });
  return {
    version,
    threshold,
    metrics: evaluate(labels, probability, threshold),
    thresholdForTargetRecall: { threshold: atTarget.threshold, recall: atTarget.recall, precision: atTarget.precision },
    probability,
    latentStd,
  };
}

/** Log marginal likelihood climbing towards `to`, as an L-BFGS run does. */
function climb(stage: OptimizerStep['stage'], start: number, iterations: number, from: number, to: number): OptimizerStep[] {
  return Array.from({ length: iterations }, (_, k) => ({
    stage,
    start,
    iteration: k + 1,
    logMarginalLikelihood: to - (to - from) * Math.exp(-0.45 * k),
  }));
}

export function makeReportData(options: FixtureOptions = {}): ReportData {
  const rows = options.rows ?? 2000;
  const rng = new SeededRandom(options.seed ?? 7);
  const labels = Array.from({ length: rows }, () => (rng.bernoulli(0.035) ? 1 : 0));
  if (!labels.includes(1)) labels[0] = 1;
  const challenger = holdoutModel('2026-11-26T20-26-18Z-c0ffee', labels, 3.8, rng);
  const champion = options.champion ? holdoutModel('2026-11-19T03-00-00Z-bead01', labels, 3.2, rng) : null;
  const holdoutPositives = labels.filter((y) => y === 1).length;
  const mode = options.mode ?? 'full';
  const trace =
    mode === 'refit'
      ? []
      : options.sparse
        ? [...climb('isotropic', 0, 12, -690.4, -497.9), ...climb('ard', 0, 25, -497.9, -414.0), ...climb('variational', 0, 3, -414.1, -413.98)]
        : [
          ...climb('subsample', 0, 14, -340.2, -118.4),
          ...climb('subsample', 1, 22, -512.9, -117.9),
          ...climb('subsample', 2, 9, -250.1, -131.6),
          ...climb('full', 1, 7, -610.3, -571.2),
        ];
  const trainRows = rows * 4;
  const trainPositives = Math.round(trainRows * 0.034);
  return {
    version: challenger.version,
    runName: mode === 'full' ? 'daily-2026-11-26' : 'upload-3f9a2c1d',
    createdAt: '2026-11-26T20:26:18.412Z',
    contractName: options.contractName ?? 'ai4i-milling',
    featureNames: ['air_temperature_k', 'process_temperature_k', 'rotational_speed_rpm', 'torque_nm', 'tool_wear_min', 'type_L', 'type_M', 'type_H'],
    data: {
      files: [
        { key: options.fileKey ?? 'landing/training/2026-11-26/line-a.csv', status: 'ingested', rowsRead: 6000, rowsValid: 5988, rowsQuarantined: 12 },
        { key: 'landing/training/2026-11-25/line-b.csv', status: 'already-ingested', rowsRead: 4000, rowsValid: 4000, rowsQuarantined: 0 },
      ],
      window: { from: '2026-10-28', to: '2026-11-26' },
      trainingSetRows: trainRows + rows,
      trainRows,
      holdoutRows: rows,
      trainPositives,
      holdoutPositives,
    },
    training: {
      mode,
      fitSeconds: mode === 'full' ? 84.37 : 6.12,
      kernel: '12.3**2 * RBF(length_scale=[2.1, 3.4, 0.87, 0.95, 1.6, 8.2, 7.9, 9.1])',
      hyperparameters: [
        { name: 'constant', value: 151.29 },
        { name: 'length scale (air_temperature_k)', value: 2.1 },
        { name: 'length scale (torque_nm)', value: 0.95 },
        { name: 'length scale (tool_wear_min)', value: 1.6 },
      ],
      logMarginalLikelihood: -571.2,
      trace,
      ...(options.sparse ? { objective: 'ELBO' as const } : {}),
      relevances: [
        { input: 'air_temperature_k', lengthScale: 1000, relevance: 0.001 },
        { input: 'rotational_speed_rpm', lengthScale: 4.85, relevance: 1 / 4.85 },
        { input: 'torque_nm', lengthScale: 3.34, relevance: 1 / 3.34 },
        { input: 'tool_wear_min', lengthScale: 19.5, relevance: 1 / 19.5 },
      ],
      threshold: { value: 0.0713, targetRecall: TARGET_RECALL, recall: 0.902, precision: 0.241, source: 'leave-one-out', rocAuc: 0.958 },
    },
    evaluation: { labels, targetRecall: TARGET_RECALL, challenger, champion },
    decision: {
      promote: true,
      checks: [
        { name: 'recall at target', passed: true, detail: `holdout recall ${challenger.metrics.recall.toFixed(3)} ≥ target 0.900` },
        { name: 'not worse than champion', passed: !champion || challenger.metrics.f2 >= champion.metrics.f2, detail: 'F2 compared on the same holdout' },
      ],
      summary: 'Promoted: the challenger reaches the target recall and beats the champion on F2.',
      decidedAt: '2026-11-26T20:27:02.000Z',
    },
  };
}

/**
 * A report with a champion and the run's table of models: the GP, boosted trees (the pick) and a
 * logistic regression that failed.
 */
export function makeReportDataWithCandidates(): ReportData {
  const base = makeReportData({ champion: true });
  const gp = { version: base.version, recall: 0.92, precision: 0.31, averagePrecision: 0.712, rocAuc: 0.961, threshold: 0.0781 };
  const boosted = { ...gp, version: '20261126T202618.000Z-b0057300', averagePrecision: 0.889, rocAuc: 0.983, precision: 0.49, threshold: 0.059 };
  return {
    ...base,
    evaluation: {
      ...base.evaluation,
      candidates: [
        { status: 'trained', kind: 'gpc-exact', fitSeconds: 41.2, holdout: gp },
        { status: 'trained', kind: 'gradient-boosting', fitSeconds: 0.28, holdout: boosted },
        { status: 'failed', kind: 'logistic-regression', reason: 'InvalidDataError: one class' },
      ],
      pick: { version: boosted.version, kind: 'gradient-boosting', reason: 'gradient-boosting has the highest average precision (0.889)' },
    },
  };
}
