/**
 * Compile-time checks of stepHandler's types, run by `npm run typecheck` (tsc): each
 * `@ts-expect-error` fails the check if the line below it compiles. Never executed.
 */
import { awsStepContext } from '../../../../lambdas/handlers/support/aws-context.ts';
import { awsBatchContext } from '../../../../lambdas/handlers/support/batch-context.ts';
import { stepHandler } from '../../../../lambdas/handlers/support/step-handler.ts';
import { scoreFile } from '../../../../lambdas/core/steps/batch/score-file.ts';
import { startRetrain } from '../../../../lambdas/core/steps/batch/start-retrain.ts';
import { gate } from '../../../../lambdas/core/steps/gate.ts';

export function wiring(): unknown[] {
  return [
    // A batch step needs the batch context (its `retrain`): there is no default to fall back on...
    // @ts-expect-error a context is required
    stepHandler('ScoreFile', scoreFile),
    // ...and the training context is not one.
    // @ts-expect-error awsStepContext has no `retrain`
    stepHandler('StartRetrain', startRetrain, awsStepContext),
    stepHandler('StartRetrain', startRetrain, awsBatchContext),
    // A training step takes the training context, or any context that has more.
    stepHandler('Gate', gate, awsStepContext),
    stepHandler('Gate', gate, awsBatchContext),
  ];
}
