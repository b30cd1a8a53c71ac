import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CliError } from './errors.ts';

/**
 * A JSON settings file given with `--config`, validated by `schema` (defaults for what it leaves
 * out; without a file, all defaults). Errors name the file and each bad field.
 */
export async function readConfigFile<T extends z.ZodType>(file: string | undefined, schema: T, what: string): Promise<z.infer<T>> {
  if (file === undefined) return schema.parse({});
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new CliError(`${file} is not JSON: ${error.message}`);
    throw error;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new CliError(`${file}: not a valid ${what}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
