import { DEFAULT_REVIEW_LEVEL, otherSideProbability } from '../../ml/review.ts';
import { fixed, integer, percent } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { HoldoutEvaluation, ReportData } from './report-data.ts';

/** How the model's decisions fared on one group of holdout rows. */
export interface DecisionTally {
  readonly rows: number;
  /** Rows whose decision (probability ≥ threshold) matched the truth. */
  readonly correct: number;
  /** Rows that needed maintenance. */
  readonly positives: number;
  /** Rows labelled "needs maintenance". */
  readonly flagged: number;
  /** Rows labelled "needs maintenance" that needed it. */
  readonly caught: number;
}

/** The holdout split by the review rule: the rows sent to a person and the others. */
export interface ReviewOutcome {
  readonly level: number;
  readonly reviewed: DecisionTally;
  readonly others: DecisionTally;
}

function tally(labels: readonly number[], decided: readonly (0 | 1)[], rows: readonly number[]): DecisionTally {
  let correct = 0;
  let positives = 0;
  let flagged = 0;
  let caught = 0;
  for (const i of rows) {
    const truth = labels[i] === 1 ? 1 : 0;
    const label = decided[i]!;
    correct += label === truth ? 1 : 0;
    positives += truth;
    flagged += label;
    caught += label & truth;
  }
  return { rows: rows.length, correct, positives, flagged, caught };
}

/**
 * The holdout rows a model sends to review at its level, and how right its decisions are on them
 * and on the rest; null when it has no uncertainty or the evaluation kept no latent means (older runs).
 */
export function reviewOutcome(labels: readonly number[], model: HoldoutEvaluation): ReviewOutcome | null {
  const { latentMean, latentStd } = model;
  if (latentMean == null || latentStd === null) return null;
  const level = model.reviewLevel ?? DEFAULT_REVIEW_LEVEL;
  const decided = model.probability.map((p): 0 | 1 => (p >= model.threshold ? 1 : 0));
  const reviewed: number[] = [];
  const others: number[] = [];
  labels.forEach((_, i) => (otherSideProbability(latentMean[i]!, latentStd[i]!, model.threshold) > level ? reviewed : others).push(i));
  return { level, reviewed: tally(labels, decided, reviewed), others: tally(labels, decided, others) };
}

const share = (part: number, whole: number): string => (whole === 0 ? '—' : percent(part / whole));
const ratio = (part: number, whole: number): string => (whole === 0 ? '—' : fixed(part / whole, 3));

function tallyRow(name: string, t: DecisionTally, holdout: number): SafeHtml {
  return html`<tr><th scope="row">${name}</th><td class="num">${integer(t.rows)}</td><td class="num">${share(t.rows, holdout)}</td><td class="num">${share(t.correct, t.rows)}</td><td class="num">${integer(t.positives)}</td><td class="num">${ratio(t.caught, t.positives)}</td><td class="num">${ratio(t.caught, t.flagged)}</td></tr>`;
}

/** Which holdout readings the model would send to a person, and whether those are the ones it gets wrong. */
export function reviewSection(data: ReportData): SafeHtml {
  const { labels, challenger } = data.evaluation;
  const heading = html`<h2>Readings sent to a person</h2>`;
  if (challenger.latentStd === null) {
    return html`<section id="review">${heading}<p>Review does not apply to this model: it gives a probability but no uncertainty about it, so it cannot tell which of its decisions are doubtful. Its predictions carry no <code>review</code> field.</p></section>`;
  }
  const outcome = reviewOutcome(labels, challenger);
  if (outcome === null) {
    return html`<section id="review">${heading}<p>This evaluation was recorded before review levels and kept no latent means, so the review share cannot be shown.</p></section>`;
  }
  const { reviewed, others, level } = outcome;
  const holdout = labels.length;
  const all: DecisionTally = {
    rows: holdout,
    correct: reviewed.correct + others.correct,
    positives: reviewed.positives + others.positives,
    flagged: reviewed.flagged + others.flagged,
    caught: reviewed.caught + others.caught,
  };
  const comparison =
    reviewed.rows === 0
      ? html`No holdout reading reached that level.`
      : html`On the reviewed readings the decision is right for ${share(reviewed.correct, reviewed.rows)}, against ${share(others.correct, others.rows)} on the others${
          reviewed.correct / reviewed.rows < others.correct / Math.max(others.rows, 1)
            ? ': the readings the model doubts are the ones it gets wrong more often, where a person’s look is worth most.'
            : ': on this holdout the doubted readings are not the less accurate ones.'
        }`;
  return html`<section id="review">${heading}
<p>A reading goes to review when the model is genuinely unsure on which side of the threshold it lies: when the chance, under the model’s own uncertainty about it, that the reading lies on the other side of the threshold ${fixed(challenger.threshold, 4)} from the model’s decision is above ${percent(level, 0)} (the review level, <code>config.reviewLevel</code>). That chance is at most 50%, reached by a reading exactly at the threshold.</p>
<p>On this holdout the model would send ${integer(reviewed.rows)} of ${integer(holdout)} machines (${share(reviewed.rows, holdout)}) to a person. ${comparison}</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Holdout machines</th><th scope="col" class="num">Rows</th><th scope="col" class="num">Share</th><th scope="col" class="num">Decision right</th><th scope="col" class="num">Need maintenance</th><th scope="col" class="num">Recall</th><th scope="col" class="num">Precision</th></tr></thead><tbody>
${tallyRow('Sent to review', reviewed, holdout)}
${tallyRow('Not sent to review', others, holdout)}
${tallyRow('All', all, holdout)}
</tbody></table></div>
<p class="note">Recall: of the machines that needed maintenance, the share the model flagged; precision: of the machines it flagged, the share that needed it (— where a group has none).</p>
</section>`;
}
