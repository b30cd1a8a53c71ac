/**
 * A signal that aborts on Ctrl-C (SIGINT) or SIGTERM, for the commands that run until stopped
 * (`prognos watch`, `prognos schedule`): they finish the run in progress, then exit.
 */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}
