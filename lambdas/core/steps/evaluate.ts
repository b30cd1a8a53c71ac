import { z } from 'zod';
import { type DenseMatrix, takeRows } from '../ml/dense.ts';
import type { DeployedModel } from '../ml/deployed-model.ts';
import { evaluate as holdoutMetrics } from '../ml/metrics.ts';
import { chooseThreshold } from '../ml/threshold.ts';
import { inspectChampion } from '../registry/champion-health.ts';
import { judgedChampionOf, judgedChampionSchema } from '../registry/champion-pointer.ts';
import { type CandidateRow, candidatePickSchema, candidateRowSchema, type Headline, headlineSchema } from '../registry/decision-record.ts';
import { loadModel, versionKey, writeJson } from '../registry/model-store.ts';
import type { Evaluation, HoldoutEvaluation } from '../report/model/report-data.ts';
import { pickCandidate } from './challengers/pick-candidate.ts';
import { challengerOutcomeSchema } from './challengers/train-challenger.ts';
import { holdoutImportance } from './holdout-importance.ts';
import type { StepContext } from './context.ts';
import { parseStepInput, runInputSchema } from './run-state.ts';
import { loadTrainingSet, splitRecordSchema, splitResultSchema } from './split-and-scale.ts';
import { trainResultSchema } from './train.ts';
import { trainingSetResultSchema } from './training-set.ts';

/**
 * Evaluate: every model trained in the run and the champion on the same holdout rows, each at its
 * own threshold and through its own scaler (a model is its artifact). The rule of
 * steps/challengers/pick-candidate.ts picks the run's challenger among them: the model that goes to
 * the gate and, if promoted, serves. The full evaluation, with the challenger's per-row scores for
 * the report, goes to `models/<challenger>/evaluation.json`, the folder that holds the run's records
 * (decision, report); the state gets the headlines.
 */

export const evaluationResultSchema = z.object({
  key: z.string(),
  /** The model the rule picked to go to the gate (the GP in runs without challengers). */
  challenger: headlineSchema,
  champion: headlineSchema.nullable(),
  /** Why the champion was not scored, when there is one (or an unreadable pointer) but it was not; null otherwise. */
  championNote: z.string().nullable(),
  /** What `models/champion.json` held when the challenger was judged: Promote swaps only if it still does. */
  judged: judgedChampionSchema,
  /** Every model trained in the run (the GP first), scored on the same holdout; absent in runs from before the challengers. */
  candidates: z.array(candidateRowSchema).optional(),
  /** Which candidate is `challenger`, and why; absent in runs from before the challengers. */
  pick: candidatePickSchema.optional(),
});

/** TrainModels' results of the challengers ($.candidates); absent in runs from before them. */
const challengerCandidatesSchema = z.object({ logistic: challengerOutcomeSchema, boosting: challengerOutcomeSchema }).optional();

export type EvaluationResult = z.infer<typeof evaluationResultSchema>;

function score(model: DeployedModel, version: string, x: DenseMatrix, labels: Uint8Array, targetRecall: number): HoldoutEvaluation {
  const prediction = model.predict(x);
  const forTarget = chooseThreshold(labels, prediction.probability, { targetRecall });
  return {
    version,
    threshold: model.threshold.value,
    metrics: holdoutMetrics(labels, prediction.probability, model.threshold.value),
    thresholdForTargetRecall: { threshold: forTarget.threshold, recall: forTarget.recall, precision: forTarget.precision },
    probability: Array.from(prediction.probability),
    latentStd: prediction.latentStd === null ? null : Array.from(prediction.latentStd),
    ...(prediction.latentMean === null ? { latentMean: null } : { latentMean: Array.from(prediction.latentMean), reviewLevel: model.threshold.reviewLevel }),
  };
}

function headline(evaluation: HoldoutEvaluation): Headline {
  const { recall, precision, averagePrecision, rocAuc } = evaluation.metrics;
  return { version: evaluation.version, recall, precision, averagePrecision, rocAuc, threshold: evaluation.threshold };
}

export async function evaluateChallenger(input: unknown, context: StepContext): Promise<EvaluationResult> {
  const run = parseStepInput(
    'Evaluate',
    runInputSchema.extend({ trainingSet: trainingSetResultSchema, split: splitResultSchema, train: trainResultSchema, candidates: challengerCandidatesSchema }),
    input,
  );
  const { X, y, featureNames } = await loadTrainingSet(context, run.trainingSet.key);
  const split = splitRecordSchema.parse(JSON.parse(new TextDecoder().decode((await context.store.get(run.split.key)).body)));
  const x = takeRows(X, split.holdout);
  const labels = Uint8Array.from(split.holdout, (i) => y[i]);
  const { targetRecall } = run.config;

  const gp = (await loadModel(context.store, run.train.version)).model;
  const gpEvaluation = score(gp, run.train.version, x, labels, targetRecall);
  // Every model of the run on the same rows: the GP, then each challenger (or why it is missing).
  const scored = new Map<string, HoldoutEvaluation>([[gpEvaluation.version, gpEvaluation]]);
  const candidates: CandidateRow[] = [{ status: 'trained', kind: gp.kind, fitSeconds: run.train.fitSeconds, holdout: headline(gpEvaluation) }];
  for (const outcome of run.candidates ? [run.candidates.logistic, run.candidates.boosting] : []) {
    if (outcome.status === 'failed') {
      candidates.push({ status: 'failed', kind: outcome.kind, reason: `${outcome.error}: ${failureMessage(outcome.reason)}` });
      continue;
    }
    const { model } = await loadModel(context.store, outcome.version);
    const evaluation = score(model, outcome.version, x, labels, targetRecall);
    scored.set(evaluation.version, evaluation);
    candidates.push({ status: 'trained', kind: outcome.kind, fitSeconds: outcome.fitSeconds, holdout: headline(evaluation) });
  }
  const pick = run.candidates ? pickCandidate(candidates, run.config.gateMinRecall ?? targetRecall) : undefined;
  const challenger = pick ? scored.get(pick.version)! : gpEvaluation;
  if (pick) context.progress({ kind: 'message', text: `the rule picks ${pick.kind} ${pick.version} for the gate: ${pick.reason}` });
  let champion: HoldoutEvaluation | null = null;
  let championNote: string | null = null;
  // A champion that cannot be used costs this run its comparison, never the run itself.
  const verdict = await inspectChampion(context.store);
  if (verdict.kind === 'unreadable-pointer' || verdict.kind === 'unloadable-model') {
    championNote = `no champion comparison: ${verdict.problem}`;
  } else if (verdict.kind === 'usable') {
    const { model, current } = verdict;
    if (model.featureNames.join(',') === featureNames.join(',')) {
      champion = score(model, current.pointer.version, x, labels, targetRecall);
    } else {
      championNote = `champion ${current.pointer.version} takes other features (${model.featureNames.join(', ')}), so it cannot be scored on this holdout`;
    }
  }
  const importance = await holdoutImportance(context, candidates, x, labels, featureNames, Object.fromEntries([...scored].map(([version, e]) => [version, e.probability])));
  const evaluation: Evaluation = { labels: Array.from(labels), targetRecall, challenger, champion, ...(pick ? { candidates, pick } : {}), importance };
  const key = versionKey(challenger.version, 'evaluation.json');
  await writeJson(context.store, key, evaluation);
  const line = (e: HoldoutEvaluation): string =>
    `recall ${e.metrics.recall.toFixed(3)}, precision ${e.metrics.precision.toFixed(3)}, average precision ${e.metrics.averagePrecision.toFixed(3)}`;
  context.progress({ kind: 'message', text: `challenger ${line(challenger)}${champion ? `; champion ${line(champion)}` : ''}` });
  if (championNote !== null) context.progress({ kind: 'message', text: championNote });
  return {
    key,
    challenger: headline(challenger),
    champion: champion && headline(champion),
    championNote,
    judged: judgedChampionOf(verdict.kind === 'none' ? verdict : verdict.state),
    ...(pick ? { candidates, pick } : {}),
  };
}

/** A Lambda error's Cause is JSON with an errorMessage; keep the message, or the cause as it is. */
function failureMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}
