import { RedriveExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ExecutionDoesNotExistError, ExecutionNotRedrivableError, type RedrivableOrchestrator, assertExecutionName } from '../../core/ports/orchestrator.ts';
import { errorName, isTransient, transientError } from './aws-errors.ts';

/**
 * The orchestrator port on Step Functions: one StartExecution per start. A name Step Functions
 * has seen answers ExecutionAlreadyExists, which is how duplicate events collapse into one run,
 * so that answer is success with `started: false`.
 *
 * One case Step Functions answers differently: the same name with the same input while that
 * execution is still running succeeds and returns the running execution's ARN, so both callers
 * see `started: true` for the one run (StartExecution is idempotent for Standard workflows).
 */

export interface SfnOrchestratorOptions {
  readonly client: SFNClient;
  /** arn:aws:states:<region>:<account>:stateMachine:<name> (a version or alias suffix is allowed). */
  readonly stateMachineArn: string;
}

const STATE_MACHINE_ARN = /^(arn:[^:]+:states:[^:]*:[^:]*):stateMachine:([^:]+)(?::[^:]+)?$/;

export { InvalidExecutionNameError } from '../../core/ports/orchestrator.ts';

export class SfnOrchestrator implements RedrivableOrchestrator {
  readonly #client: SFNClient;
  readonly #stateMachineArn: string;
  /** `arn:…:execution:<state machine>:` — an execution's ARN is this plus its name. */
  readonly #executionArnPrefix: string;

  constructor({ client, stateMachineArn }: SfnOrchestratorOptions) {
    const match = STATE_MACHINE_ARN.exec(stateMachineArn);
    if (match === null) throw new TypeError(`not a state machine ARN: ${JSON.stringify(stateMachineArn)}`);
    this.#client = client;
    this.#stateMachineArn = stateMachineArn;
    this.#executionArnPrefix = `${match[1]}:execution:${match[2]}:`;
  }

  /**
   * @returns started: false with the existing execution's ARN when the name was used before
   * @throws InvalidExecutionNameError before any call, for a name outside 1–80 of [A-Za-z0-9_-]
   * @throws TransientError for throttling, Step Functions' internal errors, dropped connections
   */
  async start(name: string, input: unknown): Promise<{ readonly started: boolean; readonly executionId: string }> {
    assertExecutionName(name);
    try {
      const out = await this.#client.send(new StartExecutionCommand({ stateMachineArn: this.#stateMachineArn, name, input: input === undefined ? '{}' : JSON.stringify(input) }));
      return { started: true, executionId: out.executionArn ?? this.#executionArn(name) };
    } catch (error) {
      if (errorName(error) === 'ExecutionAlreadyExists') return { started: false, executionId: this.#executionArn(name) };
      if (isTransient(error)) throw transientError(`start execution ${name} of ${this.#stateMachineArn}`, error);
      throw error;
    }
  }

  /**
   * RedriveExecution of the execution named `name` of this state machine: Step Functions continues
   * it from its unsuccessful state with that state's input and counts the redrive.
   * @throws ExecutionDoesNotExistError | ExecutionNotRedrivableError (with Step Functions' reason)
   * @throws TransientError for throttling, Step Functions' internal errors, dropped connections
   */
  async redrive(name: string): Promise<{ readonly executionId: string; readonly redrivenAt: string }> {
    assertExecutionName(name);
    const executionArn = this.#executionArn(name);
    try {
      const out = await this.#client.send(new RedriveExecutionCommand({ executionArn }));
      return { executionId: executionArn, redrivenAt: (out.redriveDate ?? new Date()).toISOString() };
    } catch (error) {
      const kind = errorName(error);
      const message = error instanceof Error ? error.message : String(error);
      if (kind === 'ExecutionDoesNotExist') throw new ExecutionDoesNotExistError(`there is no execution ${executionArn}`);
      if (kind === 'ExecutionNotRedrivable') throw new ExecutionNotRedrivableError(`execution ${name} cannot be redriven: ${message}`);
      if (isTransient(error)) throw transientError(`redrive execution ${name} of ${this.#stateMachineArn}`, error);
      throw error;
    }
  }

  #executionArn(name: string): string {
    return `${this.#executionArnPrefix}${name}`;
  }
}
