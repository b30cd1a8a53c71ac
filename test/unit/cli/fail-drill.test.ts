/**
 * The failure drill switch (PROGNOS_FAIL_STEP) is read by the training and the batch path through
 * one check: a name that is no step of the workflows a command runs is refused with the steps it
 * could name, as a user's error (one line, exit 1), before any step runs.
 */
import { describe, expect, it } from 'vitest';
import { batchHandlers } from '../../../lambdas/cli/batch-workflow.ts';
import { describeError } from '../../../lambdas/cli/errors.ts';
import { drillFor, InjectedFailureError, trainingHandlers, UnknownDrillStepError } from '../../../lambdas/cli/training-workflow.ts';
import type { BatchStepContext } from '../../../lambdas/core/steps/batch/batch-state.ts';
import { BATCH_STEPS } from '../../../lambdas/core/steps/batch/index.ts';
import type { StepContext } from '../../../lambdas/core/steps/context.ts';
import { TRAINING_STEPS } from '../../../lambdas/core/steps/index.ts';

// Binding the steps reads nothing from the context; a drilled step throws before its step runs.
const trainingContext = {} as StepContext;
const batchContext = {} as BatchStepContext;

function refusal(bind: () => unknown): Error {
  try {
    bind();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the drill to be refused');
}

describe('PROGNOS_FAIL_STEP', () => {
  it('a misspelt step is refused by the training path, with the steps it could name', () => {
    const error = refusal(() => trainingHandlers(trainingContext, 'Trian'));
    expect(error).toBeInstanceOf(UnknownDrillStepError);
    expect(error.name).toBe('UnknownDrillStepError');
    expect(error.message).toBe(`PROGNOS_FAIL_STEP=Trian names no step; the steps are ${Object.keys(TRAINING_STEPS).join(', ')}`);
    expect(describeError(error)).toEqual({ message: error.message, exitCode: 1, expected: true });
  });

  it('a misspelt step is refused by the batch path the same way (it used to be ignored)', () => {
    for (const drill of ['ScoreFiel', 'scorefile', 'ScoreFiel:PreconditionFailedError']) {
      const error = refusal(() => batchHandlers(batchContext, drill));
      expect(error).toBeInstanceOf(UnknownDrillStepError);
      expect(error.message).toMatch(new RegExp(`^PROGNOS_FAIL_STEP=${drill} names no step; the steps are ListNewFiles, ScoreFile, .*, Train, `));
      expect(describeError(error)).toMatchObject({ exitCode: 1, expected: true });
    }
  });

  it('the batch path takes its own steps and those of the retrains it starts; training only its own', () => {
    for (const drill of [undefined, '', 'ScoreFile', 'ComputeDrift', 'Train', 'Promote:PreconditionFailedError', 'RecordFailure']) {
      expect(() => batchHandlers(batchContext, drill)).not.toThrow();
    }
    expect(() => trainingHandlers(trainingContext, 'ScoreFile')).toThrow(UnknownDrillStepError);
    expect(() => trainingHandlers(trainingContext, 'Promote:PreconditionFailedError')).not.toThrow();
  });

  it('a drilled batch step fails instead of running; a training step is passed on to the retrains only', async () => {
    const handlers = batchHandlers(batchContext, 'ScoreFile');
    await expect(handlers.ScoreFile({})).rejects.toThrow(new InjectedFailureError('ScoreFile failed on purpose (PROGNOS_FAIL_STEP=ScoreFile)'));
    expect(drillFor('Train', BATCH_STEPS)).toBeUndefined();
    expect(drillFor('Train', TRAINING_STEPS)).toBe('Train');
    // The error-name form reaches a retrain whole (the raw value is not a step name, its step is).
    expect(drillFor('Promote:PreconditionFailedError', TRAINING_STEPS)).toBe('Promote:PreconditionFailedError');
    expect(drillFor(undefined, TRAINING_STEPS)).toBeUndefined();
  });
});
