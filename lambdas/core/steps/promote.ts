import { z } from 'zod';
import { type ChampionPointer, promoteChampion, readChampion } from '../registry/champion.ts';
import { loadModel } from '../registry/model-store.ts';
import { PreconditionFailedError } from '../ports/object-store.ts';
import type { StepContext } from './context.ts';
import { evaluationResultSchema } from './evaluate.ts';
import { gateResultSchema } from './gate.ts';
import { parseStepInput, runInputSchema } from './run-state.ts';
import { trainResultSchema } from './train.ts';

/**
 * Promote: one compare-and-swap of `models/champion.json`. The artifact is loaded and verified
 * first (a corrupt model is never promoted), and the swap only succeeds if the champion is still
 * the one the gate compared against — a promotion or rollback in between makes this run fail
 * rather than overwrite a decision it did not see.
 */

export const promoteResultSchema = z.object({ champion: z.string(), previous: z.string().nullable() });
export type PromoteResult = z.infer<typeof promoteResultSchema>;

export async function promote(input: unknown, context: StepContext): Promise<PromoteResult> {
  const run = parseStepInput(
    'Promote',
    runInputSchema.extend({ train: trainResultSchema, evaluation: evaluationResultSchema, gate: gateResultSchema }),
    input,
  );
  if (!run.gate.promote) throw new RangeError(`Promote: the gate rejected ${run.train.version}; it cannot be promoted`);
  const { version } = run.train;
  await loadModel(context.store, version);

  const current = await readChampion(context.store);
  const compared = run.evaluation.champion?.version ?? null;
  // An incomparable champion (other features) was judged too: by the note, not by numbers.
  const judged = run.evaluation.championNote === null ? compared : (current?.pointer.version ?? null);
  if ((current?.pointer.version ?? null) !== judged) {
    throw new PreconditionFailedError(
      'models/champion.json',
      `the gate compared ${version} with ${judged ?? 'no champion'}, but the champion is now ${current?.pointer.version ?? 'none'}; run the training again`,
    );
  }
  const pointer: ChampionPointer = await promoteChampion(context.store, version, run.runName, current, context.now());
  context.progress({ kind: 'message', text: `champion is now ${pointer.version}${pointer.previous[0] ? ` (was ${pointer.previous[0]})` : ''}` });
  return { champion: pointer.version, previous: pointer.previous[0] ?? null };
}
