/**
 * Where a command writes. Results go to `out` (stdout, so they can be piped or redirected);
 * progress, notes and errors go to `err` (stderr), so they never mix into the results.
 */
export interface CliIo {
  /** Writes text to the result stream (stdout). */
  readonly out: (text: string) => void;
  /** Writes text to the diagnostic stream (stderr). */
  readonly err: (text: string) => void;
  /** The terminal `err` writes to; absent when it is a file or a pipe (plain lines, no redrawing). */
  readonly terminal?: TerminalInfo;
}

/** What a live view needs to know of a terminal. */
export interface TerminalInfo {
  /** Width in characters: a status line is cut to it, so that it never wraps. */
  readonly columns: number;
  /** False under NO_COLOR (https://no-color.org) or TERM=dumb. */
  readonly color: boolean;
}

/** The terminal behind `stream`, or undefined when it is a file or a pipe. */
export function terminalOf(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns'>, env: NodeJS.ProcessEnv = process.env): TerminalInfo | undefined {
  if (!stream.isTTY) return undefined;
  return { columns: stream.columns || 80, color: (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb' };
}

/** The process's own stdout and stderr. */
export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  terminal: terminalOf(process.stderr),
};
