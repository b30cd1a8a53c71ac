import {
  ArtifactError,
  InsufficientDataError,
  InvalidDataError,
  NotFittedError,
  NotPositiveDefiniteError,
  ShapeError,
  UnusableFileError,
} from '../core/errors.ts';
import { ObjectNotFoundError, PreconditionFailedError } from '../core/ports/object-store.ts';
import { QueryError } from '../core/ports/query-engine.ts';
import { ChampionChangeError } from '../core/registry/champion.ts';
import { InvalidVersionError } from '../core/registry/version.ts';

/** Exit code of a command that failed on its input (bad data, missing file, unreadable model). */
export const EXIT_FAILURE = 1;
/** Exit code of a command line that was used wrongly (unknown option, bad option value). */
export const EXIT_USAGE = 2;

/** An expected failure of a command: printed as one line, without a stack trace. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly exitCode: number = EXIT_FAILURE;
}

/** Wrong use of the command line (exit code 2). */
export class UsageError extends CliError {
  override readonly name: string = 'UsageError';
  override readonly exitCode: number = EXIT_USAGE;
}

/** How to report an error: the one line to print, the exit code, and whether it was expected. */
export interface ErrorReport {
  readonly message: string;
  readonly exitCode: number;
  /** False for a bug (an error no command anticipates): worth a stack trace and a bug report. */
  readonly expected: boolean;
}

// Errors the core throws on purpose, with messages written for users.
const CORE_ERRORS = [
  InvalidDataError,
  ShapeError,
  ArtifactError,
  NotFittedError,
  NotPositiveDefiniteError,
  UnusableFileError,
  InsufficientDataError,
  ObjectNotFoundError,
  PreconditionFailedError,
  QueryError,
  InvalidVersionError,
  ChampionChangeError,
];

/** File-system error codes a user can cause (and fix), with the words to say for them. */
const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a parent of this path is not a directory',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

/** Classifies an error thrown by a command into the line `prognos: …` and an exit code. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof CliError) return { message: oneLine(error.message), exitCode: error.exitCode, expected: true };
  if (CORE_ERRORS.some((kind) => error instanceof kind)) {
    return { message: oneLine((error as Error).message), exitCode: EXIT_FAILURE, expected: true };
  }
  const fsProblem = fsErrorMessage(error);
  if (fsProblem !== undefined) return { message: fsProblem, exitCode: EXIT_FAILURE, expected: true };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { message: `unexpected error: ${oneLine(message)}`, exitCode: EXIT_FAILURE, expected: false };
}

/** `<path>: <what went wrong>` for a Node file-system error with a known code, else undefined. */
function fsErrorMessage(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path } = error as NodeJS.ErrnoException;
  if (code === undefined || !(code in FS_ERRORS)) return undefined;
  return path !== undefined ? `${path}: ${FS_ERRORS[code]}` : oneLine(error.message);
}

/**
 * Joins a multi-line message into one line: lines are separated by "; " (by a space after a line
 * ending in ":"), and zod's prettified issues ("✖ problem" then "→ at path") become "problem → at path".
 */
export function oneLine(message: string): string {
  const parts: string[] = [];
  for (const raw of message.split('\n')) {
    const line = raw.trim().replace(/^✖\s*/, '');
    if (line.length === 0) continue;
    if (line.startsWith('→') && parts.length > 0) parts[parts.length - 1] += ` ${line}`;
    else parts.push(line);
  }
  return parts.reduce((joined, part) => (joined === '' ? part : `${joined}${joined.endsWith(':') ? ' ' : '; '}${part}`), '');
}
