/**
 * Where a command writes. Results go to `out` (stdout, so they can be piped or redirected);
 * progress, notes and errors go to `err` (stderr), so they never mix into the results.
 */
export interface CliIo {
  /** Writes text to the result stream (stdout). */
  readonly out: (text: string) => void;
  /** Writes text to the diagnostic stream (stderr). */
  readonly err: (text: string) => void;
}

/** The process's own stdout and stderr. */
export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};
