import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelFeatureNames } from '../../../lambdas/core/contract/encode.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { fromRows } from '../../../lambdas/core/ml/dense.ts';
import { weightedAveragePrecision } from '../../../lambdas/core/ml/permutation-importance.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';
import type { CandidateRow } from '../../../lambdas/core/registry/decision-record.ts';
import { TRAINING_FUNCTIONS } from '../../../lib/training-pipeline.ts';
import { predictEvaluateSeconds, predictScoringSeconds } from '../../../lambdas/core/steps/step-cost.ts';
import { EVALUATE_SCORING_SHARE, LAMBDA_MARGIN_SECONDS, MAX_EXACT_TRAIN_ROWS, MAX_HOLDOUT_ROWS } from '../../../lambdas/core/steps/step-limits.ts';
import {
  holdoutImportance,
  IMPORTANCE_BUDGET_SECONDS,
  IMPORTANCE_REPEATS,
  IMPORTANCE_REPEATS_SAMPLED,
  importancePlan,
  importanceSample,
} from '../../../lambdas/core/steps/holdout-importance.ts';
import { createPipelineFixture, type PipelineFixture, saveTinyModel, testVersion } from '../../support/pipeline-fixture.ts';

describe('the importance plan: rows and repeats within the budget', () => {
  it('gives the budget of 72.5 s (a quarter of Evaluate’s 290 s)', () => {
    expect(IMPORTANCE_BUDGET_SECONDS).toBe(72.5);
  });

  it('takes the whole holdout at 5 repeats when it fits: the sparse GP (m = 128) and the challengers on AI4I', () => {
    const sparse = predictScoringSeconds({ kind: 'gpc-sparse', inducingPoints: 128 }, 1);
    const plan = importancePlan(sparse, 2922, 9, 72.5);
    expect(plan).toEqual({ rows: 2922, repeats: IMPORTANCE_REPEATS, predictedSeconds: 2922 * 46 * sparse });
    expect(plan.predictedSeconds).toBeCloseTo(48.4, 1);
    expect(importancePlan(20e-6, 2922, 9, 10).rows).toBe(2922);
  });

  it('samples rows at 3 repeats for an exact GP of 2,800 rows: 567 of 2,922 holdout rows, 72.4 s predicted', () => {
    const exact = predictScoringSeconds({ kind: 'gpc-exact', rows: 2800 }, 1);
    expect(exact).toBeCloseTo(4.56e-3, 12);
    const plan = importancePlan(exact, 2922, 9, 72.5);
    expect(plan.repeats).toBe(IMPORTANCE_REPEATS_SAMPLED);
    expect(plan.rows).toBe(567);
    expect(plan.predictedSeconds).toBeLessThanOrEqual(72.5);
    expect(importancePlan(exact, 2922, 9, 72.5 + 1e-9).rows).toBe(567);
    // All rows at 3 repeats when those fit but 5 do not.
    // 10 rows × (1 + 2 × 3) passes at 1 s: 70 s; with 60 s, 8 rows.
    expect(importancePlan(1, 10, 2, 60)).toEqual({ rows: 8, repeats: 3, predictedSeconds: 56 });
    expect(importancePlan(1, 10, 2, 70)).toEqual({ rows: 10, repeats: 3, predictedSeconds: 70 });
  });

  it('keeps Evaluate inside its Lambda at the largest models and holdout the config allows (worst-case.test.ts’s rule)', () => {
    const evaluateSeconds = TRAINING_FUNCTIONS.Evaluate.timeout.toSeconds();
    const largest = { kind: 'gpc-exact', rows: MAX_EXACT_TRAIN_ROWS } as const;
    const scoring = predictEvaluateSeconds(MAX_HOLDOUT_ROWS, largest, largest);
    expect(scoring).toBeLessThanOrEqual(EVALUATE_SCORING_SHARE * evaluateSeconds);
    const plan = importancePlan(predictScoringSeconds(largest, 1), MAX_HOLDOUT_ROWS, 9, IMPORTANCE_BUDGET_SECONDS);
    expect(plan.predictedSeconds).toBeLessThanOrEqual(IMPORTANCE_BUDGET_SECONDS);
    // 145 s of scoring and 72.5 s of shuffles leave 72.5 s for reading, writing and a slower CPU: more than the Lambda margin.
    expect(scoring + IMPORTANCE_BUDGET_SECONDS + LAMBDA_MARGIN_SECONDS).toBeLessThanOrEqual(evaluateSeconds);
    // What the largest exact GP still gets: 132 rows at 3 repeats, above the floor of 100.
    expect(plan).toMatchObject({ rows: 132, repeats: 3 });
  });

  it('refuses bad numbers', () => {
    expect(() => importancePlan(-1, 10, 2, 1)).toThrow(RangeError);
    expect(() => importancePlan(1, 1.5, 2, 1)).toThrow('holdout rows must be a non-negative integer, got 1.5');
    expect(() => importancePlan(1, 10, 2, Number.NaN)).toThrow(RangeError);
  });
});

describe('the row sample', () => {
  const labels = Array.from({ length: 1000 }, (_, i) => (i % 25 === 3 ? 1 : 0)); // 40 failures

  it('keeps every failure, thins the healthy rows uniformly, and weights each class back to its holdout count', () => {
    const { indices, classWeights } = importanceSample(labels, 200, 5);
    expect(indices).toHaveLength(200);
    expect(new Set(indices).size).toBe(200);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    expect(indices.filter((i) => labels[i] === 1)).toHaveLength(40);
    expect(classWeights).toEqual({ positive: 1, negative: 960 / 160 });
    expect(importanceSample(labels, 200, 5)).toEqual({ indices, classWeights });
    expect(importanceSample(labels, 200, 6).indices).not.toEqual(indices);
  });

  it('keeps failures to half the sample when they are more', () => {
    const { indices, classWeights } = importanceSample(labels, 50, 1);
    expect(indices.filter((i) => labels[i] === 1)).toHaveLength(25);
    expect(classWeights).toEqual({ positive: 40 / 25, negative: 960 / 25 });
    const mostlyFailures = labels.map((y) => 1 - y);
    expect(importanceSample(mostlyFailures, 100, 1).indices.filter((i) => mostlyFailures[i] === 0)).toHaveLength(40);
    expect(() => importanceSample(labels, 0, 1)).toThrow(RangeError);
  });

  it('estimates the whole set’s average precision with the weights', () => {
    const rng = new SeededRandom(4);
    const scores = labels.map((y) => y * 1.5 + rng.normal());
    const whole = weightedAveragePrecision(labels, scores, { positive: 1, negative: 1 });
    const estimates = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => {
      const { indices, classWeights } = importanceSample(labels, 300, seed);
      return weightedAveragePrecision(indices.map((i) => labels[i]), indices.map((i) => scores[i]), classWeights);
    });
    const mean = estimates.reduce((s, v) => s + v, 0) / estimates.length;
    expect(Math.abs(mean - whole)).toBeLessThan(0.03);
    // Unweighted, the sample's AP would be far higher: its failures are 40 of 300, not 40 of 1,000.
    const { indices } = importanceSample(labels, 300, 1);
    expect(weightedAveragePrecision(indices.map((i) => labels[i]), indices.map((i) => scores[i]), { positive: 1, negative: 1 })).toBeGreaterThan(whole + 0.1);
  });
});

describe('the row sample along the model’s scores', () => {
  const labels = Array.from({ length: 1000 }, (_, i) => (i % 25 === 3 ? 1 : 0));
  const rng = new SeededRandom(4);
  const scores = labels.map((y) => y * 1.5 + rng.normal());

  it('takes every k-th healthy row in score order from a seeded start, so they cover the score range evenly', () => {
    const { indices, classWeights } = importanceSample(labels, 200, 5, scores);
    expect(indices).toHaveLength(200);
    expect(indices.filter((i) => labels[i] === 1)).toHaveLength(40);
    expect(classWeights).toEqual({ positive: 1, negative: 6 });
    const ranked = labels.map((_, i) => i).filter((i) => labels[i] === 0).sort((a, b) => scores[a] - scores[b]);
    const ranks = indices.filter((i) => labels[i] === 0).map((i) => ranked.indexOf(i)).sort((a, b) => a - b);
    // 960 healthy rows, 160 kept: one in each run of 6 in score order, at the same offset.
    expect(ranks.map((r, k) => r - 6 * k)).toEqual(ranks.map(() => ranks[0]));
    expect(ranks[0]).toBeLessThan(6);
    expect(importanceSample(labels, 200, 5, scores)).toEqual({ indices, classWeights });
    expect(() => importanceSample(labels, 200, 5, scores.slice(1))).toThrow('999 scores for 1000 labels');
  });

  it('estimates the whole set’s average precision more closely than a uniform draw', () => {
    const whole = weightedAveragePrecision(labels, scores, { positive: 1, negative: 1 });
    const errors = (withScores: boolean) =>
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((seed) => {
        const { indices, classWeights } = importanceSample(labels, 300, seed, withScores ? scores : undefined);
        return Math.abs(weightedAveragePrecision(indices.map((i) => labels[i]), indices.map((i) => scores[i]), classWeights) - whole);
      });
    const rms = (e: number[]) => Math.sqrt(e.reduce((s, v) => s + v * v, 0) / e.length);
    expect(rms(errors(true))).toBeLessThan(rms(errors(false)) / 2);
  });
});

describe('holdout importance of the run’s models', () => {
  let fx: PipelineFixture;
  const names = modelFeatureNames(DEFAULT_CONTRACT);
  const rng = new SeededRandom(9);
  const labels = Uint8Array.from({ length: 400 }, (_, i) => (i % 10 === 0 ? 1 : 0));
  const x = fromRows(
    Array.from(labels, (y) => {
      const type = rng.nextInt(3);
      return names.map((name, j) => (name.startsWith('product_type_') ? Number(name === ['product_type_l', 'product_type_m', 'product_type_h'][type]) : j === 0 ? 2 * y + rng.normal() : rng.normal()));
    }),
  );
  const trained = (version: string): CandidateRow => ({ status: 'trained', kind: 'gpc-exact', fitSeconds: 1, holdout: { version, recall: 1, precision: 1, averagePrecision: 1, rocAuc: 1, threshold: 0.5 } });
  const failed: CandidateRow = { status: 'failed', kind: 'gradient-boosting', reason: 'InvalidDataError: too few rows' };
  const [a, b] = [testVersion(1), testVersion(2)];
  beforeEach(async () => {
    fx = await createPipelineFixture();
    await saveTinyModel(fx.store, a, names, 1);
    await saveTinyModel(fx.store, b, names, 2);
  });
  afterEach(async () => {
    await fx.close();
  });
  const messages = () => fx.progress.flatMap((p) => (p.kind === 'message' ? [p.text] : []));

  it('explains every trained model on all rows when the budget allows, in the candidates’ order, and says how far it got', async () => {
    const result = await holdoutImportance(fx.context, [trained(a), failed, trained(b)], x, labels, names);
    expect(result.map((r) => [r.version, r.status])).toEqual([
      [a, 'computed'],
      [b, 'computed'],
    ]);
    const [first] = result;
    if (first.status !== 'computed') expect.unreachable('computed');
    expect(first.importance).toMatchObject({ rows: 400, positives: 40, repeats: 5, classWeights: { positive: 1, negative: 1 } });
    expect(first.holdoutRows).toBe(400);
    expect(first.importance.features).toHaveLength(9);
    expect(messages()).toContain('importance: gpc-exact on 400 of 400 holdout rows, 9 inputs × 5 shuffles');
    expect(messages()).toContain('importance: gpc-exact 9/9 inputs (strain_min_nm)');
  });

  it('samples rows, keeping every failure, when the budget is short, and records on what it computed', async () => {
    const perRow = predictScoringSeconds({ kind: 'gpc-exact', rows: 24 }, 1);
    const budget = 2 * 200 * 28 * perRow; // two models, 200 rows each at 3 repeats
    const [first] = await holdoutImportance(fx.context, [trained(a), trained(b)], x, labels, names, {}, budget);
    if (first.status !== 'computed') expect.unreachable('computed');
    expect(first.importance).toMatchObject({ rows: 200, positives: 40, repeats: 3, classWeights: { positive: 1, negative: 360 / 160 } });
    expect(first.predictedSeconds).toBeCloseTo(200 * 28 * perRow, 12);

    // With the model's holdout scores, the sample follows them (importanceSample's systematic draw).
    const scores = Array.from({ length: 400 }, (_, i) => (i * 37) % 400);
    const [alongScores] = await holdoutImportance(fx.context, [trained(a), trained(b)], x, labels, names, { [a]: scores }, budget);
    if (alongScores.status !== 'computed') expect.unreachable('computed');
    expect(alongScores.importance.baseline).not.toBe(first.importance.baseline);
    expect(alongScores.importance.rows).toBe(200);
  });

  it('skips, with the reason, a model the budget or the Lambda’s time cannot afford, and a holdout without failures', async () => {
    const [short] = await holdoutImportance(fx.context, [trained(a)], x, labels, names, {}, 1e-6);
    expect(short).toMatchObject({ status: 'skipped', version: a, kind: 'gpc-exact' });
    if (short.status !== 'skipped') expect.unreachable('skipped');
    expect(short.reason).toMatch(/^the time budget \(0\.0 s\) affords \d+ holdout rows for this model, fewer than 100$/);

    const late = await holdoutImportance({ ...fx.context, remainingTimeMs: () => 30_000 }, [trained(a)], x, labels, names);
    expect(late[0]).toMatchObject({ status: 'skipped', reason: expect.stringContaining("30 s were left of Evaluate's time") });

    const none = await holdoutImportance(fx.context, [trained(a)], x, new Uint8Array(400), names);
    expect(none[0]).toMatchObject({ status: 'skipped', reason: 'the holdout has no failures, so average precision is undefined' });
    expect(messages()).toContain('importance: gpc-exact skipped: the holdout has no failures, so average precision is undefined');
  });
});
