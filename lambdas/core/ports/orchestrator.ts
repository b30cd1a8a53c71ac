/**
 * The workflow-starting port: Step Functions in AWS, the local runner on a laptop. Names are
 * deterministic (lambdas/core/steps/execution-name.ts), so starting the same name twice is how
 * duplicate events collapse into one run.
 */
export interface Orchestrator {
  /**
   * Starts an execution of the workflow under `name` with `input`.
   * @returns started: false when an execution with this name already exists (ExecutionAlreadyExists), which is success
   */
  start(name: string, input: unknown): Promise<{ readonly started: boolean; readonly executionId: string }>;
}

/**
 * An orchestrator that can also continue a run that did not succeed: Step Functions'
 * RedriveExecution. The run continues under its name from the state that failed, with the input
 * that state had; the states that succeeded are not run again (in a Map or Parallel, only the
 * failed iterations or branches run again). Only FAILED, ABORTED and TIMED_OUT runs (and, locally,
 * stale RUNNING ones) can be redriven.
 */
export interface RedrivableOrchestrator extends Orchestrator {
  /**
   * @throws ExecutionDoesNotExistError when no run has this name
   * @throws ExecutionNotRedrivableError when it succeeded, still runs, or cannot be redriven any more
   */
  redrive(name: string): Promise<{ readonly executionId: string; readonly redrivenAt: string }>;
}

/**
 * Step Functions' rule for execution names, the one both orchestrators and the run state hold
 * names to: 1–80 letters, digits, '-' and '_' (the characters CloudWatch Logs also accepts).
 */
export const EXECUTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

/** The rule in words, for error messages and schema issues. */
export const EXECUTION_NAME_RULE = "1–80 characters of letters, digits, '-' and '_'";

/** An execution name Step Functions would refuse; both orchestrators throw it before any work. */
export class InvalidExecutionNameError extends RangeError {
  override readonly name = 'InvalidExecutionNameError' as const;
}

export function isExecutionName(name: unknown): name is string {
  return typeof name === 'string' && EXECUTION_NAME_PATTERN.test(name);
}

/** @throws InvalidExecutionNameError for a name outside the rule */
export function assertExecutionName(name: unknown): asserts name is string {
  if (!isExecutionName(name)) throw new InvalidExecutionNameError(`execution name ${JSON.stringify(name)} is not valid: use ${EXECUTION_NAME_RULE}`);
}

/** No execution with this name (Step Functions' ExecutionDoesNotExist). */
export class ExecutionDoesNotExistError extends Error {
  override readonly name = 'ExecutionDoesNotExist' as const;
}

/** The run cannot be redriven: it succeeded, still runs, or its definition changed (Step Functions' ExecutionNotRedrivable). */
export class ExecutionNotRedrivableError extends Error {
  override readonly name = 'ExecutionNotRedrivable' as const;
}
