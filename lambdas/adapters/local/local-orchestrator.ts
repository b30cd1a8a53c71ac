/**
 * The Orchestrator port on a laptop: starting an execution runs the workflow with the local
 * runner, in the background of this process, and returns at once, as StartExecution does. A
 * step that starts another workflow (batch inference's StartRetrain starts training) therefore
 * finishes quickly and its Task timeout means what it means in AWS; the command that ran the
 * first workflow then waits for the started ones with {@link LocalOrchestrator.settled}, so
 * nothing is left half-run when the process exits.
 *
 * Names are deterministic and the run records decide: a name that already has a record (in any
 * status) starts nothing and returns `started: false`, as ExecutionAlreadyExists does.
 */
import { ExecutionDoesNotExistError, ExecutionNotRedrivableError, type RedrivableOrchestrator, assertExecutionName } from '../../core/ports/orchestrator.ts';
import { localExecutionArn } from './local-arns.ts';
import {
  isStaleRunRecord,
  readRunRecord,
  redriveStateMachine,
  type RunOutcome,
  runStateMachine,
  type RunStateMachineOptions,
} from './state-machine-runner.ts';

/** How every execution of the one workflow this orchestrator starts is run (all but the name and input). */
export type LocalOrchestratorOptions = Omit<RunStateMachineOptions, 'executionName' | 'input' | 'replace' | 'signal'> & {
  /** The workflow's name in execution ids; default: the runner's (the file name). */
  readonly stateMachineName: string;
  /**
   * Options of each execution of its own, in place of the shared ones: handlers bound to a meter
   * of that run and the estimate from it (see cli/training-workflow.ts meteredStepContext), so that each
   * run is priced alone.
   */
  readonly perRun?: () => Pick<RunStateMachineOptions, 'handlers' | 'estimateCost'>;
};

export class LocalOrchestrator implements RedrivableOrchestrator {
  readonly #options: LocalOrchestratorOptions;
  readonly #runs: Promise<RunOutcome>[] = [];
  /** Names started by this process, so a second start never races the first one's record. */
  readonly #names = new Set<string>();

  constructor(options: LocalOrchestratorOptions) {
    this.#options = options;
  }

  /** @throws InvalidExecutionNameError */
  async start(name: string, input: unknown): Promise<{ readonly started: boolean; readonly executionId: string }> {
    assertExecutionName(name);
    const executionId = this.#executionId(name);
    if (this.#names.has(name) || (await readRunRecord(this.#options.runsDir, name)) !== undefined) return { started: false, executionId };
    this.#names.add(name);
    const run = runStateMachine({ ...this.#options, ...this.#options.perRun?.(), executionName: name, input });
    // Observed at once: a configuration error surfaces in settled(), never as an unhandled rejection.
    run.catch(() => undefined);
    this.#runs.push(run);
    return { started: true, executionId };
  }

  /**
   * Redrives the run named `name` in the background (see redriveStateMachine), as
   * RedriveExecution does; settled() waits for it too.
   * @throws InvalidExecutionNameError | ExecutionDoesNotExistError | ExecutionNotRedrivableError
   */
  async redrive(name: string): Promise<{ readonly executionId: string; readonly redrivenAt: string }> {
    assertExecutionName(name);
    const record = await readRunRecord(this.#options.runsDir, name);
    if (record === undefined) throw new ExecutionDoesNotExistError(`there is no run named ${name}`);
    if (record.status === 'SUCCEEDED') throw new ExecutionNotRedrivableError(`run ${name} succeeded: there is nothing to redrive`);
    if (record.status === 'RUNNING' && !isStaleRunRecord(record)) throw new ExecutionNotRedrivableError(`run ${name} is still running`);
    const redrivenAt = new Date().toISOString();
    const run = redriveStateMachine({ ...this.#options, ...this.#options.perRun?.(), executionName: name }).then((redriven) => ({ started: true, record: redriven }));
    run.catch(() => undefined);
    this.#runs.push(run);
    return { executionId: this.#executionId(name), redrivenAt };
  }

  #executionId(name: string): string {
    return localExecutionArn(this.#options.stateMachineName, name);
  }

  /**
   * Waits for every execution started so far, including those started while waiting, and returns
   * their outcomes in start order.
   * @throws the first configuration error of a started run (see runStateMachine)
   */
  async settled(): Promise<RunOutcome[]> {
    let count: number;
    do {
      count = this.#runs.length;
      await Promise.allSettled(this.#runs);
    } while (this.#runs.length > count);
    return Promise.all(this.#runs);
  }
}
