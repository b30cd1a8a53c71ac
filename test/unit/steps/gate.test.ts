import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJson } from '../../../lambdas/core/registry/model-store.ts';
import type { EvaluationResult } from '../../../lambdas/core/steps/evaluate.ts';
import type { CandidateRow, DecisionRecord } from '../../../lambdas/core/registry/decision-record.ts';
import { pickCandidate } from '../../../lambdas/core/steps/challengers/pick-candidate.ts';
import { decide, gate } from '../../../lambdas/core/steps/gate.ts';
import type { TrainResult } from '../../../lambdas/core/steps/train.ts';
import { createPipelineFixture, FIXED_NOW, type PipelineFixture, testVersion } from '../../support/pipeline-fixture.ts';

const CHALLENGER = testVersion(2);
const CHAMPION = testVersion(1);

type Headline = NonNullable<EvaluationResult['champion']>;

function headline(version: string, recall: number, averagePrecision: number): Headline {
  return { version, recall, precision: 0.5, averagePrecision, rocAuc: 0.9, threshold: 0.3 };
}

function evaluation(challenger: [recall: number, ap: number], champion?: [recall: number, ap: number], championNote: string | null = null): EvaluationResult {
  return {
    key: `models/${CHALLENGER}/evaluation.json`,
    challenger: headline(CHALLENGER, ...challenger),
    champion: champion ? headline(CHAMPION, ...champion) : null,
    championNote,
    judged: champion ? { pointer: 'champion', version: CHAMPION } : { pointer: 'none' },
  };
}

const checkNames = (d: ReturnType<typeof decide>) => d.checks.map((c) => [c.name, c.passed]);

describe('decide', () => {
  const at = FIXED_NOW;

  describe('no champion', () => {
    it('promotes when recall reaches the target (the boundary included)', () => {
      const d = decide(evaluation([0.9, 0.1]), 0.9, 0.02, at);
      expect(d.promote).toBe(true);
      expect(checkNames(d)).toEqual([['recall target', true], ['champion', true]]);
      expect(d.checks[1].detail).toBe('no champion yet: nothing to compare with');
      expect(d.summary).toBe(`promote ${CHALLENGER}: holdout recall 0.900 ≥ target 0.900; no champion yet: nothing to compare with`);
      expect(d.decidedAt).toBe(at.toISOString());
    });

    it('rejects when recall misses the target, however good the ranking', () => {
      const d = decide(evaluation([0.89, 0.99]), 0.9, 0.02, at);
      expect(d.promote).toBe(false);
      expect(checkNames(d)).toEqual([['recall target', false], ['champion', true]]);
      expect(d.summary).toBe(`reject ${CHALLENGER}: holdout recall 0.890 < target 0.900`);
    });

    it('passes the champion check with the note of an incomparable champion', () => {
      const d = decide(evaluation([0.95, 0.5], undefined, 'champion X takes other features'), 0.9, 0.02, at);
      expect(d.promote).toBe(true);
      expect(d.checks[1]).toEqual({ name: 'champion', passed: true, detail: 'champion X takes other features' });
    });
  });

  describe('with a champion on the same holdout (margin 0.05)', () => {
    const margin = 0.05;

    it('promotes a challenger as good as the champion', () => {
      const d = decide(evaluation([0.95, 0.6], [0.95, 0.6]), 0.9, margin, at);
      expect(d.promote).toBe(true);
      expect(checkNames(d)).toEqual([['recall target', true], ['recall vs champion', true], ['average precision vs champion', true]]);
    });

    it('promotes a challenger worse within the margin, in recall and in average precision', () => {
      const d = decide(evaluation([0.91, 0.56], [0.95, 0.6]), 0.9, margin, at);
      expect(d.promote).toBe(true);
      expect(d.checks[1].detail).toBe('recall 0.910 vs champion 0.950 (margin 0.050): not worse beyond the margin');
      expect(d.checks[2].detail).toBe('average precision 0.560 vs champion 0.600 (margin 0.050): not worse beyond the margin');
    });

    it('rejects a challenger whose recall is worse beyond the margin', () => {
      const d = decide(evaluation([0.92, 0.7], [0.98, 0.6]), 0.9, margin, at);
      expect(d.promote).toBe(false);
      expect(checkNames(d)).toEqual([['recall target', true], ['recall vs champion', false], ['average precision vs champion', true]]);
      expect(d.summary).toBe(`reject ${CHALLENGER}: recall 0.920 vs champion 0.980 (margin 0.050): worse beyond the margin`);
    });

    it('rejects a challenger whose average precision is worse beyond the margin', () => {
      const d = decide(evaluation([0.99, 0.5], [0.95, 0.6]), 0.9, margin, at);
      expect(d.promote).toBe(false);
      expect(checkNames(d)).toEqual([['recall target', true], ['recall vs champion', true], ['average precision vs champion', false]]);
      expect(d.summary).toBe(`reject ${CHALLENGER}: average precision 0.500 vs champion 0.600 (margin 0.050): worse beyond the margin`);
    });

    it('with margin 0 rejects any loss and accepts a tie', () => {
      expect(decide(evaluation([0.95, 0.6], [0.95, 0.6]), 0.9, 0, at).promote).toBe(true);
      expect(decide(evaluation([0.95, 0.5999], [0.95, 0.6]), 0.9, 0, at).promote).toBe(false);
    });

    it('lists every failed check in the summary', () => {
      const d = decide(evaluation([0.5, 0.1], [0.95, 0.6]), 0.9, margin, at);
      expect(d.promote).toBe(false);
      expect(d.checks.filter((c) => !c.passed)).toHaveLength(3);
      expect(d.summary.split('; ')).toHaveLength(3);
    });
  });
});

describe('Gate', () => {
  let fx: PipelineFixture;
  beforeEach(async () => {
    fx = await createPipelineFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  const trainResult: TrainResult = {
    version: CHALLENGER,
    mode: 'full',
    modeNote: null,
    trainingKey: `models/${CHALLENGER}/training.json`,
    fitSeconds: 1,
    logMarginalLikelihood: -40,
    kernel: '1**2 * RBF(length_scale=1)',
  };

  it.each([
    ['promote', evaluation([0.95, 0.6], [0.94, 0.6]), true],
    ['reject', evaluation([0.95, 0.3], [0.94, 0.6]), false],
  ] as const)('writes the decision record when it decides to %s', async (_what, evaluated, promote) => {
    const input = { ...fx.runInput({ runName: 'gate-run', config: { targetRecall: 0.9, gateMargin: 0.02 } }), train: trainResult, evaluation: evaluated };
    const result = await gate(input, fx.context);
    expect(result.promote).toBe(promote);
    expect(result.key).toBe(`models/${CHALLENGER}/decision.json`);

    const record = (await readJson(fx.store, result.key)) as DecisionRecord;
    const expected = decide(evaluated, 0.9, 0.02, FIXED_NOW);
    expect(record).toEqual({
      ...expected,
      version: CHALLENGER,
      runName: 'gate-run',
      minRecall: 0.9,
      margin: 0.02,
      challenger: evaluated.challenger,
      champion: evaluated.champion,
      championNote: null,
    });
    expect(result.summary).toBe(expected.summary);
    expect(fx.progress).toContainEqual({ kind: 'message', text: expected.summary });
  });

  it('judges the model Evaluate picked, and records the run’s table of models and the pick with its reason under its version', async () => {
    const evaluated = evaluation([0.95, 0.6], [0.94, 0.6]);
    const boosted = testVersion(7);
    const boostedHeadline = { ...evaluated.challenger, version: boosted, averagePrecision: 0.85 };
    const candidates: CandidateRow[] = [
      { status: 'trained', kind: 'gpc-exact', fitSeconds: 1, holdout: evaluated.challenger },
      { status: 'trained', kind: 'gradient-boosting', fitSeconds: 0.3, holdout: boostedHeadline },
      { status: 'failed', kind: 'logistic-regression', reason: 'InvalidDataError: one class' },
    ];
    const pick = pickCandidate(candidates, 0.9);
    expect(pick).toMatchObject({ version: boosted, kind: 'gradient-boosting' });
    const picked = { ...evaluated, challenger: boostedHeadline, candidates, pick };
    const input = { ...fx.runInput({ runName: 'gate-run', config: { targetRecall: 0.9, gateMargin: 0.02 } }), train: trainResult, evaluation: picked };
    const result = await gate(input, fx.context);
    const expected = decide(picked, 0.9, 0.02, FIXED_NOW);
    expect(result.promote).toBe(expected.promote);
    expect(result.summary).toBe(expected.summary);
    expect(result.summary).toContain(boosted);
    expect(result.key).toBe(`models/${boosted}/decision.json`);
    const record = (await readJson(fx.store, result.key)) as DecisionRecord;
    expect(record.version).toBe(boosted);
    expect(record.challenger).toEqual(boostedHeadline);
    expect(record.candidates).toEqual(candidates);
    expect(record.pick).toEqual(pick);
  });

  it('requires config.gateMinRecall on the holdout when it is set, instead of targetRecall', async () => {
    const evaluated = evaluation([0.85, 0.6]);
    const run = (config: { targetRecall: number; gateMinRecall?: number }) => ({ ...fx.runInput({ config }), train: trainResult, evaluation: evaluated });
    expect((await gate(run({ targetRecall: 0.9 }), fx.context)).promote).toBe(false);
    const lowered = await gate(run({ targetRecall: 0.9, gateMinRecall: 0.8 }), fx.context);
    expect(lowered.promote).toBe(true);
    expect(lowered.summary).toContain('holdout recall 0.850 ≥ target 0.800');
    expect(((await readJson(fx.store, lowered.key)) as DecisionRecord).minRecall).toBe(0.8);
  });
});
