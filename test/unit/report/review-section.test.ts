import { describe, expect, it } from 'vitest';
import { averageSigmoid } from '../../../lambdas/core/ml/logistic-gaussian.ts';
import { evaluate } from '../../../lambdas/core/ml/metrics.ts';
import { DEFAULT_REVIEW_LEVEL } from '../../../lambdas/core/ml/review.ts';
import { reviewOutcome, reviewSection } from '../../../lambdas/core/report/model/review-section.ts';
import type { HoldoutEvaluation, ReportData } from '../../../lambdas/core/report/model/report-data.ts';
import { makeReportData } from './report-fixture.ts';

/**
 * Seven holdout rows at threshold ½ (latent boundary ≈ 0 for every s), other-side chances
 * Φ(−|m| / s): 0.460, 0.421, 0.440 (reviewed at 0.2), then ≈ 0 for the last four.
 */
const ROWS: readonly { m: number; s: number; truth: 0 | 1 }[] = [
  { m: 0.1, s: 1, truth: 0 }, // labelled 1: wrong
  { m: -0.2, s: 1, truth: 1 }, // labelled 0: wrong
  { m: 0.3, s: 2, truth: 1 }, // labelled 1: right
  { m: 5, s: 1, truth: 1 }, // right
  { m: -5, s: 1, truth: 0 }, // right
  { m: -4, s: 0.5, truth: 0 }, // right
  { m: 3, s: 0.5, truth: 0 }, // labelled 1: wrong
];
const LABELS = ROWS.map((r) => r.truth);

function holdout(overrides: Partial<HoldoutEvaluation> = {}): HoldoutEvaluation {
  const probability = ROWS.map((r) => averageSigmoid(r.m, r.s * r.s));
  return {
    version: 'v-gp',
    threshold: 0.5,
    metrics: evaluate(LABELS, probability, 0.5),
    thresholdForTargetRecall: { threshold: 0.5, recall: 0.667, precision: 0.667 },
    probability,
    latentStd: ROWS.map((r) => r.s),
    latentMean: ROWS.map((r) => r.m),
    reviewLevel: 0.2,
    ...overrides,
  };
}

function withHoldout(model: HoldoutEvaluation): ReportData {
  const data = makeReportData();
  return { ...data, evaluation: { ...data.evaluation, labels: LABELS, challenger: model, champion: null } };
}

describe('reviewOutcome', () => {
  it('splits the holdout by the review rule and tallies the decisions on each side', () => {
    expect(reviewOutcome(LABELS, holdout())).toEqual({
      level: 0.2,
      reviewed: { rows: 3, correct: 1, positives: 2, flagged: 2, caught: 1 },
      others: { rows: 4, correct: 3, positives: 1, flagged: 2, caught: 1 },
    });
  });

  it("applies the model's own level, and the default for a GP evaluated before levels were stored", () => {
    expect(reviewOutcome(LABELS, holdout({ reviewLevel: 0.45 }))?.reviewed.rows).toBe(1);
    expect(reviewOutcome(LABELS, holdout({ reviewLevel: undefined }))?.level).toBe(DEFAULT_REVIEW_LEVEL);
  });

  it('is null for a model without uncertainty and for an evaluation without latent means', () => {
    expect(reviewOutcome(LABELS, holdout({ latentStd: null, latentMean: null, reviewLevel: undefined }))).toBeNull();
    expect(reviewOutcome(LABELS, holdout({ latentMean: undefined }))).toBeNull();
  });
});

describe('the report’s review section', () => {
  it('gives the review share, the level and the accuracy of reviewed versus other rows in plain words', () => {
    const text = String(reviewSection(withHoldout(holdout())));
    expect(text).toContain('<section id="review">');
    expect(text).toContain('is above 20%');
    expect(text).toContain('would send 3 of 7 machines (42.9%) to a person');
    expect(text).toContain('the decision is right for 33.3%, against 75.0% on the others: the readings the model doubts are the ones it gets wrong more often');
    expect(text).toContain('<th scope="row">Sent to review</th><td class="num">3</td><td class="num">42.9%</td><td class="num">33.3%</td><td class="num">2</td><td class="num">0.500</td><td class="num">0.500</td>');
    expect(text).toContain('<th scope="row">Not sent to review</th><td class="num">4</td><td class="num">57.1%</td><td class="num">75.0%</td><td class="num">1</td><td class="num">1.000</td><td class="num">0.500</td>');
    expect(text).toContain('<th scope="row">All</th><td class="num">7</td><td class="num">100.0%</td><td class="num">57.1%</td>');
  });

  it('says so when no reading reaches the level', () => {
    const text = String(reviewSection(withHoldout(holdout({ reviewLevel: 0.49 }))));
    expect(text).toContain('would send 0 of 7 machines (0.0%)');
    expect(text).toContain('No holdout reading reached that level.');
    expect(text).toContain('<th scope="row">Sent to review</th><td class="num">0</td><td class="num">0.0%</td><td class="num">—</td>');
  });

  it('says review does not apply to a model without uncertainty, without inventing numbers', () => {
    const text = String(reviewSection(withHoldout(holdout({ latentStd: null, latentMean: null, reviewLevel: undefined }))));
    expect(text).toContain('Review does not apply to this model');
    expect(text).not.toContain('<table');
  });

  it('explains an evaluation recorded before the latent means were kept', () => {
    const text = String(reviewSection(withHoldout(holdout({ latentMean: undefined }))));
    expect(text).toContain('recorded before review levels');
    expect(text).not.toContain('<table');
  });
});
