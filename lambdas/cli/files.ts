import { readFile } from 'node:fs/promises';
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
