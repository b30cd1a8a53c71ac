/**
 * The ARNs a local run shows where AWS would show real ones (`$$.StateMachine`, `$$.Execution`,
 * the execution ids the local orchestrator returns): well formed, in one fake region and
 * account, so that paths into them and anything that parses them work as in AWS. One place, so
 * that the id a command prints is the id the run's context object holds.
 */

const LOCAL_STATES_ARN = 'arn:aws:states:us-east-1:123456789012';

/** `prognos-local-<name>`: the state machine's name in a local run (`name` is the ASL file's, e.g. `training`). */
export function localStateMachineName(name: string): string {
  return `prognos-local-${name}`;
}

export function localStateMachineArn(name: string): string {
  return `${LOCAL_STATES_ARN}:stateMachine:${localStateMachineName(name)}`;
}

/** The execution's ARN as Step Functions builds it: the state machine's with `execution` and the execution name. */
export function localExecutionArn(name: string, executionName: string): string {
  return `${LOCAL_STATES_ARN}:execution:${localStateMachineName(name)}:${executionName}`;
}
