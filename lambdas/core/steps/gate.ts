import { z } from 'zod';
import { type DecisionRecord, decisionKey, type GateCheck, type GateDecision } from '../registry/decision-record.ts';
import { writeJson } from '../registry/model-store.ts';
import type { StepContext } from './context.ts';
import { type EvaluationResult, evaluationResultSchema } from './evaluate.ts';
import { parseStepInput, runInputSchema } from './run-state.ts';

/**
 * Gate: recall first. The challenger (the model of the run that Evaluate's rule picked) must reach
 * the target recall on the holdout, and must not
 * be worse than the champion on the same holdout by more than the margin, neither in recall nor
 * in average precision (how well it ranks the machines that need maintenance above the rest).
 * The decision record is written either way, with every number it was based on.
 */

export const gateResultSchema = z.object({ promote: z.boolean(), summary: z.string(), key: z.string() });
export type GateResult = z.infer<typeof gateResultSchema>;

const f3 = (value: number): string => value.toFixed(3);

/** The gate's rules as data: pure, so every branch is tested without a model. */
export function decide(evaluation: EvaluationResult, minRecall: number, margin: number, decidedAt: Date): GateDecision {
  const { challenger, champion } = evaluation;
  const checks: GateCheck[] = [
    {
      name: 'recall target',
      passed: challenger.recall >= minRecall,
      detail: `holdout recall ${f3(challenger.recall)} ${challenger.recall >= minRecall ? '≥' : '<'} target ${f3(minRecall)}`,
    },
  ];
  if (champion !== null) {
    for (const [name, metric] of [['recall', 'recall'], ['average precision', 'averagePrecision']] as const) {
      const floor = champion[metric] - margin;
      const passed = challenger[metric] >= floor;
      checks.push({
        name: `${name} vs champion`,
        passed,
        detail: `${name} ${f3(challenger[metric])} vs champion ${f3(champion[metric])} (margin ${f3(margin)}): ${passed ? 'not worse beyond the margin' : 'worse beyond the margin'}`,
      });
    }
  } else {
    checks.push({ name: 'champion', passed: true, detail: evaluation.championNote ?? 'no champion yet: nothing to compare with' });
  }
  const failed = checks.filter((check) => !check.passed);
  const promote = failed.length === 0;
  const summary = promote
    ? `promote ${challenger.version}: ${checks.map((check) => check.detail).join('; ')}`
    : `reject ${challenger.version}: ${failed.map((check) => check.detail).join('; ')}`;
  return { promote, checks, summary, decidedAt: decidedAt.toISOString() };
}

export async function gate(input: unknown, context: StepContext): Promise<GateResult> {
  const run = parseStepInput('Gate', runInputSchema.extend({ evaluation: evaluationResultSchema }), input);
  const { challenger, candidates, pick } = run.evaluation;
  const { targetRecall, gateMinRecall, gateMargin } = run.config;
  const minRecall = gateMinRecall ?? targetRecall;
  const decision = decide(run.evaluation, minRecall, gateMargin, context.now());
  const record: DecisionRecord = {
    ...decision,
    version: challenger.version,
    runName: run.runName,
    minRecall,
    margin: gateMargin,
    challenger: run.evaluation.challenger,
    champion: run.evaluation.champion,
    championNote: run.evaluation.championNote,
    // The run's table of models and why the challenger is the one judged, with their numbers.
    ...(candidates && pick ? { candidates, pick } : {}),
  };
  const key = decisionKey(challenger.version);
  await writeJson(context.store, key, record);
  context.progress({ kind: 'message', text: decision.summary });
  return { promote: decision.promote, summary: decision.summary, key };
}
