import { describe, expect, it } from 'vitest';
import { type CandidateRow, GP_UNCERTAINTY_MARGIN_AP, pickCandidate } from '../../../../lambdas/core/steps/challengers/pick-candidate.ts';

const V = { gp: '20260302T100000.000Z-aaaaaaaa', lr: '20260302T100000.000Z-bbbbbbbb', gb: '20260302T100000.000Z-cccccccc' };

function row(kind: 'gpc-exact' | 'logistic-regression' | 'gradient-boosting', version: string, recall: number, averagePrecision: number): CandidateRow {
  return { status: 'trained', kind, fitSeconds: 1, holdout: { version, recall, precision: 0.3, averagePrecision, rocAuc: 0.95, threshold: 0.1 } };
}

describe('pickCandidate: recall target, then highest AP, the GP within the margin', () => {
  it('picks the challenger with the highest AP among those that reach the recall target', () => {
    const pick = pickCandidate([row('gpc-exact', V.gp, 0.91, 0.70), row('logistic-regression', V.lr, 0.95, 0.48), row('gradient-boosting', V.gb, 0.92, 0.89)], 0.9);
    expect(pick).toMatchObject({ version: V.gb, kind: 'gradient-boosting' });
    expect(pick.reason).toBe("gradient-boosting has the highest average precision (0.890) of the models that reach recall 0.900; the GP's 0.700 is more than 0.010 below");
  });

  it('keeps the GP when the best is within the margin of it, for its uncertainty', () => {
    expect(GP_UNCERTAINTY_MARGIN_AP).toBe(0.01);
    const pick = pickCandidate([row('gpc-exact', V.gp, 0.91, 0.80), row('gradient-boosting', V.gb, 0.92, 0.809)], 0.9);
    expect(pick).toMatchObject({ version: V.gp, kind: 'gpc-exact' });
    expect(pick.reason).toContain('only 0.009 above');
    expect(pickCandidate([row('gpc-exact', V.gp, 0.91, 0.80), row('gradient-boosting', V.gb, 0.92, 0.8101)], 0.9).kind).toBe('gradient-boosting');
  });

  it('never picks a model below the recall target, however high its AP', () => {
    const pick = pickCandidate([row('gpc-exact', V.gp, 0.90, 0.60), row('gradient-boosting', V.gb, 0.89, 0.95)], 0.9);
    expect(pick.kind).toBe('gpc-exact');
    expect(pick.reason).toMatch(/^the GP has the highest average precision/);
  });

  it('picks a challenger when the GP misses the target and it meets it, and says so', () => {
    const pick = pickCandidate([row('gpc-exact', V.gp, 0.85, 0.88), row('logistic-regression', V.lr, 0.93, 0.40)], 0.9);
    expect(pick).toMatchObject({ kind: 'logistic-regression' });
    expect(pick.reason).toContain('the GP misses recall 0.900');
  });

  it('sends the GP to the gate when no model reaches the target (the gate then rejects it on recall)', () => {
    expect(pickCandidate([row('gpc-exact', V.gp, 0.5, 0.9), row('gradient-boosting', V.gb, 0.6, 0.95)], 0.9)).toEqual({
      version: V.gp,
      kind: 'gpc-exact',
      reason: 'no model reaches holdout recall 0.900: the GP goes to the gate',
    });
  });

  it('leaves failed challengers out', () => {
    const pick = pickCandidate([row('gpc-exact', V.gp, 0.95, 0.5), { status: 'failed', kind: 'gradient-boosting', reason: 'InvalidDataError: …' }], 0.9);
    expect(pick.kind).toBe('gpc-exact');
  });

  it('refuses a table without a trained GP', () => {
    expect(() => pickCandidate([row('gradient-boosting', V.gb, 0.95, 0.9)], 0.9)).toThrow(RangeError);
  });
});
