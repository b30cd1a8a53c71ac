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
