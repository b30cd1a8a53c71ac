import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type BatchConfig, batchConfigSchema } from '../core/steps/batch/batch-state.ts';
import { type PipelineConfig, pipelineConfigSchema } from '../core/steps/run-state.ts';
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

/**
 * The training pipeline's settings (`prognos run --config`, `prognos schedule --config`): one
 * reader, so both commands take and refuse the same files with the same words.
 */
export function readPipelineConfig(file: string | undefined): Promise<PipelineConfig> {
  return readConfigFile(file, pipelineConfigSchema, 'pipeline configuration');
}

/** The batch inference settings (`prognos infer --config`). */
export function readBatchConfig(file: string | undefined): Promise<BatchConfig> {
  return readConfigFile(file, batchConfigSchema, 'batch configuration');
}
