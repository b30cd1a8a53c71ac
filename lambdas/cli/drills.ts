import type { RunEvent } from '../adapters/local/state-machine-runner.ts';

/**
 * Kill drills: switches that end this process with SIGKILL at a chosen point, so an operator (or
 * the fault-injection suite) can see what a crash there leaves behind and that `prognos doctor
 * --repair` and `prognos runs retry` recover from it. Nothing is cleaned up on the way out, as in
 * a real crash.
 *
 * - `PROGNOS_KILL_IN_STATE=<state>`: inside that state of any workflow this process runs. A Task is
 *   killed inside its step, before the step's work; any other state (Pass, Choice, Map, Succeed,
 *   Fail) when the runner reports having entered it.
 * - `PROGNOS_KILL_IN_WRITE=<key>`: inside the object store's write of that key, with the new bytes
 *   in a temporary file and the key's lock held, before the rename that publishes them
 *   (`models/champion.json`: a kill during Promote's write).
 */

function killNow(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to oneself is delivered before the next instruction matters; this only satisfies the type.
  throw new Error('unreachable: SIGKILL did not end the process');
}

/** The state named by PROGNOS_KILL_IN_STATE, or undefined. */
export function killState(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const state = env.PROGNOS_KILL_IN_STATE;
  return state === undefined || state === '' ? undefined : state;
}

/** Called at the start of each Task's step: kills when it is the drill's state. */
export function killIfDrilledTask(state: string, env: NodeJS.ProcessEnv = process.env): void {
  if (killState(env) === state) killNow();
}

/** A live-view listener that kills when a non-Task drill state is entered (Tasks are killed inside their step). */
export function killOnStateEntered(env: NodeJS.ProcessEnv = process.env): ((event: RunEvent) => void) | undefined {
  const state = killState(env);
  if (state === undefined) return undefined;
  return (event) => {
    if (event.type === 'StateEntered' && event.state === state && event.stateType !== 'Task') killNow();
  };
}

/** The object store's `beforeRename` seam for PROGNOS_KILL_IN_WRITE, or undefined. */
export function killInWrite(env: NodeJS.ProcessEnv = process.env): ((key: string) => void) | undefined {
  const target = env.PROGNOS_KILL_IN_WRITE;
  if (target === undefined || target === '') return undefined;
  return (key) => {
    if (key === target) killNow();
  };
}

/** `view` with the PROGNOS_KILL_IN_STATE listener in front of it (just `view` when the drill is off). */
export function withKillDrill(view: (event: RunEvent) => void, env: NodeJS.ProcessEnv = process.env): (event: RunEvent) => void {
  const kill = killOnStateEntered(env);
  if (kill === undefined) return view;
  return (event) => {
    kill(event);
    view(event);
  };
}
