import { z } from 'zod';
import { versionKey } from './model-store.ts';
import { modelVersionSchema } from './version.ts';

/**
 * `models/<version>/decision.json`: the gate's decision on one version and every number it was
 * based on. Gate writes it; the model report, the API's champion cache and `prognos models` read
 * it. It lives with the other records of a version (registry/), so that a reader needs no step
 * module and the steps ↔ serving folders do not import each other.
 */

/** A model's headline numbers on the holdout, as the gate, the decision record and GET /model use them. */
export const headlineSchema = z.object({
  version: modelVersionSchema,
  recall: z.number(),
  precision: z.number(),
  averagePrecision: z.number(),
  rocAuc: z.number(),
  threshold: z.number(),
});

export type Headline = z.infer<typeof headlineSchema>;

const kindSchema = z.enum(['gpc-exact', 'gpc-sparse', 'logistic-regression', 'gradient-boosting']);

/** One model trained in the run, scored on the holdout: a row of the run's table of models. */
export const candidateRowSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('trained'), kind: kindSchema, fitSeconds: z.number().nonnegative(), holdout: headlineSchema }),
  z.object({ status: z.literal('failed'), kind: kindSchema, reason: z.string() }),
]);
export type CandidateRow = z.infer<typeof candidateRowSchema>;

/** The model the rule picked among the run's (steps/challengers/pick-candidate.ts) to go to the gate, and why. */
export const candidatePickSchema = z.object({
  version: modelVersionSchema,
  kind: kindSchema,
  /** One sentence for people: why this one. */
  reason: z.string(),
});
export type CandidatePick = z.infer<typeof candidatePickSchema>;

/** One rule the gate applied, with its numbers. */
export interface GateCheck {
  readonly name: string;
  readonly passed: boolean;
  /** e.g. "holdout recall 0.944 ≥ target 0.900". */
  readonly detail: string;
}

export interface GateDecision {
  readonly promote: boolean;
  readonly checks: readonly GateCheck[];
  /** One sentence for people: why promoted or rejected. */
  readonly summary: string;
  readonly decidedAt: string;
}

/** The decision record: the decision and what it was based on. */
export interface DecisionRecord extends GateDecision {
  readonly version: string;
  readonly runName: string;
  /** The holdout recall the gate required (config.gateMinRecall, else config.targetRecall). */
  readonly minRecall: number;
  readonly margin: number;
  readonly challenger: Headline;
  /** The serving model on the same holdout; null when there was none (or it could not be scored). */
  readonly champion: Headline | null;
  readonly championNote: string | null;
  /** Every model trained in the run on the same holdout, and the one the rule picked (`challenger` above); absent before the challengers. */
  readonly candidates?: readonly CandidateRow[];
  readonly pick?: CandidatePick;
}

export function decisionKey(version: string): string {
  return versionKey(version, 'decision.json');
}
