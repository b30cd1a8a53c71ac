import { z } from 'zod';
import { promoteChampion } from '../registry/champion.ts';
import {
  type ChampionPointer,
  type ChampionState,
  describeJudgedChampion,
  judgedChampionOf,
  readChampionState,
  sameJudgedChampion,
} from '../registry/champion-pointer.ts';
import { loadModel } from '../registry/model-store.ts';
import { modelVersionSchema } from '../registry/version.ts';
import { PreconditionFailedError } from '../ports/object-store.ts';
import type { StepContext } from './context.ts';
import { evaluationResultSchema } from './evaluate.ts';
import { gateResultSchema } from './gate.ts';
import { parseStepInput, runInputSchema } from './run-state.ts';
import { CHAMPION_KEY } from '../storage-keys.ts';

/**
 * Promote: one compare-and-swap of `models/champion.json`. The artifact is loaded and verified
 * first (a corrupt model is never promoted), and the swap only succeeds if the pointer still holds
 * what the gate judged against — a promotion or rollback in between makes this run fail rather
 * than overwrite a decision it did not see. A pointer that was unreadable when judged, and still
 * is, is replaced (on the etag read here): that is how a corrupt pointer heals.
 */

function describeNow(state: ChampionState): string {
  if (state.kind === 'readable') return `the champion is now ${state.current.pointer.version} (${state.current.pointer.promotedBy})`;
  return state.kind === 'none' ? 'there is no champion now' : `${CHAMPION_KEY} is now unreadable`;
}

export const promoteResultSchema = z.object({ champion: modelVersionSchema, previous: modelVersionSchema.nullable() });
export type PromoteResult = z.infer<typeof promoteResultSchema>;

export async function promote(input: unknown, context: StepContext): Promise<PromoteResult> {
  const run = parseStepInput(
    'Promote',
    runInputSchema.extend({ evaluation: evaluationResultSchema, gate: gateResultSchema }),
    input,
  );
  // The gate judged the run's challenger, which may be a challenger kind rather than the GP.
  const { version } = run.evaluation.challenger;
  if (!run.gate.promote) throw new RangeError(`Promote: the gate rejected ${version}; it cannot be promoted`);
  await loadModel(context.store, version);

  const state = await readChampionState(context.store);
  // A retried Promote whose swap already happened (the process died before its result was
  // recorded) finds its own promotion: that is success, not a lost race.
  if (state.kind === 'readable' && state.current.pointer.version === version && state.current.pointer.promotedBy === run.runName) {
    const { pointer } = state.current;
    context.progress({ kind: 'message', text: `champion is already ${version}, promoted by this run` });
    return { champion: pointer.version, previous: pointer.previous[0] ?? null };
  }
  const judged = run.evaluation.judged;
  if (!sameJudgedChampion(judgedChampionOf(state), judged)) {
    throw new PreconditionFailedError(
      CHAMPION_KEY,
      `the gate compared ${version} with ${describeJudgedChampion(judged)}, but ${describeNow(state)}; run the training again`,
    );
  }
  // The swap is the commit: a history entry that cannot be written is reported, not a failed promotion.
  const pointer: ChampionPointer = await promoteChampion(context.store, version, run.runName, state, context.now(), (error) =>
    context.progress({ kind: 'message', text: `${error.message} (npx prognos doctor --repair records it)` }),
  );
  context.progress({ kind: 'message', text: `champion is now ${pointer.version}${pointer.previous[0] ? ` (was ${pointer.previous[0]})` : ''}` });
  return { champion: pointer.version, previous: pointer.previous[0] ?? null };
}
