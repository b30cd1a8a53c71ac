import { readFile } from 'node:fs/promises';
import { InvalidDataError } from '../core/errors.ts';
import { CliError } from './errors.ts';

/**
 * Reads an input file the user named, turning the usual mistakes (a typo in the path, a folder)
 * into one-line messages that say which option's file it was.
 * @param what what the file is for the user, e.g. "data file"
 */
export async function readInputFile(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${what} not found: ${file}`);
    if (code === 'EISDIR') throw new CliError(`${what} is a folder, expected a CSV file: ${file}`);
    throw error;
  }
}

/** Runs `read`, prefixing data errors with the file they are about, and `hint` after a non-numeric cell. */
export function withFileName<T>(file: string, hint: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof InvalidDataError)) throw error;
    const suffix = error.message.endsWith('is not a finite number') ? hint : '';
    throw new InvalidDataError(`${file}: ${error.message}${suffix}`, { cause: error });
  }
}
