/**
 * The state machine's Train loop for unit tests: calls a Train step round after round, each
 * round with the last round's result at `$.train` as the TrainDone Choice passes it back, until
 * it reports done.
 */
import type { StepContext } from '../../lambdas/core/steps/context.ts';
import { train, type TrainFinished, type TrainOutcome } from '../../lambdas/core/steps/train.ts';

export type TrainStep = (input: unknown, context: StepContext) => Promise<TrainOutcome>;

/** Every round's result, in order; the last is done. @throws Error after `maxRounds` rounds not done */
export async function trainRounds(input: object, context: StepContext, step: TrainStep = train, maxRounds = 100): Promise<{ rounds: TrainOutcome[]; result: TrainFinished }> {
  const rounds: TrainOutcome[] = [];
  let state: object = input;
  while (rounds.length < maxRounds) {
    const outcome = await step(state, context);
    rounds.push(outcome);
    if (outcome.done) return { rounds, result: outcome };
    state = { ...input, train: outcome };
  }
  throw new Error(`Train did not finish in ${maxRounds} rounds`);
}

/** The finished result of training `input` to the end. */
export async function trainToEnd(input: object, context: StepContext, step: TrainStep = train): Promise<TrainFinished> {
  return (await trainRounds(input, context, step)).result;
}
