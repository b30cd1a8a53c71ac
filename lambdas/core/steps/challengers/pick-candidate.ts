import type { CandidatePick, CandidateRow } from '../../registry/decision-record.ts';

export type { CandidatePick, CandidateRow };

/**
 * Which of the run's models goes to the gate (docs/pipeline.md, "Challengers"): among the models
 * trained in the run, those that reach the recall target on the holdout at their own threshold;
 * of them the highest average precision; but the GP wins while it is within
 * {@link GP_UNCERTAINTY_MARGIN_AP} of the best, because it gives uncertainty (a latent sd per
 * reading, and with it `review`) that the others cannot. When no model reaches the target, the GP
 * goes to the gate, which then rejects it on recall as before.
 */

/** How much average precision the GP may give away and still be picked, for its uncertainty. */
export const GP_UNCERTAINTY_MARGIN_AP = 0.01;

type TrainedRow = Extract<CandidateRow, { status: 'trained' }>;

const isGp = (row: CandidateRow): boolean => row.kind === 'gpc-exact' || row.kind === 'gpc-sparse';
const f3 = (value: number): string => value.toFixed(3);

/**
 * Applies the rule to the run's rows (the GP's row must be there and trained).
 * @throws RangeError when there is no trained GP row
 */
export function pickCandidate(rows: readonly CandidateRow[], minRecall: number): CandidatePick {
  const gp = rows.find((row): row is TrainedRow => isGp(row) && row.status === 'trained');
  if (gp === undefined) throw new RangeError('pickCandidate: the run has no trained GP row; the GP is always a candidate');
  const pick = (row: TrainedRow, reason: string): CandidatePick => ({ version: row.holdout.version, kind: row.kind, reason });
  const eligible = rows.filter((row): row is TrainedRow => row.status === 'trained' && row.holdout.recall >= minRecall);
  if (eligible.length === 0) return pick(gp, `no model reaches holdout recall ${f3(minRecall)}: the GP goes to the gate`);
  // Highest AP; ties keep the table's order (the GP first).
  const best = eligible.reduce((a, b) => (b.holdout.averagePrecision > a.holdout.averagePrecision ? b : a));
  if (best === gp) return pick(gp, `the GP has the highest average precision (${f3(gp.holdout.averagePrecision)}) of the models that reach recall ${f3(minRecall)}`);
  const gap = best.holdout.averagePrecision - gp.holdout.averagePrecision;
  if (eligible.includes(gp) && gap <= GP_UNCERTAINTY_MARGIN_AP) {
    return pick(gp, `${best.kind} has average precision ${f3(best.holdout.averagePrecision)}, only ${f3(gap)} above the GP's ${f3(gp.holdout.averagePrecision)} (margin ${f3(GP_UNCERTAINTY_MARGIN_AP)}): the GP, which gives uncertainty`);
  }
  const gpNote = eligible.includes(gp) ? `the GP's ${f3(gp.holdout.averagePrecision)} is more than ${f3(GP_UNCERTAINTY_MARGIN_AP)} below` : `the GP misses recall ${f3(minRecall)}`;
  return pick(best, `${best.kind} has the highest average precision (${f3(best.holdout.averagePrecision)}) of the models that reach recall ${f3(minRecall)}; ${gpNote}`);
}
